"""Synthetic animal motion with exact ground truth: smooth trajectories, close interactions, crossings.

Each animal is a chain of ``n_bodyparts`` points (a spine from the head, body part 0, to the tail,
body part K-1). Its head moves with a smooth random heading and speed (Ornstein-Uhlenbeck
processes), turns away from the arena walls, and now and then heads for another animal, so
animals meet, touch and cross each other. The spine bends smoothly (a random bend angle per
joint), so poses vary but stay anatomically plausible.

With ``huddle`` > 0 the animals also gather for long bouts (a few hundred frames): they walk
to a common spot, settle side by side in contact with their bodies overlapping, jostle, and
now and then two of them trade places inside the group (slowly squeezing past each other),
then disperse. This is the hard case for identity tracking: look-alike animals that stay in
contact and occlude each other for long stretches.

Pure numpy, deterministic from a seed. :class:`PoseSimulator` produces one frame at a time
(so a 20,000-frame video never needs all poses at once); :func:`simulate_poses` stacks them.
Visibility (occlusion by animals drawn on top, or by a static occluder) is computed by
:func:`visibility`; render order is the animal index (animal ``a+1`` is drawn over animal ``a``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BodyGeometry:
    """Sizes in pixels of the drawn animals, derived from the frame size."""

    segment: float  # distance between consecutive body parts along the spine
    limb_width: int  # thickness of the body (skeleton limbs)
    blob_radius: float  # radius of each body part's coloured dot

    @classmethod
    def for_size(cls, size: tuple[int, int], n_bodyparts: int, scale: float = 1.0) -> "BodyGeometry":
        """Geometry for a ``(width, height)`` frame: a body about a quarter of the short side long."""
        short = min(size)
        body_length = 0.26 * short * scale
        segment = body_length / max(n_bodyparts - 1, 1)
        # dots no wider than a third of a segment; the body wider than the dots so its colour
        # (the identity cue) shows around them and part affinity fields have a limb to follow
        blob = max(1.6, min(0.024 * short * scale, 0.34 * segment))
        return cls(segment=float(segment), limb_width=max(3, int(round(2.8 * blob))), blob_radius=float(blob))


def spine_points(head: np.ndarray, heading: float, bends: np.ndarray, segment: float) -> np.ndarray:
    """Body part positions ``(K, 2)`` of one animal: head at ``head``, the spine trailing behind.

    ``bends`` ``(K-1,)``: angle added at each joint (radians), ``heading``: direction of motion.
    """
    k = len(bends) + 1
    pts = np.empty((k, 2))
    pts[0] = head
    angle = heading + np.pi
    for j in range(1, k):
        angle += bends[j - 1]
        pts[j] = pts[j - 1] + segment * np.array([np.cos(angle), np.sin(angle)])
    return pts


class PoseSimulator:
    """Frame-by-frame pose generator for ``n_animals`` chain-shaped animals in a ``size`` arena.

    ``step()`` returns the next frame's poses ``(n_animals, n_bodyparts, 2)`` (x, y in pixels).
    ``interaction`` (0..1) sets how often animals seek each other out (close encounters, crossings).
    ``huddle`` (0..1) is the fraction of time the animals spend huddling together (0: never); with
    ``huddle`` > 0 bodies also never pass through each other (they touch, side by side).
    """

    def __init__(self, n_animals: int, n_bodyparts: int, size: tuple[int, int], seed: int = 0,
                 speed: float | None = None, interaction: float = 0.5, scale: float = 1.0, huddle: float = 0.0):
        self.n_animals, self.n_bodyparts = int(n_animals), int(n_bodyparts)
        self.width, self.height = int(size[0]), int(size[1])
        self.rng = np.random.default_rng(seed)
        self.geometry = BodyGeometry.for_size((self.width, self.height), self.n_bodyparts, scale)
        short = min(self.width, self.height)
        self.mean_speed = float(speed) if speed is not None else 0.012 * short
        self.interaction = float(interaction)
        body = self.geometry.segment * max(self.n_bodyparts - 1, 1)
        # keep the whole body (plus the dots) inside the frame
        self.margin = min(0.45 * short, body + 2 * self.geometry.blob_radius + 2)
        lo = np.array([self.margin, self.margin])
        hi = np.array([self.width - self.margin, self.height - self.margin])
        self.head = self.rng.uniform(lo, np.maximum(hi, lo + 1), size=(self.n_animals, 2))
        self.heading = self.rng.uniform(-np.pi, np.pi, self.n_animals)
        self.turn = np.zeros(self.n_animals)
        self.speed = self.mean_speed * self.rng.uniform(0.5, 1.5, self.n_animals)
        self.bends = self.rng.normal(0, 0.15, (self.n_animals, max(self.n_bodyparts - 1, 0)))
        self.target = -np.ones(self.n_animals, dtype=int)  # animal each one is heading for (-1: none)
        self.huddle = float(np.clip(huddle, 0.0, 0.95))
        self.body_length = body
        self.huddle_left = 0  # frames left in the current huddling bout (0: not huddling)
        self.huddle_centre = np.zeros(2)
        self.huddle_angle = 0.0  # the group slowly turns as a whole
        self.slots = np.arange(self.n_animals)  # each animal's place around the huddle centre

    def _steer(self, a: int) -> float:
        """Desired heading change of animal ``a``: away from walls, toward its target animal."""
        x, y = self.head[a]
        m = self.margin
        push = np.zeros(2)
        push[0] += max(0.0, m + 4 - x) - max(0.0, x - (self.width - m - 4))
        push[1] += max(0.0, m + 4 - y) - max(0.0, y - (self.height - m - 4))
        if self.target[a] >= 0:
            push += 0.05 * (self.head[self.target[a]] - self.head[a])
        if not push.any():
            return 0.0
        desired = np.arctan2(push[1], push[0])
        diff = (desired - self.heading[a] + np.pi) % (2 * np.pi) - np.pi
        return 0.25 * diff

    def _update_huddle(self) -> None:
        """Start, run and end huddling bouts: mean bout ~400 frames, ``huddle`` of the time overall."""
        rng = self.rng
        if self.huddle <= 0 or self.n_animals < 2:
            return
        if self.huddle_left <= 0:
            mean_bout = 400.0
            if rng.random() < self.huddle / ((1 - self.huddle) * mean_bout):  # start rate -> time fraction
                self.huddle_left = int(rng.integers(200, 600))
                m = self.margin + 0.6 * self.body_length
                lo = np.array([m, m])
                hi = np.maximum(np.array([self.width - m, self.height - m]), lo + 1)
                self.huddle_centre = rng.uniform(lo, hi)
                self.huddle_angle = rng.uniform(-np.pi, np.pi)
                self.slots = rng.permutation(self.n_animals)
            return
        self.huddle_left -= 1
        self.huddle_angle += 0.002
        self.huddle_centre += rng.normal(0, 0.05 * self.mean_speed, 2)
        if rng.random() < 0.01:  # two neighbours trade places inside the group
            i, j = rng.choice(self.n_animals, 2, replace=False)
            self.slots[[i, j]] = self.slots[[j, i]]

    def _huddle_target(self, a: int) -> np.ndarray:
        """Where animal ``a``'s head wants to be in the huddle: its slot on a ring a body length across."""
        radius = 0.28 * self.body_length * max(1.0, np.sqrt(self.n_animals / 3))
        angle = self.huddle_angle + 2 * np.pi * self.slots[a] / self.n_animals
        return self.huddle_centre + radius * np.array([np.cos(angle), np.sin(angle)])

    def step(self) -> np.ndarray:
        """Advance one frame; return poses ``(n_animals, n_bodyparts, 2)``."""
        rng = self.rng
        self._update_huddle()
        if self.huddle_left > 0:
            self._huddle_step()
        else:
            self._free_step()
            if self.huddle > 0:  # contact mode: animals touch but never pass through each other
                self._keep_bodies_apart()
                self.head = np.clip(self.head, [self.margin, self.margin],
                                    [self.width - self.margin, self.height - self.margin])
        # joints relax toward following the turn of the head, plus noise
        if self.bends.size:
            self.bends = 0.9 * self.bends + 0.1 * (-2.0 * self.turn[:, None]) + rng.normal(0, 0.04, self.bends.shape)
            self.bends = np.clip(self.bends, -0.6, 0.6)
        return np.stack([spine_points(self.head[a], self.heading[a], self.bends[a], self.geometry.segment)
                         for a in range(self.n_animals)])

    def _huddle_step(self) -> None:
        """Huddling: each head walks to its slot, then jostles there (slow, small turns)."""
        rng = self.rng
        for a in range(self.n_animals):
            d = self._huddle_target(a) - self.head[a]
            dist = float(np.hypot(*d))
            desired = np.arctan2(d[1], d[0])
            diff = (desired - self.heading[a] + np.pi) % (2 * np.pi) - np.pi
            self.turn[a] = 0.85 * self.turn[a] + rng.normal(0, 0.03)
            if dist > 0.1 * self.body_length:
                self.heading[a] += float(np.clip(self.turn[a] + 0.3 * diff, -0.12, 0.12))
            else:
                self.heading[a] += float(np.clip(self.turn[a], -0.05, 0.05))
            goal = min(dist * 0.15, 1.5 * self.mean_speed)
            self.speed[a] += 0.3 * (goal - self.speed[a]) + rng.normal(0, 0.03 * self.mean_speed)
            self.speed[a] = np.clip(self.speed[a], 0.0, 2.0 * self.mean_speed)
            self.head[a] += self.speed[a] * np.array([np.cos(self.heading[a]), np.sin(self.heading[a])])
        self._keep_bodies_apart()
        self.head = np.clip(self.head, [self.margin, self.margin], [self.width - self.margin, self.height - self.margin])

    def _keep_bodies_apart(self, min_gap: float = 0.3) -> None:
        """Bodies touch but do not pass through each other: body centres stay ``min_gap`` body lengths apart."""
        for _ in range(3):
            centre = np.stack([spine_points(self.head[a], self.heading[a], self.bends[a], self.geometry.segment).mean(0)
                               for a in range(self.n_animals)])
            for a in range(self.n_animals):
                for b in range(a + 1, self.n_animals):
                    d = centre[a] - centre[b]
                    dist = float(np.hypot(*d))
                    deficit = min_gap * self.body_length - dist
                    if deficit > 0:
                        push = 0.5 * deficit * (d / dist if dist > 1e-6 else np.array([1.0, 0.0]))
                        self.head[a] += push
                        self.head[b] -= push
                        centre[a] += push
                        centre[b] -= push

    def _free_step(self) -> None:
        """Walking: wander, avoid walls, now and then head for another animal."""
        rng = self.rng
        for a in range(self.n_animals):
            if self.n_animals > 1:
                if self.target[a] < 0 and rng.random() < 0.02 * self.interaction:
                    others = [b for b in range(self.n_animals) if b != a]
                    self.target[a] = int(rng.choice(others))
                elif self.target[a] >= 0 and rng.random() < 0.03:
                    self.target[a] = -1
            self.turn[a] = 0.85 * self.turn[a] + rng.normal(0, 0.04)
            # limited turning rate: the tail swings at most ~body length x 0.12 px per frame
            self.heading[a] += float(np.clip(self.turn[a] + self._steer(a), -0.12, 0.12))
            self.speed[a] += 0.1 * (self.mean_speed - self.speed[a]) + rng.normal(0, 0.08 * self.mean_speed)
            self.speed[a] = np.clip(self.speed[a], 0.1 * self.mean_speed, 2.5 * self.mean_speed)
            self.head[a] += self.speed[a] * np.array([np.cos(self.heading[a]), np.sin(self.heading[a])])
            self.head[a] = np.clip(self.head[a], [self.margin, self.margin],
                                   [self.width - self.margin, self.height - self.margin])


