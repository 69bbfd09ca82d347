"""Multi-object tracking metrics on pose arrays (MOTA, IDF1, ID switches, fragmentations, coverage).

Predictions and ground truth are arrays ``(n_frames, n_tracks, n_bodyparts, 2|3)``
(x, y[, likelihood]; NaN where missing). In every frame a predicted track and a
ground-truth animal may match when their mean keypoint distance (over the body
parts both have) is below ``max_distance`` px (default: half the median
ground-truth body size). The CLEAR-MOT and identity metrics come from
``motmetrics``; per-track coverage is computed here.

    >>> m = tracking_metrics(pred, gt)          # doctest: +SKIP
    >>> m["mota"], m["idf1"], m["num_switches"]
"""
from __future__ import annotations

from typing import Any

import numpy as np


def pose_distances(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(T, K, 2+), (A, K, 2+) -> (A, T) mean distance over shared keypoints (NaN if none)."""
    p = np.asarray(pred, float)[None, :, :, :2]
    g = np.asarray(gt, float)[:, None, :, :2]
    d = np.linalg.norm(p - g, axis=-1)  # (A, T, K)
    if not d.size:
        return np.zeros(d.shape[:2])
    finite = np.isfinite(d)
    n = finite.sum(axis=-1)
    return np.where(n > 0, np.where(finite, d, 0.0).sum(axis=-1) / np.maximum(n, 1), np.nan)


def body_size(gt: np.ndarray) -> float:
    """Median extent (diagonal of the keypoint box) of the ground-truth animals, px."""
    xy = np.asarray(gt, float)[..., :2]
    valid = np.isfinite(xy).all(-1, keepdims=True)
    lo = np.where(valid, xy, np.inf).min(-2)
    hi = np.where(valid, xy, -np.inf).max(-2)
    with np.errstate(invalid="ignore"):
        diag = np.linalg.norm(hi - lo, axis=-1)
    diag = diag[np.isfinite(diag) & (diag > 0)]
    return float(np.median(diag)) if len(diag) else 50.0


def _present(arr: np.ndarray) -> np.ndarray:
    """(F, N, K, C) -> (F, N) True where a track has at least one keypoint."""
    return np.isfinite(arr[..., :2]).all(-1).any(-1)


def tracking_metrics(pred: np.ndarray, gt: np.ndarray, max_distance: float | None = None) -> dict[str, Any]:
    """Tracking quality of ``pred`` against ``gt``.

    Args:
        pred: (n_frames, n_tracks, n_bodyparts, 2|3) predicted tracks.
        gt: (n_frames, n_animals, n_bodyparts, 2|3) ground truth; frames beyond either
            array count as missing there.
        max_distance: match threshold in px (default 0.5 x the median GT body size).
    Returns:
        dict with ``mota``, ``idf1``, ``idp``, ``idr``, ``num_switches``,
        ``num_fragmentations``, ``num_misses``, ``num_false_positives``, ``precision``,
        ``recall``, ``num_objects``, ``max_distance``, ``coverage`` (per GT animal: fraction
        of its frames matched to any track) and ``id_coverage`` (… to its main track).
    """
    import motmetrics as mm

    pred = np.asarray(pred, float)
    gt = np.asarray(gt, float)
    if pred.ndim != 4 or gt.ndim != 4:
        raise ValueError(f"tracking_metrics needs 4-d arrays (frames, tracks, bodyparts, coords); got {pred.shape}, {gt.shape}")
    n_frames = max(len(pred), len(gt))
    if max_distance is None:
        max_distance = 0.5 * body_size(gt)
    pres_p = _present(pred)
    pres_g = _present(gt)
    acc = mm.MOTAccumulator(auto_id=True)
    n_gt = gt.shape[1]
    matched_any = np.zeros(n_gt)
    pairs = np.zeros((n_gt, max(pred.shape[1], 1)))
    for f in range(n_frames):
        gi = np.flatnonzero(pres_g[f]) if f < len(gt) else np.zeros(0, int)
        pi = np.flatnonzero(pres_p[f]) if f < len(pred) else np.zeros(0, int)
        if len(gi) and len(pi):
            d = pose_distances(pred[f, pi], gt[f, gi])
            d = np.where(d <= max_distance, d, np.nan)
        else:
            d = np.zeros((len(gi), len(pi)))
        acc.update(gi.tolist(), pi.tolist(), d)
    mh = mm.metrics.create()
    names = ["mota", "motp", "idf1", "idp", "idr", "num_switches", "num_fragmentations", "num_misses",
             "num_false_positives", "precision", "recall", "num_objects", "mostly_tracked", "num_unique_objects"]
    summary = mh.compute(acc, metrics=names, name="all")
    out: dict[str, Any] = {k: float(summary[k].iloc[0]) for k in names}
    for k in ("num_switches", "num_fragmentations", "num_misses", "num_false_positives", "num_objects",
              "mostly_tracked", "num_unique_objects"):
        out[k] = int(out[k])
    out["max_distance"] = float(max_distance)
    # per-GT coverage from the matches motmetrics made
    ev = acc.mot_events
    hits = ev[ev["Type"].isin(["MATCH", "SWITCH"])]
    for o, h in zip(hits["OId"].to_numpy(), hits["HId"].to_numpy()):
        matched_any[int(o)] += 1
        pairs[int(o), int(h)] += 1
    frames_gt = pres_g.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["coverage"] = np.where(frames_gt > 0, matched_any / np.maximum(frames_gt, 1), np.nan).tolist()
        out["id_coverage"] = np.where(frames_gt > 0, pairs.max(1) / np.maximum(frames_gt, 1), np.nan).tolist()
    return out
