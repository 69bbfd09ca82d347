"""Evaluation numbers and DeepLabCut's result tables, as pure functions (no file I/O).

Used by :func:`madlc.stages.evaluate_network.evaluate_network`:

- :func:`keypoint_errors` / :func:`split_metrics` -- DeepLabCut-PyTorch metrics of one split
  (FORMATS.md §8.3): predicted animals matched greedily to labelled ones by OKS, mean pixel
  error of the matched keypoints (``rmse``, and ``rmse_pcutoff`` over keypoints predicted with
  likelihood >= pcutoff), per body part and overall (unique body parts: the image's one
  prediction against its one label, pooled in); OKS-mAP/mAR of the animals with
  pycocotools-style greedy matching and the mean keypoint likelihood as the animal's score.
- :func:`results_frame`, :func:`keypoint_results_frame`, :func:`combine_results` -- the
  ``<DLCSCORER>-results.csv``, ``-keypoint-results.csv`` and ``CombinedEvaluation-results.csv``
  tables with DeepLabCut 3's index and column names (FORMATS.md §8.1).
- :func:`predictions_array` -- assembled animals as the array behind the
  ``<DLCSCORER>.h5`` table (:func:`madlc.stages.evaluate_network.predictions_frame`) (x, y, likelihood; NaN = not predicted).
- :func:`graph_table` -- one row per candidate PAF graph of the data-driven skeleton.

Shapes: ``pred[i]`` ``(n_animals, n_multibodyparts, 3+)`` (x, y, likelihood; NaN or likelihood < 0
= missing), ``gt[i]`` ``(n_individuals, n_multibodyparts, 2)`` (NaN = unlabelled); unique body
parts: ``unique_pred[i]`` ``(n_unique, 3)``, ``unique_gt[i]`` ``(n_unique, 2)``.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from madlc.core.metrics.oks import mean_keypoint_score, oks_map
from madlc.core.metrics.rmse import match_greedy_oks

#: index columns of DeepLabCut 3's results tables, in order
RESULTS_INDEX = ["%Training dataset", "Shuffle number", "Training epochs", "Detector epochs (TD only)", "pcutoff"]
#: value columns of DeepLabCut 3's results tables, in order
RESULTS_COLUMNS = ["train rmse", "train rmse_pcutoff", "train mAP", "train mAR",
                   "test rmse", "test rmse_pcutoff", "test mAP", "test mAR"]
#: rows of ``-keypoint-results.csv``: DeepLabCut's two, then madlc's p-cutoff rows
KEYPOINT_ROWS = ["Train error (px)", "Test error (px)",
                 "Train error with p-cutoff (px)", "Test error with p-cutoff (px)"]
#: OKS keypoint tolerance used by every DeepLabCut evaluation path
OKS_SIGMA = 0.1


def _clean(pred: np.ndarray) -> np.ndarray:
    """Float copy with missing keypoints (NaN x/y or likelihood < 0) as all-NaN rows."""
    p = np.array(pred, dtype=float, copy=True)
    if p.ndim != 3 or p.size == 0:
        return np.zeros((0, p.shape[1] if p.ndim == 3 else 0, 3))
    if p.shape[-1] < 3:
        p = np.concatenate([p, np.ones(p.shape[:2] + (1,))], axis=2)
    missing = ~np.isfinite(p[:, :, :2]).all(axis=2) | (p[:, :, 2] < 0)
    p[missing] = np.nan
    return p


def keypoint_errors(pred: Sequence[np.ndarray], gt: Sequence[np.ndarray], sigma: float = OKS_SIGMA
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per matched animal and body part: pixel error and predicted likelihood.

    Animals are matched per image greedily by OKS (descending mean likelihood, OKS >= 1e-6;
    DeepLabCut PyTorch's rule). Returns ``(errors, likelihoods)``, both ``(n_matched, k)``;
    NaN where the keypoint is unlabelled or the matched animal lacks it. ``k`` = the
    number of body parts of ``gt``.
    """
    k = next((np.asarray(g).shape[1] for g in gt if np.asarray(g).ndim == 3), 0)
    errs, confs = [], []
    for p, g in zip(pred, gt):
        g = np.asarray(g, dtype=float)
        p = _clean(np.asarray(p))
        if g.ndim != 3 or len(g) == 0 or len(p) == 0:
            continue
        for i, j in match_greedy_oks(p, g, sigma=sigma):
            labelled = np.isfinite(g[j, :, :2]).all(axis=1)
            d = np.linalg.norm(p[i, :, :2] - g[j, :, :2], axis=1)
            d[~labelled] = np.nan
            c = np.where(labelled & np.isfinite(d), p[i, :, 2], np.nan)
            errs.append(d)
            confs.append(c)
    if not errs:
        return np.zeros((0, k)), np.zeros((0, k))
    return np.vstack(errs), np.vstack(confs)


def _mean(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values)
    return float(values[ok].mean()) if ok.any() else float("nan")


