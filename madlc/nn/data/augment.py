"""Crops and augmentation of one training image with its keypoints (albumentations, see STACK.md).

Keypoints travel as a fixed ``(n_slots, J, 2)`` array (see :mod:`madlc.project.labels`): only the valid
ones are handed to albumentations, with their flat index as label, and scattered back, so that
dropped or moved points can never be assigned to the wrong body part. Points that end up outside
the crop become NaN.

Crop sampling strategies (user guide, "Create Training Dataset"): ``uniform`` (centre anywhere),
``keypoints`` (centre on a random labeled keypoint), ``density`` (centre on a keypoint chosen with
probability proportional to how many keypoints fall in a crop around it), ``hybrid`` (half uniform,
half density; the default). Images smaller than the crop are zero-padded (centred).

Horizontal flips swap the left/right body parts named in ``symmetric_pairs``.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from madlc.errors import ConfigError

CROP_STRATEGIES = ("uniform", "keypoints", "density", "hybrid")


def _centre_uniform(w: int, h: int, cw: int, ch: int, rng: np.random.Generator) -> np.ndarray:
    lo = np.array([min(cw, w) / 2, min(ch, h) / 2])
    hi = np.array([w - min(cw, w) / 2, h - min(ch, h) / 2])
    return rng.uniform(lo, np.maximum(hi, lo + 1e-6))


def _centre_density(pts: np.ndarray, cw: int, ch: int, rng: np.random.Generator) -> np.ndarray:
    near = (np.abs(pts[:, None, 0] - pts[None, :, 0]) <= cw / 2) & (np.abs(pts[:, None, 1] - pts[None, :, 1]) <= ch / 2)
    weight = near.sum(1).astype(float)
    return pts[rng.choice(len(pts), p=weight / weight.sum())]


def sample_crop_origin(keypoints: np.ndarray, width: int, height: int, crop: tuple[int, int], strategy: str,
                       rng: np.random.Generator, jitter: float = 0.1) -> tuple[int, int]:
    """Top-left ``(x0, y0)`` of a ``crop=(cw, ch)`` window (negative when the image is smaller: padding)."""
    cw, ch = crop
    if strategy not in CROP_STRATEGIES:
        raise ConfigError(f"data.crop_sampling={strategy!r}: use one of {list(CROP_STRATEGIES)}.")
    pts = keypoints.reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(1)]
    if strategy == "hybrid":
        strategy = "uniform" if rng.random() < 0.5 else "density"
    if strategy == "uniform" or len(pts) == 0:
        centre = _centre_uniform(width, height, cw, ch, rng)
    else:
        centre = pts[rng.integers(len(pts))] if strategy == "keypoints" else _centre_density(pts, cw, ch, rng)
        centre = centre + rng.uniform(-jitter, jitter, 2) * np.array([cw, ch])
    x0 = int(np.clip(round(centre[0] - cw / 2), 0, width - cw)) if width >= cw else -((cw - width) // 2)
    y0 = int(np.clip(round(centre[1] - ch / 2), 0, height - ch)) if height >= ch else -((ch - height) // 2)
    return x0, y0


def crop(image: np.ndarray, keypoints: np.ndarray, x0: int, y0: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``size=(cw, ch)`` at ``(x0, y0)`` (zero padding outside the image); keypoints shifted."""
    cw, ch = size
    h, w = image.shape[:2]
    out = np.zeros((ch, cw) + image.shape[2:], image.dtype)
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x0 + cw, w), min(y0 + ch, h)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0: sy1 - y0, sx0 - x0: sx1 - x0] = image[sy0:sy1, sx0:sx1]
    return out, keypoints - np.array([x0, y0], dtype=keypoints.dtype)


def flip_permutation(joint_names: Sequence[str], pairs: Sequence[Sequence[Any]]) -> np.ndarray:
    """Joint order after a horizontal flip: each symmetric pair (names or indices) swapped."""
    perm = np.arange(len(joint_names))
    for pair in pairs or []:
        if len(pair) != 2:
            raise ConfigError(f"data.augmentation.symmetric_pairs entry {pair!r} is not a pair.")
        idx = []
        for p in pair:
            if isinstance(p, int) and 0 <= p < len(joint_names):
                idx.append(p)
            elif p in joint_names:
                idx.append(list(joint_names).index(p))
            else:
                raise ConfigError(f"data.augmentation.symmetric_pairs names {p!r}, which is not a body part "
                                  f"({list(joint_names)}). What to do: fix the pair.")
        perm[idx[0]], perm[idx[1]] = idx[1], idx[0]
    return perm


def build_augmenter(aug: dict[str, Any], seed: int | None = None) -> Any:
    """The albumentations pipeline (geometric + photometric) for ``data.augmentation`` settings."""
    import albumentations as A
    import cv2

    ops = []
    if aug.get("rotation") and aug.get("rotation_p", 0) > 0:
        r = float(aug["rotation"])
        ops.append(A.Affine(rotate=(-r, r), border_mode=cv2.BORDER_CONSTANT, fill=0, p=float(aug["rotation_p"])))
    if aug.get("scale") and aug.get("scale_p", 0) > 0:
        lo, hi = aug["scale"]
        ops.append(A.Affine(scale=(float(lo), float(hi)), keep_ratio=True, border_mode=cv2.BORDER_CONSTANT, fill=0,
                            p=float(aug["scale_p"])))
    if aug.get("blur", 0) > 0:
        ops.append(A.OneOf([A.MotionBlur(blur_limit=(3, 7), p=1), A.GaussianBlur(blur_limit=(3, 7), p=1)],
                           p=float(aug["blur"])))
    if aug.get("brightness_contrast", 0) > 0:
        ops.append(A.RandomBrightnessContrast(p=float(aug["brightness_contrast"])))
    if aug.get("occlusion", 0) > 0:
        ops.append(A.CoarseDropout(num_holes_range=(1, 3), hole_height_range=(0.05, 0.2),
                                   hole_width_range=(0.05, 0.2), fill=0, p=float(aug["occlusion"])))
    params = A.KeypointParams(format="xy", remove_invisible=False, label_fields=["ids"])
    return A.Compose(ops, keypoint_params=params, seed=seed)


def augment(image: np.ndarray, keypoints: np.ndarray, augmenter: Any, rng: np.random.Generator,
            hflip: float = 0.0, flip_perm: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``augmenter`` (and a random horizontal flip) to an image and its ``(n_slots, J, 2)`` keypoints."""
    shape = keypoints.shape
    flat = keypoints.reshape(-1, 2)
    ids = np.flatnonzero(np.isfinite(flat).all(1))
    out = np.full_like(flat, np.nan)
    if augmenter is not None:
        res = augmenter(image=image, keypoints=flat[ids].astype(np.float32), ids=ids)
        image = res["image"]
        moved = np.asarray(res["keypoints"], dtype=np.float64).reshape(-1, 2)
        out[np.asarray(res["ids"], dtype=np.int64)] = moved[:, :2]
    else:
        out[ids] = flat[ids]
    kpts = out.reshape(shape)
    if hflip > 0 and rng.random() < hflip:
        image = np.ascontiguousarray(image[:, ::-1])
        kpts = kpts.copy()
        kpts[..., 0] = image.shape[1] - 1 - kpts[..., 0]
        if flip_perm is not None:
            kpts = kpts[:, flip_perm]
    h, w = image.shape[:2]
    with np.errstate(invalid="ignore"):
        outside = (kpts[..., 0] < 0) | (kpts[..., 0] > w - 1) | (kpts[..., 1] < 0) | (kpts[..., 1] > h - 1)
    kpts[outside] = np.nan
    return image, kpts
