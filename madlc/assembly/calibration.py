"""Calibration of body-part pair distances from labels, used to reject implausible links.

:func:`fit_calibration` summarises, for every pair of multi-animal body parts, the
distribution of their distance within labelled animals as a log-normal (mean and
standard deviation of ``log(distance)``), plus the distribution of each animal's
size. The result is a plain dict of lists (YAML / pickle friendly).
:func:`length_plausibility` turns a distance into a factor in (0, 1] (1 at the
typical length, falling off in units of the spread).
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
    return {
        "n_bodyparts": int(n_parts),
        "log_mean": mean.tolist(),
        "log_std": std.tolist(),
        "count": count.astype(int).tolist(),
    }


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
