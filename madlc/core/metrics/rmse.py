"""Pixel errors of pose predictions (FORMATS.md §8.3).

- :func:`rmse_matched` -- DeepLabCut PyTorch style: predicted animals are matched
  greedily to GT animals by OKS (descending prediction score, match if OKS >=
  1e-6); the error is the MEAN Euclidean distance over matched, labelled keypoints
  (DeepLabCut calls it rmse although it is not a root-mean-square), and the same
  mean over keypoints whose predicted score >= pcutoff.
- :func:`detection_errors` / :func:`rmse_detections` -- DeepLabCut TF "detection
  RMSE": per image and bodypart each GT keypoint gets its nearest raw detection
  (one-to-one, among its k=3 nearest), error = distance, confidence = that
  detection's score.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from madlc.core.metrics.oks import mean_keypoint_score, oks_matrix


def match_greedy_oks(pred: np.ndarray, gt: np.ndarray, scores: np.ndarray | None = None,
                     sigma: float = 0.1, min_oks: float = 1e-6) -> list[tuple[int, int]]:
    """Greedy OKS matching of predictions ``(n_pred, k, 2+)`` to GT ``(n_gt, k, 2+)``.

    Predictions in descending ``scores`` (default: mean keypoint score, column 2)
    each take the free GT animal with the highest OKS if it is >= ``min_oks``.
    Returns ``[(pred_index, gt_index), ...]``.
    """
    pred = np.asarray(pred, dtype=float)
    gt = np.asarray(gt, dtype=float)
    if len(pred) == 0 or len(gt) == 0:
        return []
    if scores is None:
        scores = mean_keypoint_score(pred) if pred.shape[-1] > 2 else np.zeros(len(pred))
    scores = np.nan_to_num(np.asarray(scores, dtype=float), nan=-np.inf)
    mat = oks_matrix(pred, gt, sigma)
    free = np.ones(len(gt), dtype=bool)
    pairs = []
    for i in np.argsort(-scores, kind="mergesort"):
        if not free.any():
            break
        cand = np.where(free, mat[i], -1.0)
        j = int(np.argmax(cand))
        if cand[j] >= min_oks:
            pairs.append((int(i), j))
            free[j] = False
    return pairs


def matched_errors(pred: Sequence[np.ndarray], gt: Sequence[np.ndarray], sigma: float = 0.1
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Distances and predicted scores of all matched, labelled keypoints over images.

    ``pred[i]``: ``(n_pred, k, 3)`` (x, y, score; NaN or score < 0 = missing);
    ``gt[i]``: ``(n_gt, k, 2)`` (NaN = unlabelled). Returns two flat arrays
    (distance, score) over matched GT keypoints; distance is NaN where the
    matched prediction lacks the keypoint.
    """
    dists, confs = [], []
    for p, g in zip(pred, gt):
        p = np.asarray(p, dtype=float)
        g = np.asarray(g, dtype=float)
        if p.size == 0 or g.size == 0:
            continue
        p = p.copy()
        missing = ~np.isfinite(p[:, :, :2]).all(axis=2) | (p[:, :, 2] < 0)
        p[missing] = np.nan
        for i, j in match_greedy_oks(p, g, sigma=sigma):
            lab = np.isfinite(g[j, :, :2]).all(axis=1)
            d = np.linalg.norm(p[i, lab, :2] - g[j, lab, :2], axis=1)
            dists.append(d)
            confs.append(p[i, lab, 2])
    if not dists:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(dists), np.concatenate(confs)


def rmse_matched(pred: Sequence[np.ndarray], gt: Sequence[np.ndarray], pcutoff: float = 0.6,
                 sigma: float = 0.1, unique_pred: Sequence[np.ndarray] | None = None,
                 unique_gt: Sequence[np.ndarray] | None = None) -> dict:
    """DeepLabCut-PyTorch ``rmse`` and ``rmse_pcutoff`` (mean pixel error).

    ``pred[i]`` ``(n_pred, k, 3)``, ``gt[i]`` ``(n_gt, k, 2)``. Unique bodyparts
    (``unique_pred[i]`` ``(n_unique, 3)``, ``unique_gt[i]`` ``(n_unique, 2)``) are
    matched as one animal and pooled in. NaN when nothing matched.
    """
    d, c = matched_errors(pred, gt, sigma)
    if unique_pred is not None and unique_gt is not None:
        du, cu = matched_errors([np.asarray(u, dtype=float)[None] for u in unique_pred],
                                [np.asarray(u, dtype=float)[None] for u in unique_gt], sigma)
        d, c = np.concatenate([d, du]), np.concatenate([c, cu])
    ok = np.isfinite(d)
    keep = ok & (c >= pcutoff)
    return {
        "rmse": float(d[ok].mean()) if ok.any() else float("nan"),
        "rmse_pcutoff": float(d[keep].mean()) if keep.any() else float("nan"),
    }


def detection_errors(detections: Sequence[np.ndarray], confidences: Sequence[np.ndarray],
                     gt: np.ndarray, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """TF detection errors of one image.

    ``detections[b]``: ``(n_det_b, 2)`` raw peaks of bodypart b; ``confidences[b]``:
    ``(n_det_b,)``; ``gt``: ``(n_animals, n_bodyparts, 2)``. Each labelled GT
    keypoint gets its nearest still-free detection among its ``k`` nearest
    (pairs taken in ascending distance). Returns ``(errors, confidences)``, both
    ``(n_animals, n_bodyparts)``, NaN where unlabelled or unassigned.
    """
    gt = np.asarray(gt, dtype=float)
    n_animals, n_parts = gt.shape[:2]
    err = np.full((n_animals, n_parts), np.nan)
    conf = np.full((n_animals, n_parts), np.nan)
    for b in range(n_parts):
        det = np.asarray(detections[b], dtype=float).reshape(-1, 2) if b < len(detections) else np.zeros((0, 2))
        if len(det) == 0:
            continue
        score = np.asarray(confidences[b], dtype=float).reshape(-1)
        lab = np.flatnonzero(np.isfinite(gt[:, b]).all(axis=1))
        if len(lab) == 0:
            continue
        d = np.linalg.norm(gt[lab, b][:, None] - det[None], axis=2)  # (n_lab, n_det)
        kk = min(k, len(det))
        near = np.argsort(d, axis=1, kind="stable")[:, :kk]
        cand = sorted((d[r, c], r, c) for r in range(len(lab)) for c in near[r])
        used_r, used_c = set(), set()
        for dist, r, c in cand:
            if r in used_r or c in used_c:
                continue
            used_r.add(r)
            used_c.add(c)
            err[lab[r], b] = dist
            conf[lab[r], b] = score[c]
    return err, conf


def rmse_detections(errors: np.ndarray, confidences: np.ndarray, pcutoff: float = 0.6) -> dict:
    """TF ``error`` and ``error with p-cutoff`` from stacked :func:`detection_errors` output."""
    errors = np.asarray(errors, dtype=float)
    confidences = np.asarray(confidences, dtype=float)
    ok = np.isfinite(errors)
    keep = ok & (confidences >= pcutoff)
    return {
        "rmse": float(errors[ok].mean()) if ok.any() else float("nan"),
        "rmse_pcutoff": float(errors[keep].mean()) if keep.any() else float("nan"),
    }
