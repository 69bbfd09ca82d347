"""Shapes of animals and how alike two of them are (pure numpy).

Poses are arrays ``(n_animals, n_bodyparts, 2)`` of x, y with NaN for missing
keypoints. Every similarity is in [0, 1] (1 = identical) and vectorised as an
``(n_a, n_b)`` matrix.
"""
from __future__ import annotations

import numpy as np


def pose_centroids(poses: np.ndarray) -> np.ndarray:
    """(n, k, 2) -> (n, 2) mean of the visible keypoints (NaN for an empty pose)."""
    poses = np.asarray(poses, float)[..., :2]
    valid = np.isfinite(poses).all(-1)
    counts = valid.sum(-1)
    sums = np.where(valid[..., None], poses, 0.0).sum(-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts[..., None] > 0, sums / np.maximum(counts, 1)[..., None], np.nan)


def pose_boxes(poses: np.ndarray, slack: float = 0.0, relative_slack: float = 0.0) -> np.ndarray:
    """(n, k, 2) -> (n, 4) keypoint bounding boxes ``x1, y1, x2, y2``.

    Each box is grown by ``slack`` px plus ``relative_slack`` times its diagonal on every side.
    """
    poses = np.asarray(poses, float)[..., :2]
    valid = np.isfinite(poses).all(-1, keepdims=True)
    lo = np.where(valid, poses, np.inf).min(-2)
    hi = np.where(valid, poses, -np.inf).max(-2)
    if relative_slack:
        with np.errstate(invalid="ignore"):
            diag = np.hypot(hi[..., 0] - lo[..., 0], hi[..., 1] - lo[..., 1])
            slack = slack + relative_slack * diag[..., None]
    with np.errstate(invalid="ignore"):
        boxes = np.concatenate([lo - slack, hi + slack], -1)
    boxes[~np.isfinite(boxes).all(-1)] = np.nan
    return boxes


def boxes_to_state(boxes: np.ndarray) -> np.ndarray:
    """(n, 4) ``x1, y1, x2, y2`` -> (n, 4) ``cx, cy, w, h``."""
    b = np.asarray(boxes, float)
    return np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1)


def state_to_boxes(state: np.ndarray) -> np.ndarray:
    """(n, 4) ``cx, cy, w, h`` -> (n, 4) ``x1, y1, x2, y2`` (negative sizes clipped to 0)."""
    s = np.asarray(state, float)
    w = np.maximum(s[:, 2], 0) / 2
    h = np.maximum(s[:, 3], 0) / 2
    return np.stack([s[:, 0] - w, s[:, 1] - h, s[:, 0] + w, s[:, 1] + h], 1)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, 4), (m, 4) boxes -> (n, m) intersection over union (0 for NaN boxes)."""
    return box_iou_pairs(np.asarray(a, float)[:, None, :], np.asarray(b, float)[None, :, :])


def box_iou_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of broadcastable box arrays (..., 4) -> (...)."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    return np.nan_to_num(iou, nan=0.0)


def fit_ellipses(poses: np.ndarray, sd: float = 2.0, min_points: int = 3) -> np.ndarray:
    """(n, k, 2) -> (n, 5) error ellipses ``cx, cy, width, height, theta`` of the visible keypoints.

    ``width``/``height`` are ``2 * sd`` standard deviations along the major/minor axes of
    the keypoint scatter, ``theta`` the major axis angle in radians in (-pi/2, pi/2].
    Poses with fewer than ``min_points`` visible keypoints give a NaN row.
    """
    poses = np.asarray(poses, float)[..., :2]
    if poses.ndim > 3:  # any leading shape
        lead = poses.shape[:-2]
        return fit_ellipses(poses.reshape(-1, *poses.shape[-2:]), sd, min_points).reshape(*lead, 5)
    n = poses.shape[0]
    out = np.full((n, 5), np.nan)
    if n == 0:
        return out
    valid = np.isfinite(poses).all(-1)
    counts = valid.sum(-1)
    centre = pose_centroids(poses)
    d = np.where(valid[..., None], poses - centre[:, None, :], 0.0)
    denom = np.maximum(counts - 1, 1)
    sxx = (d[..., 0] ** 2).sum(-1) / denom
    syy = (d[..., 1] ** 2).sum(-1) / denom
    sxy = (d[..., 0] * d[..., 1]).sum(-1) / denom
    # eigen-decomposition of the 2x2 covariance in closed form
    tr = sxx + syy
    disc = np.sqrt(np.maximum((sxx - syy) ** 2 / 4 + sxy**2, 0))
    lam1 = np.maximum(tr / 2 + disc, 0)
    lam2 = np.maximum(tr / 2 - disc, 0)
    theta = 0.5 * np.arctan2(2 * sxy, sxx - syy)
    ok = counts >= min_points
    out[ok, 0:2] = centre[ok]
    out[ok, 2] = 2 * sd * np.sqrt(lam1[ok])
    out[ok, 3] = 2 * sd * np.sqrt(lam2[ok])
    out[ok, 4] = theta[ok]
    return out


def ellipse_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, 5), (m, 5) ellipses -> (n, m) similarity in [0, 1].

    Closeness of the centres relative to the larger ellipse (1 at the same centre,
    0 at one major-axis length apart), weighted 80/20 with the agreement of the axes'
    orientations (|cos| of the angle between them): the measure DeepLabCut's
    ellipse tracker thresholds with ``iou_threshold``.
    """
    return ellipse_similarity_pairs(np.asarray(a, float)[:, None, :], np.asarray(b, float)[None, :, :])


