"""Calibration of body-part pair distances from labels, used to reject implausible links.

:func:`fit_calibration` summarises, for every pair of multi-animal body parts, the
distribution of their distance within labelled animals. Two models, both on
``log(distance)``:

- absolute: mean and spread per pair (``log_mean``, ``log_std``) --
  :func:`length_plausibility` turns a link length into a factor in (0, 1];
  links much longer or much shorter than the labelled ones lose affinity;
- shape (scale-free): ``log d_ij = shape_mean_ij + s_animal + noise`` with one size
  term per animal, spread ``shape_std_ij`` -- :func:`shape_zscores` tells how far
  a group's pair distances are from the typical proportions, whatever the animal's
  size in the image (animals near and far from the camera), and
  :func:`is_plausible` rejects groups with any pair beyond ``z_max``.

The result is a plain dict of lists (YAML / pickle friendly).
"""
from __future__ import annotations

from typing import Any

import numpy as np

#: prior spread of log-distances (a factor ~1.35 either way): with few labels the fitted
#: spread is shrunk toward it, so a handful of animals never makes the model overconfident;
#: with many labels the data decide (rigid or tightly labelled pairs get a tight spread).
MIN_LOG_STD = 0.3
#: weight of that prior, in labelled animals.
PRIOR_COUNT = 5
#: the spread never falls below this, however consistent the labels.
LOG_STD_FLOOR = 0.02
#: plausibility never falls below this (a long link is penalised, never vetoed).
FLOOR = 1e-3


def pair_distances(gt: np.ndarray) -> np.ndarray:
    """``(n_images, n_animals, n_parts, 2+)`` -> ``(n_animals_total, n_parts, n_parts)`` distances (NaN unlabelled)."""
    gt = np.asarray(gt, dtype=float)[..., :2]
    flat = gt.reshape(-1, gt.shape[-2], 2)
    flat = flat[np.isfinite(flat).all(axis=2).sum(axis=1) >= 2]
    return np.linalg.norm(flat[:, :, None] - flat[:, None], axis=3)


def fit_calibration(gt: np.ndarray, min_samples: int = 3) -> dict[str, Any]:
    """Fit pair-distance statistics from labels ``(n_images, n_animals, n_parts, 2)``.

    Returns ``{"n_bodyparts", "log_mean" (P x P), "log_std" (P x P), "count" (P x P),
    "shape_mean", "shape_std", "between_log_mean", "between_log_std"}`` as nested lists;
    pairs with fewer than ``min_samples`` labelled animals get NaN (no constraint). The
    ``between`` statistics describe the same pair of parts taken from two different
    animals (part a of one animal, part b of the nearest other animal of the image): the
    wrong links the assembler must tell apart.
    """
    gt = np.asarray(gt, dtype=float)
    if gt.ndim != 4:
        raise ValueError(f"fit_calibration expects (n_images, n_animals, n_parts, 2) labels, got shape {gt.shape}")
    n_parts = gt.shape[2]
    d = pair_distances(gt)
    with np.errstate(divide="ignore", invalid="ignore"):
        logd = np.where(d > 0, np.log(d), np.nan)
    count = np.isfinite(logd).sum(axis=0)
    mean = np.full((n_parts, n_parts), np.nan)
    std = np.full((n_parts, n_parts), np.nan)
    for i in range(n_parts):
        for j in range(n_parts):
            if i == j or count[i, j] < min_samples:
                continue
            v = logd[:, i, j][np.isfinite(logd[:, i, j])]
            mean[i, j] = v.mean()
            std[i, j] = shrunk_spread(v - v.mean(), MIN_LOG_STD)
    shape_mean, shape_std = _fit_shape(logd, mean, count >= min_samples)
    between_mean, between_std = _fit_between(gt, min_samples)
    return {
        "n_bodyparts": int(n_parts),
        "log_mean": mean.tolist(),
        "log_std": std.tolist(),
        "count": count.astype(int).tolist(),
        "shape_mean": shape_mean.tolist(),
        "shape_std": shape_std.tolist(),
        "between_log_mean": between_mean.tolist(),
        "between_log_std": between_std.tolist(),
    }


#: prior spread of the log-distances between parts of different animals (broad).
BETWEEN_PRIOR_STD = 1.0


def nearest_other_distances(gt: np.ndarray) -> np.ndarray:
    """``(n_images, n_animals, n_parts, 2+)`` -> ``(n_images * n_animals, n_parts, n_parts)``:
    distance from part a of each animal to part b of the nearest OTHER animal of its image
    (NaN where either is unlabelled or the image has one animal)."""
    gt = np.asarray(gt, dtype=float)[..., :2]
    n_img, n_an, n_parts = gt.shape[:3]
    out = np.full((n_img, n_an, n_parts, n_parts), np.nan)
    same = np.eye(n_an, dtype=bool)[:, None, :, None]
    for i, image in enumerate(gt):  # one image at a time: (A, P, A, P) distances
        d = np.linalg.norm(image[:, :, None, None, :] - image[None, None, :, :, :], axis=-1)
        nearest = np.where(same | np.isnan(d), np.inf, d).min(axis=2)  # (A, P, P)
        out[i] = np.where(np.isfinite(nearest), nearest, np.nan)
    return out.reshape(n_img * n_an, n_parts, n_parts)


