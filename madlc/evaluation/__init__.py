"""evaluation."""

# metrics (pure functions on arrays); see madlc.evaluation.oks / madlc.evaluation.rmse
from madlc.evaluation.oks import OKS_THRESHOLDS, mean_keypoint_score, oks, oks_map, oks_matrix  # noqa: E402,F401
from madlc.evaluation.rmse import (  # noqa: E402,F401
    detection_errors,
    match_greedy_oks,
    rmse_detections,
    rmse_matched,
)