def _column_means(values: np.ndarray, n: int) -> np.ndarray:
    values = np.asarray(values, dtype=float).reshape(-1, n) if n else np.zeros((0, 0))
    out = np.full(n, np.nan)
    for j in range(n):
        out[j] = _mean(values[:, j])
    return out


def split_metrics(pred: Sequence[np.ndarray], gt: Sequence[np.ndarray], pcutoff: float,
                  unique_pred: Sequence[np.ndarray | None] | None = None,
                  unique_gt: Sequence[np.ndarray] | None = None,
                  multi_parts: Sequence[int] | None = None, unique_parts: Sequence[int] | None = None,
                  sigma: float = OKS_SIGMA) -> dict[str, Any]:
    """DeepLabCut-PyTorch metrics of one split (train or test).

    ``multi_parts`` / ``unique_parts``: indices of the body parts to compare (config's
    ``comparisonbodyparts``; default all). Returns ``{"rmse", "rmse_pcutoff", "mAP", "mAR"
    (fractions), "n_images", "per_bodypart" (k_multi + k_unique,), "per_bodypart_pcutoff"}``;
    NaN where nothing was matched.
    """
    n_images = len(gt)
    if n_images == 0:
        nan = float("nan")
        return {"rmse": nan, "rmse_pcutoff": nan, "mAP": nan, "mAR": nan, "n_images": 0,
                "per_bodypart": np.zeros(0), "per_bodypart_pcutoff": np.zeros(0)}
    gt_multi = [np.asarray(g, dtype=float) for g in gt]
    k_multi = gt_multi[0].shape[1] if gt_multi and gt_multi[0].ndim == 3 else 0
    mp = list(range(k_multi)) if multi_parts is None else [int(i) for i in multi_parts]
    pred_m = [_clean(np.asarray(p))[:, mp] if len(p) else np.zeros((0, len(mp), 3)) for p in pred]
    gt_m = [g[:, mp] for g in gt_multi]
    d, c = keypoint_errors(pred_m, gt_m, sigma)
    d, c = d.reshape(-1, len(mp)), c.reshape(-1, len(mp))
    du = cu = np.zeros((0, 0))
    if unique_gt is not None and len(unique_gt) and np.asarray(unique_gt[0]).size:
        k_u = np.asarray(unique_gt[0]).shape[0]
        up = list(range(k_u)) if unique_parts is None else [int(i) for i in unique_parts]
        if up:
            # one labelled and one predicted set of unique parts per image: paired directly (OKS is
            # undefined for a single keypoint, so matching would drop projects with one unique part)
            preds_u = np.stack([np.full((len(up), 3), np.nan) if u is None else _clean(np.asarray(u)[None])[0, up]
                                for u in (unique_pred if unique_pred is not None else [None] * n_images)])
            gts_u = np.stack([np.asarray(u, dtype=float)[up, :2] for u in unique_gt])
            du = np.linalg.norm(preds_u[:, :, :2] - gts_u, axis=2)  # NaN where either is missing
            cu = np.where(np.isfinite(du), preds_u[:, :, 2], np.nan)
    all_d = np.concatenate([d.ravel(), du.ravel()])
    all_c = np.concatenate([c.ravel(), cu.ravel()])
    with np.errstate(invalid="ignore"):
        above = np.where(all_c >= pcutoff, all_d, np.nan)
        d_cut = np.where(c >= pcutoff, d, np.nan)
        du_cut = np.where(cu >= pcutoff, du, np.nan)
    per = np.concatenate([_column_means(d, d.shape[1]), _column_means(du, du.shape[1])])
    per_cut = np.concatenate([_column_means(d_cut, d.shape[1]), _column_means(du_cut, du.shape[1])])
    if len(mp) >= 2:
        scores = [mean_keypoint_score(p) if len(p) else np.zeros(0) for p in pred_m]
        scores = [np.nan_to_num(s, nan=0.0) for s in scores]
        r = oks_map(pred_m, scores, gt_m, sigma=sigma, matching="greedy")
        m_ap, m_ar = r["mAP"], r["mAR"]
    else:  # OKS needs >= 2 keypoints per animal
        m_ap = m_ar = float("nan")
    return {"rmse": _mean(all_d), "rmse_pcutoff": _mean(above), "mAP": float(m_ap), "mAR": float(m_ar),
            "n_images": n_images, "per_bodypart": per, "per_bodypart_pcutoff": per_cut}


def _fmt_pcutoff(pcutoff: float | Sequence[float]) -> float | str:
    if isinstance(pcutoff, (list, tuple, np.ndarray)):
        return ",".join(str(float(p)) for p in pcutoff)
    return float(pcutoff)


