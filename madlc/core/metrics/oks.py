"""Object keypoint similarity (OKS) and pycocotools-style OKS-mAP / mAR.

Definitions follow FORMATS.md §8.3 (DeepLabCut's ``calc_object_keypoint_similarity``
and ``evaluate_assembly``), written from the spec:

- OKS of a predicted animal against a ground-truth animal with >= 2 labelled
  keypoints: ``mean_i exp(-d_i**2 / (2 * s2 * (2*sigma)**2))`` over the labelled
  keypoints, ``s2`` the area of the GT keypoint bounding box (+ eps + 2*margin per
  side); a missing predicted keypoint contributes 0.
- mAP / mAR over OKS thresholds 0.50:0.05:0.95, precision sampled at 101 recall
  points. Two matchings: ``"optimal"`` (DeepLabCut TF: one Hungarian assignment
  per image maximising OKS, threshold independent; only matched pairs are
  ranked, surplus predictions are ignored) and ``"greedy"`` (DeepLabCut PyTorch /
  pycocotools: per threshold, predictions in descending score take the best
  still-free GT with OKS >= threshold; every prediction counts).

Shapes: one image's animals are ``(n_animals, n_keypoints, 2)`` (extra columns such
as likelihood are ignored), NaN for missing keypoints.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

#: OKS thresholds used by DeepLabCut and COCO.
OKS_THRESHOLDS = np.round(np.linspace(0.5, 0.95, 10), 2)
#: recall points at which precision is sampled.
RECALL_POINTS = np.linspace(0.0, 1.0, 101)


def oks(pred_xy: np.ndarray, gt_xy: np.ndarray, sigma: float = 0.1, margin: float = 0.0,
        symmetric_pairs: Sequence[tuple[int, int]] | None = None) -> float:
    """OKS of one predicted animal ``(n_kpts, 2+)`` against one GT animal ``(n_kpts, 2+)``.

    NaN if the GT animal has fewer than 2 labelled keypoints or a zero-area box.
    With ``symmetric_pairs`` (e.g. left/right keypoint indices) the best OKS over
    the swapped and unswapped prediction is returned.
    """
    pred_xy = np.asarray(pred_xy, dtype=float)[:, :2]
    gt_xy = np.asarray(gt_xy, dtype=float)[:, :2]
    labelled = ~np.isnan(gt_xy).any(axis=1)
    if labelled.sum() < 2:
        return float("nan")
    true = gt_xy[labelled]
    area = float(np.prod(np.ptp(true, axis=0) + np.spacing(1) + 2 * margin))
    if np.isclose(area, 0):
        return float("nan")
    denom = 2.0 * area * (2.0 * sigma) ** 2

    def _score(pred: np.ndarray) -> float:
        p = pred[labelled]
        d2 = np.sum((p - true) ** 2, axis=1)
        d2[np.isnan(d2)] = np.inf
        return float(np.mean(np.exp(-d2 / denom)))

    best = _score(pred_xy)
    if symmetric_pairs:
        swapped = pred_xy.copy()
        for i, j in symmetric_pairs:
            swapped[[i, j]] = swapped[[j, i]]
        best = max(best, _score(swapped))
    return best


def oks_matrix(pred: np.ndarray, gt: np.ndarray, sigma: float = 0.1, margin: float = 0.0,
               symmetric_pairs: Sequence[tuple[int, int]] | None = None) -> np.ndarray:
    """OKS of every prediction ``(n_pred, n_kpts, 2+)`` against every GT ``(n_gt, n_kpts, 2+)``.

    Returns ``(n_pred, n_gt)``; undefined OKS (GT with < 2 keypoints) is 0.
    Vectorised when ``symmetric_pairs`` is None.
    """
    n_pred, n_gt = len(pred), len(gt)
    out = np.zeros((n_pred, n_gt))
    if n_pred == 0 or n_gt == 0:
        return out
    pred = np.asarray(pred, dtype=float)
    gt = np.asarray(gt, dtype=float)
    if symmetric_pairs:
        for i in range(n_pred):
            for j in range(n_gt):
                v = oks(pred[i], gt[j], sigma, margin, symmetric_pairs)
                out[i, j] = 0.0 if np.isnan(v) else v
        return out
    gxy = gt[:, :, :2]
    pxy = pred[:, :, :2]
    labelled = ~np.isnan(gxy).any(axis=2)  # (n_gt, k)
    n_lab = labelled.sum(axis=1)
    big = np.where(labelled[..., None], gxy, np.inf)
    lo = big.min(axis=1)
    hi = np.where(labelled[..., None], gxy, -np.inf).max(axis=1)
    with np.errstate(invalid="ignore"):
        area = np.prod(hi - lo + np.spacing(1) + 2 * margin, axis=1)  # (n_gt,)
    valid = (n_lab >= 2) & np.isfinite(area) & ~np.isclose(np.nan_to_num(area), 0)
    area = np.where(valid, area, 1.0)
    denom = 2.0 * area * (2.0 * sigma) ** 2
    d2 = np.sum((pxy[:, None] - gxy[None]) ** 2, axis=3)  # (n_pred, n_gt, k)
    d2 = np.where(np.isnan(d2), np.inf, d2)
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.exp(-d2 / denom[None, :, None])
    e = np.where(labelled[None], e, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = e.sum(axis=2) / n_lab[None]
    out[:, ~valid] = 0.0
    return np.nan_to_num(out)


def n_valid_keypoints(animals: np.ndarray) -> np.ndarray:
    """Number of keypoints with finite x and y per animal ``(n, k, 2+) -> (n,)``."""
    animals = np.asarray(animals, dtype=float)
    if animals.size == 0:
        return np.zeros(len(animals), dtype=int)
    return np.isfinite(animals[:, :, :2]).all(axis=2).sum(axis=1)


def _drop_small(animals: np.ndarray, scores: np.ndarray | None = None):
    animals = np.asarray(animals, dtype=float)
    if animals.ndim != 3 or len(animals) == 0:
        return np.zeros((0, 1, 2)), (np.zeros(0) if scores is not None else None)
    if animals.shape[-1] >= 3 and (animals[:, :, 2] < 0).any():  # DLC-3 "-1" padding = missing
        animals = animals.copy()
        animals[animals[:, :, 2] < 0] = np.nan
    keep = n_valid_keypoints(animals) >= 2
    if scores is not None:
        return animals[keep], np.asarray(scores, dtype=float)[keep]
    return animals[keep], None


def _optimal_matches(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(mat, maximize=True)
    return rows, cols


def _greedy_matches(mat: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Threshold-free greedy matching (DeepLabCut TF ``greedy_oks``): by descending
    score, each prediction takes the free GT with the highest positive OKS."""
    rows, cols = [], []
    free = np.ones(mat.shape[1], dtype=bool)
    for i in np.argsort(-scores, kind="mergesort"):
        if not free.any():
            break
        cand = np.where(free, mat[i], -1.0)
        j = int(np.argmax(cand))
        if cand[j] <= 0:
            continue
        rows.append(i)
        cols.append(j)
        free[j] = False
    return np.asarray(rows, dtype=int), np.asarray(cols, dtype=int)