def _segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of each of ``points`` ``(P, 2)`` to each segment ``a[i]-b[i]`` ``(S, 2)`` -> ``(P, S)``."""
    ab = b - a
    ap = points[:, None, :] - a[None, :, :]
    denom = np.maximum((ab ** 2).sum(-1), 1e-12)
    t = np.clip((ap * ab[None]).sum(-1) / denom, 0.0, 1.0)
    closest = a[None] + t[..., None] * ab[None]
    return np.linalg.norm(points[:, None, :] - closest, axis=-1)


def visibility(poses_t: np.ndarray, skeleton: list[tuple[int, int]], geometry: BodyGeometry,
               occluders: np.ndarray | None = None, landmarks: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Which body parts of one frame are visible in the rendering.

    ``poses_t`` ``(A, K, 2)``; animal ``a`` is hidden where an animal drawn later (``b > a``) covers
    the centre of its dot with body or dots. ``occluders`` ``(n, 4)`` rectangles ``x1, y1, x2, y2``
    drawn over everything. ``landmarks`` ``(U, 2)`` are drawn under all animals.
    Returns ``(visible (A, K) bool, landmark_visible (U,) bool)``.
    """
    n_animals, n_parts = poses_t.shape[:2]
    visible = np.ones((n_animals, n_parts), dtype=bool)
    cover = geometry.limb_width / 2 + 0.5
    dot = geometry.blob_radius + 0.5

    def covered_by(points: np.ndarray, b: int) -> np.ndarray:
        hit = np.linalg.norm(points[:, None] - poses_t[b][None], axis=-1).min(1) < dot
        if skeleton:
            edges = np.asarray(skeleton)
            hit |= _segment_distance(points, poses_t[b][edges[:, 0]], poses_t[b][edges[:, 1]]).min(1) < cover
        return hit

    for a in range(n_animals):
        for b in range(a + 1, n_animals):
            visible[a] &= ~covered_by(poses_t[a], b)
    lm_visible = np.ones(0 if landmarks is None else len(landmarks), dtype=bool)
    if landmarks is not None and len(landmarks):
        for b in range(n_animals):
            lm_visible &= ~covered_by(landmarks, b)
    if occluders is not None and len(occluders):
        def inside(points: np.ndarray) -> np.ndarray:
            x, y = points[..., 0], points[..., 1]
            hit = np.zeros(points.shape[:-1], dtype=bool)
            for x1, y1, x2, y2 in occluders:
                hit |= (x >= x1) & (x <= x2) & (y >= y1) & (y <= y2)
            return hit

        visible &= ~inside(poses_t)
        if landmarks is not None and len(landmarks):
            lm_visible &= ~inside(landmarks)
    return visible, lm_visible


