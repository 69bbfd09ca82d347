"""Labelled evaluation images: human labels and network predictions drawn on the train/test images.

As DeepLabCut draws them: human labels ``+``, confident predictions (likelihood >= pcutoff) as
filled dots, predictions below pcutoff as ``x``; colours per body part (default) or per
individual (``plotting="individual"``), from config.yaml's ``colormap``, ``dotsize`` and
``alphavalue``, each with a dark rim. Small images are enlarged so the markers stay readable.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

#: images smaller than this (longest side, px) are enlarged by an integer factor
MIN_SIDE = 480
#: dark rim drawn under every marker so it stands out on animals of its own colour
OUTLINE = (0, 0, 0)


def marker_colors(n_slots: int, n_bodyparts: int, by: str, colormap: str) -> np.ndarray:
    """``(n_slots, n_bodyparts, 3)`` RGB colours: per body part (``by="bodypart"``) or per individual."""
    from madlc.viz.colors import colormap_colors

    if by == "individual":
        cols = np.asarray(colormap_colors(n_slots, colormap), dtype=int).reshape(n_slots, 3)
        return np.repeat(cols[:, None], n_bodyparts, axis=1)
    cols = np.asarray(colormap_colors(n_bodyparts, colormap), dtype=int).reshape(n_bodyparts, 3)
    return np.repeat(cols[None], n_slots, axis=0)


def draw_evaluation(image: np.ndarray, gt: np.ndarray, pred: np.ndarray, pcutoff: float, gt_colors: np.ndarray,
                    pred_colors: np.ndarray, dotsize: float = 8, alpha: float = 0.7) -> np.ndarray:
    """Draw labels and predictions on an RGB uint8 image; returns a new (possibly enlarged) image.

    ``gt`` ``(n_gt_slots, n_bodyparts, 2)`` (NaN = unlabelled), ``pred`` ``(n_pred_slots,
    n_bodyparts, 3)`` (x, y, likelihood; NaN = not predicted); colour arrays match their shapes
    (``(slots, parts, 3)``).
    """
    import cv2

    img = np.ascontiguousarray(image[..., :3] if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2))
    scale = max(1, int(np.ceil(MIN_SIDE / max(img.shape[:2]))))
    if scale > 1:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    overlay = img.copy()
    size = max(9, int(round(float(dotsize) * scale * 1.5)))  # marker size follows the enlargement
    thick = max(1, size // 9)

    def at(xy: np.ndarray) -> tuple[int, int]:
        return int(round((xy[0] + 0.5) * scale - 0.5)), int(round((xy[1] + 0.5) * scale - 0.5))

    gt = np.asarray(gt, dtype=float)
    pred = np.asarray(pred, dtype=float)
    for s in range(gt.shape[0]):
        for k in range(gt.shape[1]):
            if np.isfinite(gt[s, k, :2]).all():
                color = tuple(int(c) for c in gt_colors[s, k])
                for c, t in ((OUTLINE, thick + 2), (color, thick)):
                    cv2.drawMarker(overlay, at(gt[s, k]), c, cv2.MARKER_CROSS, size, t, cv2.LINE_AA)
    for s in range(pred.shape[0]):
        for k in range(pred.shape[1]):
            if not np.isfinite(pred[s, k, :2]).all():
                continue
            color = tuple(int(c) for c in pred_colors[s, k])
            if np.isfinite(pred[s, k, 2]) and pred[s, k, 2] >= pcutoff:
                cv2.circle(overlay, at(pred[s, k]), max(3, size // 5) + 1, OUTLINE, -1, cv2.LINE_AA)
                cv2.circle(overlay, at(pred[s, k]), max(3, size // 5), color, -1, cv2.LINE_AA)
            else:
                for c, t in ((OUTLINE, thick + 2), (color, thick)):
                    cv2.drawMarker(overlay, at(pred[s, k]), c, cv2.MARKER_TILTED_CROSS, max(6, size * 2 // 3), t,
                                   cv2.LINE_AA)
    a = float(np.clip(alpha, 0.0, 1.0))
    return cv2.addWeighted(overlay, a, img, 1.0 - a, 0.0)


def plot_evaluation_images(project: Path, keys: Sequence[tuple[str, ...]], splits: Sequence[str], gt: np.ndarray,
                           pred: np.ndarray, pcutoff: float, folder: Path, cfg: dict[str, Any],
                           by: str = "bodypart") -> list[Path]:
    """Write one labelled image per key into ``folder``, named ``<Training|Test>-<video>-<image>``.

    ``keys[i]``: the labels index tuple ``("labeled-data", video, image)``; ``splits[i]``:
    ``"train"`` or ``"test"``; ``gt`` ``(n, n_slots, n_bodyparts, 2)``; ``pred`` ``(n, n_slots,
    n_bodyparts, 3)``. Returns the written paths.
    """
    import cv2
    from tqdm import tqdm

    from madlc.io.images import read_image
    from madlc.io.atomic import atomic_path
    from madlc.viz.colors import config_colormap

    folder.mkdir(parents=True, exist_ok=True)
    colormap = config_colormap(cfg)
    n_slots, n_parts = gt.shape[1], gt.shape[2]
    gt_colors = marker_colors(n_slots, n_parts, by, colormap)
    pred_colors = marker_colors(pred.shape[1], n_parts, by, colormap)
    dotsize = float(cfg.get("dotsize") or 8)
    alpha = float(cfg.get("alphavalue") if cfg.get("alphavalue") is not None else 0.7)
    written = []
    for key, split, g, p in tqdm(list(zip(keys, splits, gt, pred)), desc="evaluation images", unit="image",
                                 leave=False):
        image = read_image(project.joinpath(*key))
        drawn = draw_evaluation(image, g, p, pcutoff, gt_colors, pred_colors, dotsize, alpha)
        name = f"{'Training' if split == 'train' else 'Test'}-{'-'.join(key[1:])}"
        out = folder / name
        with atomic_path(out) as tmp:
            cv2.imwrite(str(tmp), cv2.cvtColor(drawn, cv2.COLOR_RGB2BGR))
        written.append(out)
    return written