def _fit_between(gt: np.ndarray, min_samples: int) -> tuple[np.ndarray, np.ndarray]:
    n_parts = gt.shape[2]
    d = nearest_other_distances(gt)
    with np.errstate(divide="ignore", invalid="ignore"):
        logd = np.where(d > 0, np.log(d), np.nan)
    mean = np.full((n_parts, n_parts), np.nan)
    std = np.full((n_parts, n_parts), np.nan)
    for i in range(n_parts):
        for j in range(i + 1, n_parts):
            v = np.concatenate([logd[:, i, j], logd[:, j, i]])
            v = v[np.isfinite(v)]
            if len(v) < min_samples:
                continue
            mean[i, j] = mean[j, i] = v.mean()
            std[i, j] = std[j, i] = shrunk_spread(v - v.mean(), BETWEEN_PRIOR_STD)
    return mean, std


#: prior spread of the scale-free residuals (about +-16 % of a length), shrunk like MIN_LOG_STD.
MIN_SHAPE_STD = 0.15


def shrunk_spread(residuals: np.ndarray, prior: float, prior_count: float = PRIOR_COUNT) -> float:
    """Spread of ``residuals`` ``(n,)`` (deviations from their fitted mean), shrunk toward ``prior``.

    ``sqrt(((n - 1) s^2 + prior_count prior^2) / (n - 1 + prior_count))``: the prior alone
    for 0 or 1 samples, the data's own spread for many; never below ``LOG_STD_FLOOR``.
    """
    r = np.asarray(residuals, dtype=float)
    r = r[np.isfinite(r)]
    dof = max(len(r) - 1, 0)
    ss = float(np.sum(r ** 2)) if dof else 0.0
    return max(float(np.sqrt((ss + prior_count * prior ** 2) / (dof + prior_count))), LOG_STD_FLOOR)