def chain_skeleton(n_bodyparts: int) -> list[tuple[int, int]]:
    """Edges ``(k, k+1)`` of the spine chain (body part 0 = head)."""
    return [(k, k + 1) for k in range(n_bodyparts - 1)]


def simulate_poses(n_animals: int = 3, n_bodyparts: int = 4, n_frames: int = 200,
                   size: tuple[int, int] = (160, 120), seed: int = 0, speed: float | None = None,
                   interaction: float = 0.5, occluders: np.ndarray | None = None,
                   landmarks: np.ndarray | None = None, scale: float = 1.0,
                   huddle: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Poses ``(n_frames, n_animals, n_bodyparts, 2)`` (x, y pixels) and visibility ``(n_frames, n_animals, n_bodyparts)``.

    Deterministic from ``seed``. ``huddle`` (0..1): fraction of time spent huddling (see
    :class:`PoseSimulator`). Visibility accounts for animals drawn over each other (higher
    index on top), for ``occluders`` rectangles ``(n, 4)`` and ignores landmarks' own visibility
    (see :func:`visibility` for that).
    """
    sim = PoseSimulator(n_animals, n_bodyparts, size, seed=seed, speed=speed, interaction=interaction, scale=scale,
                        huddle=huddle)
    skeleton = chain_skeleton(n_bodyparts)
    poses = np.empty((n_frames, n_animals, n_bodyparts, 2))
    visible = np.empty((n_frames, n_animals, n_bodyparts), dtype=bool)
    for t in range(n_frames):
        poses[t] = sim.step()
        visible[t] = visibility(poses[t], skeleton, sim.geometry, occluders, landmarks)[0]
    return poses, visible
