"""Drawing synthetic frames: a dark textured floor and furry animals with coloured markings.

Drawn as animals, not as label markers: each body is a fur-coloured, textured shape along the
skeleton (tapered at the snout and the tail end), and each body part is a soft coloured patch
of fur blended into the body (no hard rim), so labels drawn over the video stay tellable from
the animals. It stays learnable by a tiny CNN: every body part keeps a distinct hue (the same
on every animal), the body follows the skeleton (part affinity fields have a limb to see),
and with ``identity`` every animal has its own fur colour plus a pale band whose position
along the spine differs per animal. Unique body parts (fixed landmarks) are white-rimmed
squares; optional occluders are flat rectangles drawn on top.

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
            bodies = [(128, 104, 82)] * n_animals  # one fur colour (a light brown) for all
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


def fur_texture(size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """A fur-like brightness factor ``(H, W)`` float32 around 1: fine streaks plus soft patches."""
    import cv2

    width, height = size
    rng = np.random.default_rng(seed + 104729)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 0.7)
    streaks = cv2.blur(rng.normal(0, 1, (height, width)).astype(np.float32), (5, 1))  # hair runs one way
    patches = cv2.resize(rng.normal(0, 1, (max(height // 12, 2), max(width // 12, 2))).astype(np.float32),
                         (width, height), interpolation=cv2.INTER_CUBIC)
    return 1.0 + 0.10 * grain + 0.22 * streaks + 0.08 * patches


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
    fur = fur_texture((width, height))
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
        # the body: a fur-textured shape along the skeleton, widest mid-body, tapered at both ends
        shape = np.zeros((height, width), np.uint8)
        girth = 1.25 * geometry.limb_width
        for i, j in skeleton:
            cv2.line(shape, _pt(pose[i]), _pt(pose[j]), 255, max(3, int(round(girth))), cv2.LINE_AA, _SHIFT)
        for k in range(n_parts):
            taper = 0.6 if k == 0 else 0.8 if k == n_parts - 1 else 1.15
            cv2.circle(shape, _pt(pose[k]), int(round(0.5 * taper * girth * _ONE)), 255, -1, cv2.LINE_AA, _SHIFT)
        dark = np.zeros((height, width), np.uint8)  # eyes, darker than the coat
        if n_parts > 1:
            axis = pose[0] - pose[1]
            length = float(np.hypot(*axis))
            if length > 1e-6:
                ahead, side = axis / length, np.array([-axis[1], axis[0]]) / length
                for sign in (-1, 1):  # ears just behind the head, eyes just behind the snout
                    ear = pose[0] - 0.55 * axis + sign * 0.42 * girth * side
                    cv2.circle(shape, _pt(ear), int(round(0.28 * girth * _ONE)), 255, -1, cv2.LINE_AA, _SHIFT)
                    eye = pose[0] - 0.3 * axis + sign * 0.22 * girth * side
                    cv2.circle(dark, _pt(eye), int(round(max(0.6, 0.09 * girth) * _ONE)), 255, -1, cv2.LINE_AA, _SHIFT)
            back = pose[-1] - pose[-2]
            if np.hypot(*back) > 1e-6:
                tail = pose[-1] + 1.3 * back
                cv2.line(shape, _pt(pose[-1]), _pt(tail), 255, max(1, int(round(0.25 * girth))), cv2.LINE_AA, _SHIFT)
        alpha = shape.astype(np.float32)[..., None] / 255.0
        coat = np.clip(np.asarray(body, np.float32) * fur[..., None], 0, 255)
        layer = img.astype(np.float32)
        layer = layer * (1 - alpha) + coat * alpha
        d = dark.astype(np.float32)[..., None] / 255.0
        layer = layer * (1 - d) + np.asarray(body, np.float32) * 0.35 * d
        mark = appearance.markings[a] if a < len(appearance.markings) else None
        if mark is not None and n_parts > 1:
            pos = mark * (n_parts - 1)
            k = min(int(pos), n_parts - 2)
            centre = pose[k] + (pos - k) * (pose[k + 1] - pose[k])
            band = np.zeros((height, width), np.uint8)
            cv2.circle(band, _pt(centre), int(round(0.55 * geometry.limb_width * _ONE)), 255, -1, cv2.LINE_AA, _SHIFT)
            b = band.astype(np.float32)[..., None] / 255.0
            layer = layer * (1 - b) + np.clip(235 * fur[..., None], 0, 255) * b
        # body parts: soft patches of coloured fur (no rim), strongest at the part itself
        for k in range(n_parts):
            patch = np.zeros((height, width), np.uint8)
            cv2.circle(patch, _pt(pose[k]), radius, 255, -1, cv2.LINE_AA, _SHIFT)
            soft = cv2.GaussianBlur(patch, (0, 0), max(0.6, 0.35 * geometry.blob_radius)).astype(np.float32)
            p = np.clip(soft / max(float(soft.max()), 1.0), 0, 1)[..., None] * 0.8
            color = np.clip(np.asarray(appearance.part_colors[k], np.float32) * (0.85 + 0.15 * fur[..., None]), 0, 255)
            layer = layer * (1 - p) + color * p
        img = np.clip(layer, 0, 255).astype(np.uint8)
    if occluders is not None:
        for x1, y1, x2, y2 in np.asarray(occluders):
            cv2.rectangle(img, _pt((x1, y1)), _pt((x2, y2)), (70, 60, 50), -1, cv2.LINE_8, _SHIFT)
    if noise > 0:
        rng = rng or np.random.default_rng(0)
        img = np.clip(img.astype(np.int16) + rng.normal(0, noise, img.shape).astype(np.int16), 0, 255).astype(np.uint8)
    return img
