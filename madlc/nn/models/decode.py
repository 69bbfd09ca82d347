"""Minimal decoding for training checks: score-map peaks + location refinement, and per-part RMSE.

(The inference stage has the full decoder with PAF costs; this one only serves training reports
and tests.) Pixel position of a peak at cell ``(i, j)``: ``x = j*stride + stride/2 + locref_x``,
``y = i*stride + stride/2 + locref_y`` (locref already in pixels, see :func:`madlc.nn.models.model_forward`).
"""
from __future__ import annotations

import numpy as np


def find_peaks(heatmaps: np.ndarray, locref: np.ndarray, stride: int, threshold: float = 0.1,
               radius: int = 1) -> list[np.ndarray]:
    """Per joint, ``(k, 3)`` arrays of ``(x, y, score)``: local maxima (window ``2*radius+1``) above ``threshold``.

    ``heatmaps`` ``(J, h, w)`` probabilities, ``locref`` ``(2J, h, w)`` pixel offsets.
    """
    from scipy.ndimage import maximum_filter

    peaks = []
    for j, heat in enumerate(heatmaps):
        local = maximum_filter(heat, size=2 * radius + 1, mode="constant", cval=0.0)
        ii, jj = np.nonzero((heat >= local) & (heat > threshold))
        x = jj * stride + stride / 2.0 + locref[2 * j, ii, jj]
        y = ii * stride + stride / 2.0 + locref[2 * j + 1, ii, jj]
        peaks.append(np.column_stack([x, y, heat[ii, jj]]).astype(np.float64))
    return peaks


def match_errors(peaks: list[np.ndarray], truth: np.ndarray) -> tuple[np.ndarray, int]:
    """Distances of ground-truth keypoints to their matched peaks (optimal per joint) and the misses.

    ``truth`` ``(n_slots, J, 2)`` (NaN = absent). Returns ``(distances (n_matched,), n_missed)``.
    """
    from scipy.optimize import linear_sum_assignment

    dists, missed = [], 0
    for j, pk in enumerate(peaks):
        gt = truth[:, j]
        gt = gt[np.isfinite(gt).all(1)]
        if len(gt) == 0:
            continue
        if len(pk) == 0:
            missed += len(gt)
            continue
        cost = np.linalg.norm(gt[:, None, :] - pk[None, :, :2], axis=-1)
        rows, cols = linear_sum_assignment(cost)
        dists.extend(cost[rows, cols])
        missed += len(gt) - len(rows)
    return np.asarray(dists, dtype=np.float64), missed
