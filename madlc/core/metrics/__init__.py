"""Metrics on arrays: OKS and mAP (:mod:`~madlc.core.metrics.oks`), keypoint errors
(:mod:`~madlc.core.metrics.rmse`), tracking MOTA/IDF1 (:mod:`~madlc.core.metrics.tracking`) and the
evaluation report tables (:mod:`~madlc.core.metrics.report`)."""

# metrics (pure functions on arrays); see madlc.core.metrics.oks / madlc.core.metrics.rmse
from madlc.core.metrics.oks import OKS_THRESHOLDS, mean_keypoint_score, oks, oks_map, oks_matrix  # noqa: E402,F401
from madlc.core.metrics.rmse import (  # noqa: E402,F401
    detection_errors,
    match_greedy_oks,
    rmse_detections,
    rmse_matched,
)
