"""Outlier scores on arrays: which frames of tracks or raw detections look wrong.

After tracking (``extract_outlier_frames``, FORMATS.md §9): :func:`jump_scores`,
:func:`uncertain_scores`, :func:`fitting_scores` on a tracks array, :func:`outlier_frames`.
Before tracking (``find_outliers_in_raw_data``): :func:`detection_scores`, :func:`assembly_scores`
and :func:`flag_frames` (a score beyond the video's own percentiles).
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import numpy as np

from madlc.errors import ConfigError


OUTLIER_ALGORITHMS = ("jump", "uncertain", "fitting", "manual")


def jump_scores(data: np.ndarray, p_bound: float = 0.01) -> np.ndarray:
    """``(n_frames,)``: the largest displacement (px) of any confident point since the previous frame."""
    with np.errstate(invalid="ignore"):
        xy = np.where(data[..., 2:3] >= p_bound, data[..., :2], np.nan)
    step = np.linalg.norm(np.diff(xy, axis=0), axis=-1)
    score = np.zeros(len(data))
    if len(data) > 1:
        with np.errstate(invalid="ignore"):
            score[1:] = np.nanmax(np.where(np.isnan(step), -np.inf, step).reshape(len(step), -1), axis=1)
    return np.maximum(score, 0)


def uncertain_scores(data: np.ndarray, p_bound: float = 0.01) -> np.ndarray:
    """``(n_frames,)``: how many present points have likelihood below ``p_bound``."""
    like = data[..., 2]
    with np.errstate(invalid="ignore"):
        low = ~np.isnan(data[..., 0]) & ~np.isnan(like) & (like < p_bound)
    return low.reshape(len(data), -1).sum(axis=1).astype(float)


def fitting_scores(data: np.ndarray, p_bound: float = 0.01, ARdegree: int = 3, MAdegree: int = 1,
                   alpha: float = 0.01) -> np.ndarray:
    """``(n_frames,)``: the largest distance (px) of a point from its SARIMAX-smoothed trajectory."""
    from madlc.core.filters import arima_filter

    score = np.zeros(len(data))
    for i in range(data.shape[1]):
        for b in range(data.shape[2]):
            if np.all(np.isnan(data[:, i, b, 0])):
                continue
            like = data[:, i, b, 2]
            fx = arima_filter(data[:, i, b, 0], like, p_bound, ARdegree, MAdegree, alpha)[0]
            fy = arima_filter(data[:, i, b, 1], like, p_bound, ARdegree, MAdegree, alpha)[0]
            d = np.hypot(data[:, i, b, 0] - fx, data[:, i, b, 1] - fy)
            score = np.fmax(score, np.nan_to_num(d, nan=0.0))
    return score


def outlier_frames(data: np.ndarray, algorithm: str = "jump", epsilon: float = 20, p_bound: float = 0.01,
                   ARdegree: int = 3, MAdegree: int = 1, alpha: float = 0.01) -> np.ndarray:
    """Row indices flagged by ``algorithm`` (``jump``/``uncertain``/``fitting``), in time order."""
    if algorithm == "jump":
        return np.flatnonzero(jump_scores(data, p_bound) > epsilon)
    if algorithm == "uncertain":
        return np.flatnonzero(uncertain_scores(data, p_bound) > 0)
    if algorithm == "fitting":
        return np.flatnonzero(fitting_scores(data, p_bound, ARdegree, MAdegree, alpha) > epsilon)
    raise ConfigError(f"outlieralgorithm={algorithm!r}. What to do: use one of {', '.join(OUTLIER_ALGORITHMS)}.")


def spread_evenly(candidates: Sequence[int], n: int) -> list[int]:
    """Up to ``n`` of ``candidates`` (sorted) spread evenly over them (all if there are fewer)."""
    cands = sorted(set(int(c) for c in candidates))
    if n <= 0 or not cands:
        return []
    if len(cands) <= n:
        return cands
    picks = np.linspace(0, len(cands) - 1, n).round().astype(int)
    return [cands[k] for k in np.unique(picks)]


#: at most this many frames are used to fit a video's own proportions (odd_shape)
SHAPE_SAMPLE = 2000


def typical_count(counts: np.ndarray) -> int:
    """The usual number of animals: the median over frames of the median count per body part ``(n_frames, J)``."""
    counts = np.asarray(counts)
    if counts.size == 0:
        return 0
    return int(round(float(np.median(np.median(counts, axis=1)))))


def detection_scores(confidences: Sequence[Sequence[np.ndarray]], pcutoff: float = 0.1,
                     expected: int | None = None) -> dict[str, np.ndarray]:
    """Per-frame detection scores from ``confidences[frame][part]`` (the scores of that part's detections).

    ``expected``: animals per frame (default: :func:`typical_count` of the confident counts).
    Returns ``{"missing", "extra", "confidence", "expected"}``; the first three ``(n_frames,)``.
    """
    n_frames = len(confidences)
    n_parts = max((len(f) for f in confidences), default=0)
    counts = np.zeros((n_frames, n_parts), dtype=int)
    for t, frame in enumerate(confidences):
        for j, conf in enumerate(frame):
            counts[t, j] = int(np.sum(np.asarray(conf, dtype=float).reshape(-1) >= pcutoff))
    k = typical_count(counts) if expected is None else int(expected)
    best = np.zeros(n_frames)
    if k > 0 and n_parts:
        for t, frame in enumerate(confidences):
            tops = []
            for conf in frame:
                c = np.sort(np.asarray(conf, dtype=float).reshape(-1))[::-1][:k]
                tops.append(np.concatenate([c, np.zeros(k - len(c))]))
            best[t] = float(np.mean(tops)) if tops else 0.0
    return {"missing": np.maximum(k - counts, 0).sum(axis=1).astype(float),
            "extra": np.maximum(counts - k, 0).sum(axis=1).astype(float),
            "confidence": best, "expected": np.asarray(k)}


def assembly_scores(animals: Sequence[np.ndarray], n_parts: int, expected: int | None = None) -> dict[str, np.ndarray]:
    """Per-frame assembly scores from ``animals[frame]`` ``(n_animals, n_parts, 2+)`` (NaN = missing part).

    Returns ``{"missing_animals", "missing_parts", "odd_shape", "expected"}``.
    """
    from madlc.core.assembly.calibration import fit_calibration, shape_zscores

    n_frames = len(animals)
    frames = [np.asarray(a, dtype=float)[..., :2].reshape(-1, n_parts, 2) for a in animals]
    n_animals = np.array([len(a) for a in frames])
    if expected is None:
        expected = int(round(float(np.median(n_animals)))) if n_frames else 0
    k = int(expected)
    present = [np.isfinite(a[:, :, 0]) for a in frames]
    missing_parts = np.array([float((~p).sum()) for p in present])
    odd = np.zeros(n_frames)
    width = max((len(a) for a in frames), default=0)
    if width and n_parts >= 3:
        stack = np.full((n_frames, width, n_parts, 2), np.nan)
        for t, a in enumerate(frames):
            stack[t, : len(a)] = a
        sample = np.linspace(0, n_frames - 1, min(n_frames, SHAPE_SAMPLE)).round().astype(int)
        cal = fit_calibration(stack[sample])
        for t, a in enumerate(frames):
            for animal, ok in zip(a, present[t]):
                if ok.sum() >= 3:
                    z = shape_zscores(cal, np.flatnonzero(ok), animal[ok])
                    if len(z):
                        odd[t] = max(odd[t], float(np.max(np.abs(z))))
    return {"missing_animals": np.maximum(k - n_animals, 0).astype(float), "missing_parts": missing_parts,
            "odd_shape": odd, "expected": np.asarray(k)}


def flag_frames(scores: Mapping[str, np.ndarray], percentiles: Sequence[float] = (5, 95),
                low: Iterable[str] = ("confidence",)) -> np.ndarray:
    """Frames (indices into the score rows) beyond the scores' own percentiles.

    Scores named in ``low`` flag frames strictly below their lower percentile, the others
    frames strictly above their upper percentile; ``expected`` and other scalars are ignored.
    """
    lo_pct, hi_pct = float(percentiles[0]), float(percentiles[1])
    if not 0 <= lo_pct < hi_pct <= 100:
        raise ConfigError(f"percentiles={list(percentiles)}: give (low, high) with 0 <= low < high <= 100, e.g. (5, 95).")
    low = set(low)
    flagged = None
    for name, values in scores.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or not len(values):
            continue
        if name in low:
            hit = values < np.percentile(values, lo_pct)
        else:
            hit = values > np.percentile(values, hi_pct)
        flagged = hit if flagged is None else flagged | hit
    return np.zeros(0, dtype=int) if flagged is None else np.flatnonzero(flagged)