def ellipse_similarity_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Similarity of broadcastable ellipse arrays (..., 5) -> (...)."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    size = np.maximum(np.maximum(a[..., 2], a[..., 3]), np.maximum(b[..., 2], b[..., 3]))
    dist = np.hypot(a[..., 0] - b[..., 0], a[..., 1] - b[..., 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        close = 1 - np.minimum(dist / size, 1)
    orient = np.abs(np.cos(a[..., 4] - b[..., 4]))
    return np.nan_to_num(close * (0.8 + 0.2 * orient), nan=0.0)


def pose_scales(poses: np.ndarray, minimum: float = 1.0) -> np.ndarray:
    """(n, k, 2) -> (n,) size of each pose: the diagonal of its keypoint box (at least ``minimum``).

    The diagonal, unlike the box area, does not collapse for thin animals seen side-on.
    """
    boxes = pose_boxes(poses)
    diag = np.hypot(boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1])
    return np.maximum(np.nan_to_num(diag, nan=0.0), minimum)


def oks_similarity(a: np.ndarray, b: np.ndarray, scale: np.ndarray | float, sigma: float = 0.1,
                   trim: int = 0) -> np.ndarray:
    """Object keypoint similarity: (n, k, 2), (m, k, 2) -> (n, m).

    Mean over keypoints visible in both poses of ``exp(-d^2 / (2 (sigma * scale)^2))``;
    ``scale`` is the animal size in px (scalar or (m,) per pose of ``b``). Pairs
    sharing no keypoint score 0. ``trim`` drops that many worst keypoints of pairs sharing
    more than ``2 * trim`` keypoints (robust to an outlier or a part given to the wrong animal).
    """
    a = np.asarray(a, float)[:, None, :, :2]
    b = np.asarray(b, float)[None, :, :, :2]
    d2 = ((a - b) ** 2).sum(-1)  # (n, m, k)
    both = np.isfinite(d2)
    s = np.asarray(scale, float)
    s = s[None, :, None] if s.ndim == 1 else s
    e = np.where(both, np.exp(-np.nan_to_num(d2) / (2 * (sigma * s) ** 2)), 0.0)
    n_both = both.sum(-1)
    total = e.sum(-1)
    if trim > 0 and e.shape[-1] > 0:
        worst = np.sort(np.where(both, e, np.inf), axis=-1)[..., :trim]
        drop = n_both > 2 * trim
        total = np.where(drop, total - np.where(np.isfinite(worst), worst, 0).sum(-1), total)
        n_both = np.where(drop, n_both - trim, n_both)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_both > 0, total / np.maximum(n_both, 1), 0.0)


def identity_votes(identity: np.ndarray, confidence: np.ndarray | None, n_identities: int) -> np.ndarray:
    """Per-animal identity histograms from per-keypoint argmax ids.

    Args:
        identity: (n, k) identity index per keypoint (-1 or NaN = none).
        confidence: (n, k) keypoint confidences used as vote weights (None = 1).
        n_identities: number of identity classes.
    Returns:
        (n, n_identities) vote fractions (rows of zeros when no keypoint has an id).
    """
    ids = np.asarray(identity, float)
    n = ids.shape[0]
    votes = np.zeros((n, max(n_identities, 0)))
    if n == 0 or n_identities <= 0:
        return votes
    w = np.ones_like(ids) if confidence is None else np.nan_to_num(np.asarray(confidence, float), nan=0.0)
    ok = np.isfinite(ids) & (ids >= 0) & (ids < n_identities)
    rows = np.broadcast_to(np.arange(n)[:, None], ids.shape)[ok]
    np.add.at(votes, (rows, ids[ok].astype(int)), w[ok])
    total = votes.sum(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, votes / np.maximum(total, 1e-12), 0.0)
