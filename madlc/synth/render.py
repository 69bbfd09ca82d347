"""Drawing synthetic frames: dark noisy background, thick-limbed animals, one coloured dot per body part.

Designed so that a tiny CNN can learn it: every body part is a distinct saturated colour (the
same on every animal), bodies are thick limbs along the skeleton (so part affinity fields have
something to see), and with ``identity`` every animal has its own body colour plus a marking
(a pale band whose position along the spine differs per animal). Unique body parts (fixed
landmarks) are white-rimmed squares; optional occluders are flat rectangles drawn on top.

Coordinates are sub-pixel exact: shapes are drawn with OpenCV's fixed-point ``shift`` so a dot's
centre is the ground-truth position (pixel centres at integer coordinates, DeepLabCut's convention).
"""
from __future__ import annotations

import colorsys
from dataclasses import dataclass, field

import numpy as np

from madlc.synth.motion import BodyGeometry

_SHIFT = 4
_ONE = 1 << _SHIFT


def _hsv(h: float, s: float, v: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return int(r * 255), int(g * 255), int(b * 255)


@dataclass
class Appearance:
    """Colours (RGB 0..255) of the animals, their body parts and the landmarks."""

    body_colors: list[tuple[int, int, int]]
    part_colors: list[tuple[int, int, int]]
    landmark_colors: list[tuple[int, int, int]] = field(default_factory=list)
    markings: list[float | None] = field(default_factory=list)  # position (0..1 along the spine) of a pale band

    @classmethod
    def make(cls, n_animals: int, n_bodyparts: int, identity: bool = False, n_landmarks: int = 0) -> "Appearance":
        """Per-part hues evenly spread; bodies grey, or one muted hue per animal with ``identity``."""
        parts = [_hsv(k / max(n_bodyparts, 1), 1.0, 1.0) for k in range(n_bodyparts)]
        if identity:
            bodies = [_hsv(0.08 + a / max(n_animals, 1), 0.55, 0.55) for a in range(n_animals)]
            marks = [0.25 + 0.5 * a / max(n_animals - 1, 1) for a in range(n_animals)]
        else:
            bodies = [(140, 140, 140)] * n_animals
            marks = [None] * n_animals
        landmarks = [_hsv(0.15 + 0.5 * u, 0.2, 1.0) for u in range(n_landmarks)]
        return cls(bodies, parts, landmarks, marks)


def make_background(size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """A dark textured floor ``(H, W, 3)`` uint8: smooth blotches plus fine grain, deterministic."""
    import cv2

    width, height = size
    rng = np.random.default_rng(seed + 7919)
    coarse = rng.normal(0, 1, (max(height // 16, 2), max(width // 16, 2), 3)).astype(np.float32)
    smooth = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    grain = rng.normal(0, 1, (height, width, 3)).astype(np.float32)
    base = np.array([38, 34, 30], np.float32)
    img = base + 8 * smooth + 5 * grain
    return np.clip(img, 0, 255).astype(np.uint8)


def _pt(xy: np.ndarray) -> tuple[int, int]:
    return int(round(float(xy[0]) * _ONE)), int(round(float(xy[1]) * _ONE))


def render_frame(poses_t: np.ndarray, size: tuple[int, int], appearance: Appearance | None = None,
                 skeleton: list[tuple[int, int]] | None = None, geometry: BodyGeometry | None = None,
                 background: np.ndarray | None = None, landmarks: np.ndarray | None = None,
                 occluders: np.ndarray | None = None, noise: float = 4.0,
                 rng: np.random.Generator | None = None) -> np.ndarray:
    """Draw one frame: RGB uint8 ``(H, W, 3)`` for ``poses_t`` ``(n_animals, n_bodyparts, 2)``.

    Animals are drawn in index order (later ones on top). ``noise``: std of per-frame pixel noise
    (drawn from ``rng``; 0 for a clean frame). ``landmarks`` ``(U, 2)`` under the animals,
    ``occluders`` ``(n, 4)`` rectangles ``x1, y1, x2, y2`` over everything.
    """
    import cv2

    width, height = int(size[0]), int(size[1])
    n_animals, n_parts = poses_t.shape[:2]
    appearance = appearance or Appearance.make(n_animals, n_parts, n_landmarks=0 if landmarks is None else len(landmarks))
    geometry = geometry or BodyGeometry.for_size((width, height), n_parts)
    if skeleton is None:
        skeleton = [(k, k + 1) for k in range(n_parts - 1)]
    img = (make_background((width, height)) if background is None else background).copy()
    radius = int(round(geometry.blob_radius * _ONE))
    if landmarks is not None:
        half = geometry.blob_radius + 1.0
        for u, xy in enumerate(np.asarray(landmarks)):
            color = appearance.landmark_colors[u % len(appearance.landmark_colors)] if appearance.landmark_colors else (230, 230, 230)
            cv2.rectangle(img, _pt(xy - half), _pt(xy + half), color, -1, cv2.LINE_AA, _SHIFT)
            cv2.rectangle(img, _pt(xy - half * 0.45), _pt(xy + half * 0.45), (20, 20, 20), -1, cv2.LINE_AA, _SHIFT)
    for a in range(n_animals):
        pose = poses_t[a]
        if not np.isfinite(pose).all():
            continue
        body = appearance.body_colors[a % len(appearance.body_colors)]
        for i, j in skeleton:
            cv2.line(img, _pt(pose[i]), _pt(pose[j]), body, geometry.limb_width, cv2.LINE_AA, _SHIFT)
        mark = appearance.markings[a] if a < len(appearance.markings) else None
        if mark is not None and n_parts > 1:
            pos = mark * (n_parts - 1)
            k = min(int(pos), n_parts - 2)
            centre = pose[k] + (pos - k) * (pose[k + 1] - pose[k])
            cv2.circle(img, _pt(centre), int(round(0.55 * geometry.limb_width * _ONE)), (235, 235, 235), -1,
                       cv2.LINE_AA, _SHIFT)
        for k in range(n_parts):
            cv2.circle(img, _pt(pose[k]), radius, appearance.part_colors[k], -1, cv2.LINE_AA, _SHIFT)
    if occluders is not None:
        for x1, y1, x2, y2 in np.asarray(occluders):
            cv2.rectangle(img, _pt((x1, y1)), _pt((x2, y2)), (70, 60, 50), -1, cv2.LINE_8, _SHIFT)
    if noise > 0:
        rng = rng or np.random.default_rng(0)
        img = np.clip(img.astype(np.int16) + rng.normal(0, noise, img.shape).astype(np.int16), 0, 255).astype(np.uint8)
    return img
