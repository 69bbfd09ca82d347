"""Calibration of body-part pair distances from labels, used to reject implausible links.

:func:`fit_calibration` summarises, for every pair of multi-animal body parts, the
distribution of their distance within labelled animals. Two models, both on
``log(distance)``:

- absolute: mean and spread per pair (``log_mean``, ``log_std``) --
  :func:`length_plausibility` turns a link length into a factor in (0, 1];
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

#: minimal spread of log-distances (a factor ~1.35 either way) so that a few
#: labels do not make the model overconfident.
MIN_LOG_STD = 0.3
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

    Returns ``{"n_bodyparts", "log_mean" (P x P), "log_std" (P x P), "count" (P x P)}``
    as nested lists; pairs with fewer than ``min_samples`` labelled animals get
    NaN (no constraint).
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
            std[i, j] = max(v.std(ddof=1) if len(v) > 1 else 0.0, MIN_LOG_STD)
    shape_mean, shape_std = _fit_shape(logd, mean, count >= min_samples)
    return {
        "n_bodyparts": int(n_parts),
        "log_mean": mean.tolist(),
        "log_std": std.tolist(),
        "count": count.astype(int).tolist(),
        "shape_mean": shape_mean.tolist(),
        "shape_std": shape_std.tolist(),
    }


#: minimal spread of the scale-free residuals (about +-16 % of a length).
MIN_SHAPE_STD = 0.15


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
    with np.errstate(invalid="ignore"):
        sd = np.sqrt(np.nansum(resid ** 2, axis=0) / np.maximum(present.sum(axis=0) - 1, 1))
    sd = np.maximum(np.nan_to_num(sd, nan=MIN_SHAPE_STD), MIN_SHAPE_STD)
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


def length_plausibility(cal: dict[str, Any], a: int, b: int, distance: np.ndarray) -> np.ndarray:
    """Plausibility in [FLOOR, 1] of body parts ``a`` and ``b`` lying ``distance`` px apart.

    Log-normal shape, ``exp(-z**2 / 2)`` only for links LONGER than typical (short
    links are plausible: animals far from the camera, foreshortening).
    """
    mean, std = _arrays(cal)
    distance = np.asarray(distance, dtype=float)
    if a >= len(mean) or b >= len(mean) or not np.isfinite(mean[a, b]):
        return np.ones_like(distance)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.log(np.maximum(distance, 1e-6)) - mean[a, b]) / std[a, b]
    z = np.maximum(z, 0.0)
    return np.maximum(np.exp(-0.5 * z * z), FLOOR)