def results_frame(train_fraction: float, shuffle: int, epochs: int, pcutoff: float | Sequence[float],
                  train: Mapping[str, float], test: Mapping[str, float], detector_epochs: int = -1) -> pd.DataFrame:
    """One-row ``<DLCSCORER>-results.csv`` table (FORMATS.md §8.1): mAP/mAR in percent, all rounded to 2 decimals.

    ``train`` / ``test``: :func:`split_metrics` results (mAP/mAR as fractions).
    """
    values = []
    for split in (train, test):
        values += [split.get("rmse", np.nan), split.get("rmse_pcutoff", np.nan),
                   100.0 * split.get("mAP", np.nan), 100.0 * split.get("mAR", np.nan)]
    index = pd.MultiIndex.from_tuples(
        [(float(train_fraction), int(shuffle), int(epochs), int(detector_epochs), _fmt_pcutoff(pcutoff))],
        names=RESULTS_INDEX)
    return pd.DataFrame([np.round(np.asarray(values, dtype=float), 2)], index=index, columns=RESULTS_COLUMNS)


def keypoint_results_frame(bodyparts: Sequence[str], train: Mapping[str, Any], test: Mapping[str, Any]) -> pd.DataFrame:
    """``<DLCSCORER>-keypoint-results.csv``: rows :data:`KEYPOINT_ROWS`, one column per compared body part
    (px, 2 decimals)."""
    n = len(bodyparts)

    def row(split: Mapping[str, Any], key: str) -> np.ndarray:
        v = np.asarray(split.get(key, np.zeros(0)), dtype=float)
        return v if len(v) == n else np.full(n, np.nan)

    data = [row(train, "per_bodypart"), row(test, "per_bodypart"),
            row(train, "per_bodypart_pcutoff"), row(test, "per_bodypart_pcutoff")]
    return pd.DataFrame(np.round(np.asarray(data, dtype=float), 2), index=KEYPOINT_ROWS, columns=list(bodyparts))


def combine_results(new: pd.DataFrame, existing: pd.DataFrame | None) -> pd.DataFrame:
    """``CombinedEvaluation-results.csv``: ``new.combine_first(existing)`` on the 5-column index, sorted.

    New values win for an index already present; columns are the union (DeepLabCut's order first).
    """
    if existing is None or existing.empty:
        out = new.copy()
    else:
        existing = existing.copy()
        existing.index = existing.index.set_names(RESULTS_INDEX[: existing.index.nlevels])
        out = new.combine_first(existing)
    ordered = [c for c in RESULTS_COLUMNS if c in out.columns] + [c for c in out.columns if c not in RESULTS_COLUMNS]
    return out[ordered].sort_index()


def predictions_array(animals: Sequence[np.ndarray], scores: Sequence[np.ndarray], n_individuals: int,
                      n_multibodyparts: int, unique: Sequence[np.ndarray | None] | None = None,
                      n_unique: int = 0) -> np.ndarray:
    """Per image, the best ``n_individuals`` animals (by score) as ``(n_images, n_slots, n_bodyparts, 3)``.

    ``n_slots`` = individuals + one ``single`` slot when ``n_unique``; unique parts go in the
    last slot after the multi-animal parts. NaN where nothing was predicted.
    """
    n_slots = n_individuals + (1 if n_unique else 0)
    out = np.full((len(animals), n_slots, n_multibodyparts + n_unique, 3), np.nan)
    for i, (a, s) in enumerate(zip(animals, scores)):
        a = _clean(np.asarray(a)) if len(a) else np.zeros((0, n_multibodyparts, 3))
        if len(a):
            order = np.argsort(-np.nan_to_num(np.asarray(s, dtype=float), nan=-np.inf), kind="stable")[:n_individuals]
            out[i, : len(order), :n_multibodyparts] = a[order][:, :n_multibodyparts, :3]
        if n_unique and unique is not None and unique[i] is not None:
            out[i, -1, n_multibodyparts:] = np.asarray(unique[i], dtype=float)[:n_unique, :3]
    return out


def graph_table(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per candidate PAF graph of :func:`madlc.core.assembly.evaluation.assembly_report`.

    Columns: ``n_edges``, ``edges``, train/test(/all images) ``mAP``/``mAR`` (fractions), ``miss``, ``purity``,
    ``selected`` (the paf_best row). Empty when the graph was not pruned.
    """
    rows = []
    best = sorted(int(e) for e in report.get("paf_best") or [])
    for cand in report.get("candidates") or []:
        row: dict[str, Any] = {"n_edges": cand["n_edges"], "edges": " ".join(str(e) for e in cand["edges"])}
        for split in ("train", "test", "all"):
            if split not in cand:
                continue
            for key in ("mAP", "mAR", "miss", "purity"):
                row[f"{split} {key}"] = round(float(cand[split][key]), 4)
        row["selected"] = sorted(int(e) for e in cand["edges"]) == best
        rows.append(row)
    return pd.DataFrame(rows)


def format_results(df: pd.DataFrame) -> str:
    """The results row as DeepLabCut prints it: one ``name  value`` line per column."""
    if df.empty:
        return "(no results)"
    series = df.iloc[0]
    width = max(len(str(k)) for k in series.index)
    return "\n".join(f"{str(k):<{width}}  {v:>8.2f}" if np.isfinite(v) else f"{str(k):<{width}}  {'nan':>8}"
                     for k, v in series.items())
