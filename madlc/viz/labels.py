"""Human labels drawn on their image (the ``check_labels`` stage)."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def draw_labels(image: np.ndarray, points: np.ndarray, colors: np.ndarray, radius: float, alpha: float = 0.7,
                edges: Sequence[tuple[int, int]] = (), edge_color: tuple[int, int, int] = (0, 0, 0),
                square: np.ndarray | None = None, scale: float = 1.0) -> np.ndarray:
    """Draw labels on an RGB uint8 image; returns a new image (``scale`` times larger).

    ``points`` ``(n_individuals, n_bodyparts, 2)`` (NaN = not labeled), ``colors``
    ``(n_individuals, n_bodyparts, 3)`` RGB 0..255, ``edges``: skeleton as body part index pairs
    (drawn within each individual), ``square`` ``(n_individuals, n_bodyparts)`` bool: draw a square.
    """
    import cv2

    shift = 4
    one = 1 << shift
    img = np.ascontiguousarray(image[..., :3] if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2))
    if scale != 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    overlay = img.copy()
    pts = np.asarray(points, dtype=float) * scale + (scale - 1) / 2  # pixel centres stay pixel centres
    r = max(1.0, float(radius) * max(scale, 1.0) ** 0.5)

    def fp(xy: np.ndarray) -> tuple[int, int]:
        return int(round(xy[0] * one)), int(round(xy[1] * one))

    thickness = max(1, int(round(r / 3)))
    for ind in range(pts.shape[0]):
        for i, j in edges:
            if np.isfinite(pts[ind, i]).all() and np.isfinite(pts[ind, j]).all():
                cv2.line(overlay, fp(pts[ind, i]), fp(pts[ind, j]), tuple(int(c) for c in edge_color), thickness,
                         cv2.LINE_AA, shift)
    for ind in range(pts.shape[0]):
        for k in range(pts.shape[1]):
            xy = pts[ind, k]
            if not np.isfinite(xy).all():
                continue
            color = tuple(int(c) for c in colors[ind, k])
            if square is not None and square[ind, k]:
                cv2.rectangle(overlay, fp(xy - r), fp(xy + r), color, -1, cv2.LINE_AA, shift)
            else:
                cv2.circle(overlay, fp(xy), int(round(r * one)), color, -1, cv2.LINE_AA, shift)
    alpha = float(np.clip(alpha, 0.0, 1.0))
    return cv2.addWeighted(overlay, alpha, img, 1.0 - alpha, 0.0)