def _precision_recall(order_oks: np.ndarray, n_gt: int, thresholds: np.ndarray,
                      tp_table: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Precision at RECALL_POINTS and final recall for each threshold.

    ``order_oks``: OKS of the ranked detections (descending score) or, if
    ``tp_table`` is given, ignored in favour of that boolean table (n_thr, n_det).
    """
    precisions = np.zeros((len(thresholds), len(RECALL_POINTS)))
    recalls = np.zeros(len(thresholds))
    n_det = len(order_oks) if tp_table is None else tp_table.shape[1]
    if n_det == 0 or n_gt == 0:
        return precisions, recalls
    for t, th in enumerate(thresholds):
        hit = order_oks >= th if tp_table is None else tp_table[t]
        tp = np.cumsum(hit)
        rc = tp / n_gt
        pr = tp / np.arange(1, n_det + 1)
        pr = np.maximum.accumulate(pr[::-1])[::-1]  # monotonically non-increasing
        idx = np.searchsorted(rc, RECALL_POINTS, side="left")
        ok = idx < n_det
        precisions[t, ok] = pr[idx[ok]]
        recalls[t] = rc[-1]
    return precisions, recalls


def oks_map(pred: Sequence[np.ndarray], scores: Sequence[np.ndarray], gt: Sequence[np.ndarray],
            sigma: float = 0.1, thresholds: Sequence[float] = OKS_THRESHOLDS, matching: str = "optimal",
            margin: float = 0.0, symmetric_pairs: Sequence[tuple[int, int]] | None = None) -> dict:
    """OKS-mAP and mAR over images.

    ``pred[i]``: ``(n_pred_i, n_kpts, 2+)`` predicted animals of image i (NaN rows or
    all-NaN animals allowed); ``scores[i]``: ``(n_pred_i,)`` their confidence (DLC TF:
    mean PAF affinity; PyTorch: mean keypoint score); ``gt[i]``: ``(n_gt_i, n_kpts, 2+)``.
    ``matching``: ``"optimal"`` (TF, Hungarian per image), ``"greedy_oks"`` (TF
    greedy variant) or ``"greedy"`` (PyTorch / pycocotools, per threshold).
    Returns ``{"mAP", "mAR", "precisions" (n_thr, 101), "recalls" (n_thr,)}`` as
    fractions in [0, 1].
    """
    if not (len(pred) == len(scores) == len(gt)):
        raise ValueError(f"oks_map: {len(pred)} predictions, {len(scores)} score lists and {len(gt)} GT images")
    thresholds = np.asarray(thresholds, dtype=float)
    if matching not in ("optimal", "greedy_oks", "greedy"):
        raise ValueError(f"oks_map: unknown matching {matching!r} (optimal, greedy_oks, greedy)")
    n_gt_total = 0
    det_scores: list[np.ndarray] = []
    det_oks: list[np.ndarray] = []
    det_tp: list[np.ndarray] = []  # greedy: (n_thr, n_det) per image
    for p, s, g in zip(pred, scores, gt):
        g, _ = _drop_small(g)
        p, s = _drop_small(p, np.asarray(s, dtype=float).reshape(-1) if len(p) else np.zeros(0))
        n_gt_total += len(g)
        if len(p) == 0:
            continue
        mat = oks_matrix(p, g, sigma, margin, symmetric_pairs) if len(g) else np.zeros((len(p), 0))
        if matching == "greedy":
            order = np.argsort(-s, kind="mergesort")
            tp = np.zeros((len(thresholds), len(p)), dtype=bool)
            for t, th in enumerate(thresholds):
                free = np.ones(len(g), dtype=bool)
                for i in order:
                    if not free.any():
                        break
                    cand = np.where(free, mat[i], -1.0)
                    j = int(np.argmax(cand))
                    if cand[j] >= th:
                        tp[t, i] = True
                        free[j] = False
            det_scores.append(s)
            det_tp.append(tp)
        else:
            if len(g) == 0:
                continue
            rows, cols = _optimal_matches(mat) if matching == "optimal" else _greedy_matches(mat, s)
            det_scores.append(s[rows])
            det_oks.append(mat[rows, cols])
    if not det_scores:
        z = np.zeros((len(thresholds), len(RECALL_POINTS)))
        return {"mAP": 0.0, "mAR": 0.0, "precisions": z, "recalls": np.zeros(len(thresholds))}
    all_scores = np.concatenate(det_scores)
    order = np.argsort(-all_scores, kind="mergesort")
    if matching == "greedy":
        table = np.concatenate(det_tp, axis=1)[:, order]
        precisions, recalls = _precision_recall(np.zeros(0), n_gt_total, thresholds, table)
    else:
        precisions, recalls = _precision_recall(np.concatenate(det_oks)[order], n_gt_total, thresholds)
    return {"mAP": float(precisions.mean()), "mAR": float(recalls.mean()),
            "precisions": precisions, "recalls": recalls}


def mean_keypoint_score(animals: np.ndarray) -> np.ndarray:
    """Mean likelihood (column 2) of the present keypoints of each animal ``(n, k, 3+) -> (n,)``."""
    animals = np.asarray(animals, dtype=float)
    if len(animals) == 0:
        return np.zeros(0)
    conf = animals[:, :, 2]
    conf = np.where(conf < 0, np.nan, conf)
    n = np.isfinite(conf).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.nansum(conf, axis=1) / np.maximum(n, 1), np.nan)


def assemblies_oks_map(assemblies: dict, gt: np.ndarray, sigma: float = 0.1, matching: str = "optimal") -> dict:
    """OKS-mAP/mAR of video assemblies against ground-truth poses, over every ground-truth frame.

    ``assemblies``: the assemblies contract (int frame -> ``(n_animals, n_bodyparts, 4)``: x, y,
    likelihood, identity; NaN missing); ``gt``: ``(n_frames, n_animals, n_bodyparts, 2+)`` with NaN for
    hidden parts (a third channel, if present, is ignored). Animals are scored by their mean keypoint
    likelihood. Frames absent from ``assemblies`` count as frames with no prediction.
    """
    gt = np.asarray(gt, dtype=float)
    n_parts = gt.shape[2]
    pred, scores, truth = [], [], []
    for frame in range(gt.shape[0]):
        animals = np.asarray(assemblies.get(frame, np.zeros((0, n_parts, 4))), dtype=float).reshape(-1, n_parts, 4)
        pred.append(animals[..., :2])
        scores.append(np.nan_to_num(mean_keypoint_score(animals)))
        truth.append(gt[frame, :, :, :2])
    return oks_map(pred, scores, truth, sigma=sigma, matching=matching)