def _fit_shape(logd: np.ndarray, mean: np.ndarray, usable: np.ndarray, n_iter: int = 5
               ) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``logd[a, i, j] = mu[i, j] + s[a] + e`` by alternating means; returns (mu, std of e)."""
    n_parts = logd.shape[1]
    iu = np.triu_indices(n_parts, 1)
    pairs_ok = usable[iu] & np.isfinite(mean[iu])
    X = logd[:, iu[0], iu[1]][:, pairs_ok]  # (n_animals, n_pairs)
    mu = mean[iu][pairs_ok].copy()
    shape_mean = np.full((n_parts, n_parts), np.nan)
    shape_std = np.full((n_parts, n_parts), np.nan)
    if X.size == 0:
        return shape_mean, shape_std
    present = np.isfinite(X)
    enough = present.sum(axis=1) >= 2
    X, present = X[enough], present[enough]
    if len(X) < 3:
        return shape_mean, shape_std
    for _ in range(n_iter):
        scale = np.nanmean(np.where(present, X - mu, np.nan), axis=1)
        scale -= scale.mean()
        mu = np.nanmean(np.where(present, X - scale[:, None], np.nan), axis=0)
    resid = np.where(present, X - mu - scale[:, None], np.nan)
    sd = np.array([shrunk_spread(resid[:, c], MIN_SHAPE_STD) for c in range(resid.shape[1])])
    rows, cols = iu[0][pairs_ok], iu[1][pairs_ok]
    shape_mean[rows, cols] = shape_mean[cols, rows] = mu
    shape_std[rows, cols] = shape_std[cols, rows] = sd
    return shape_mean, shape_std


def shape_zscores(cal: dict[str, Any], parts: np.ndarray, xy: np.ndarray, pixel_error: float = 3.0) -> np.ndarray:
    """Scale-free z-scores of the pair distances of one group (``parts`` ``(m,)``, ``xy`` ``(m, 2)``).

    The group's own size is estimated from its pairs; the spread of each pair is the
    calibrated one plus the relative error of detections ``pixel_error`` px off
    (short pairs of small animals are noisy). An empty array when fewer than 3
    calibrated pairs are available (2 parts say nothing about proportions).
    """
    cache = cal.get("_shape")
    if cache is None:
        cache = (np.asarray(cal.get("shape_mean", []), dtype=float), np.asarray(cal.get("shape_std", []), dtype=float))
        cal["_shape"] = cache
    mu, sd = cache
    if mu.size == 0 or len(parts) < 3 or int(np.max(parts)) >= len(mu):
        return np.zeros(0)
    iu = np.triu_indices(len(parts), 1)
    a, b = parts[iu[0]], parts[iu[1]]
    m, s = mu[a, b], sd[a, b]
    ok = np.isfinite(m)
    if ok.sum() < 3:
        return np.zeros(0)
    d = np.maximum(np.linalg.norm(xy[iu[0]] - xy[iu[1]], axis=1)[ok], 1e-6)
    spread = np.sqrt(s[ok] ** 2 + (pixel_error / d) ** 2)
    w = 1.0 / spread ** 2
    r = np.log(d) - m[ok]
    return (r - np.sum(w * r) / np.sum(w)) / spread


def is_plausible(cal: dict[str, Any], parts: np.ndarray, xy: np.ndarray, z_max: float = 4.0) -> bool:
    """False when any pair of the group is more than ``z_max`` spreads off the typical proportions."""
    z = shape_zscores(cal, np.asarray(parts), np.asarray(xy, dtype=float), float(cal.get("pixel_error", 3.0)))
    return bool(len(z) == 0 or np.max(np.abs(z)) <= z_max)


def _arrays(cal: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    cache = cal.get("_arrays")
    if cache is None:
        cache = (np.asarray(cal["log_mean"], dtype=float), np.asarray(cal["log_std"], dtype=float))
        cal["_arrays"] = cache
    return cache


def frame_scale(cal: dict[str, Any], blocks: list[tuple[int, int, np.ndarray, np.ndarray]],
                threshold: float = 0.1) -> float:
    """Log size of one frame's animals relative to the labelled ones (0 = the same size).

    ``blocks``: per PAF edge ``(part a, part b, affinities (n_a, n_b), lengths (n_a, n_b))``.
    Each pair of one optimal assignment per edge with affinity >= ``threshold`` says how much
    larger than labelled it would make the animals (``log(length) - log_mean[a, b]``); the
    scale chosen is the one under which the most affinity is plausible (an affinity-weighted
    mode, robust to a few wrong links). So the length prior judges proportions at the size
    of this video's animals (zoom, resolution) instead of vetoing every animal of a
    zoomed-in video.
    """
    from scipy.optimize import linear_sum_assignment

    mean, std = _arrays(cal)
    shifts, weights, spreads = [], [], []
    for a, b, block, d in blocks:
        if a >= len(mean) or b >= len(mean) or not np.isfinite(mean[a, b]) or block.size == 0:
            continue
        r, c = linear_sum_assignment(block, maximize=True)
        ok = (block[r, c] >= threshold) & (d[r, c] > 0)
        shifts += (np.log(d[r, c][ok]) - mean[a, b]).tolist()
        weights += block[r, c][ok].tolist()
        spreads += [float(std[a, b])] * int(ok.sum())
    if not shifts:
        return 0.0
    x, w, sd = np.asarray(shifts), np.asarray(weights), np.maximum(np.asarray(spreads), 0.05)
    support = (w[None] * np.exp(-0.5 * ((x[:, None] - x[None]) / sd[None]) ** 2)).sum(axis=1)
    return float(x[int(np.argmax(support))])


def length_plausibility(cal: dict[str, Any], a: int, b: int, distance: np.ndarray, scale: float = 0.0) -> np.ndarray:
    """Plausibility in [FLOOR, 1] of body parts ``a`` and ``b`` of ONE animal lying ``distance`` px apart.

    Lengths are compared in log space with the labelled animals' (times ``exp(scale)``,
    the frame's animal size, :func:`frame_scale`); the spread is the calibrated one plus
    the relative error of detections ``pixel_error`` px off. With the ``between``
    statistics (parts of two different animals) the plausibility is the probability that
    a link of this length joins one animal rather than two neighbours, relative to that
    probability at the typical length: lengths tell nothing where the labels show both at
    similar distances (the factor stays near 1), and a link as short or as long as
    neighbours usually are loses its affinity where the labels show tight proportions.
    Without them, a log-normal ``exp(-z**2 / 2)``.
    """
    mean, std = _arrays(cal)
    distance = np.asarray(distance, dtype=float)
    if a >= len(mean) or b >= len(mean) or not np.isfinite(mean[a, b]):
        return np.ones_like(distance)
    pixel_error = float(cal.get("pixel_error", 3.0))
    mu = mean[a, b] + scale
    spread = np.sqrt(std[a, b] ** 2 + (pixel_error / np.exp(mu)) ** 2)
    logd = np.log(np.maximum(distance, 1e-6))
    between = _between_arrays(cal)
    if between is None or not np.isfinite(between[0][a, b]):
        z = (logd - mu) / spread
        return np.maximum(np.exp(-0.5 * z * z), FLOOR)
    mu_b, sd_b = between[0][a, b] + scale, between[1][a, b]

    def one_animal(x: np.ndarray) -> np.ndarray:
        log_ratio = (-0.5 * ((x - mu_b) / sd_b) ** 2 - np.log(sd_b)) - (-0.5 * ((x - mu) / spread) ** 2 - np.log(spread))
        return 1.0 / (1.0 + np.exp(np.clip(log_ratio, -50.0, 50.0)))

    return np.clip(one_animal(logd) / one_animal(np.asarray(mu)), FLOOR, 1.0)


def _between_arrays(cal: dict[str, Any]) -> tuple[np.ndarray, np.ndarray] | None:
    if "between_log_mean" not in cal or "between_log_std" not in cal:
        return None
    cache = cal.get("_between")
    if cache is None:
        cache = (np.asarray(cal["between_log_mean"], dtype=float), np.asarray(cal["between_log_std"], dtype=float))
        cal["_between"] = cache
    return cache
