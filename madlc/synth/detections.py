"""Synthetic ground-truth poses and a detector-like degradation, for tests and benchmarks.

:func:`simulate_poses` moves ``n`` animals (6-keypoint bodies of different sizes)
around an arena with correlated random walks and frequent chases, so that they
approach, touch and cross each other. :func:`degrade` turns the ground truth into
what an assembler hands a tracker: jittered keypoints, dropped parts, animals
missed for runs of frames (occlusion), parts given to the wrong animal when animals
are close, false partial animals, imperfect identity predictions and a shuffled
order of animals in every frame.

    >>> gt = simulate_poses(3, 500, seed=0)            # (500, 3, 6, 2)
    >>> det = degrade(gt, NoiseLevel.moderate(), seed=0)
    >>> det.assemblies[10].shape[1:]                  # frame -> (n_animals, 6, 4)
    (6, 4)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BODYPARTS = ("snout", "leftear", "rightear", "neck", "spine", "tailbase")
# keypoint layout along the body (fraction of body length forward, fraction sideways)
_LAYOUT = np.array([[0.50, 0.0], [0.33, 0.12], [0.33, -0.12], [0.22, 0.0], [-0.05, 0.0], [-0.45, 0.0]])


def simulate_poses(n_animals: int, n_frames: int, seed: int = 0, arena: tuple[float, float] = (640.0, 480.0),
                   body_length: tuple[float, float] = (40.0, 60.0), mean_speed: float = 3.0,
                   chase_rate: float = 0.01, cross_rate: float = 0.004) -> np.ndarray:
    """Ground-truth poses (n_frames, n_animals, 6, 2) of animals walking, resting, chasing and crossing.

    Animals wander (correlated random walk, walls avoided) and keep a body length
    apart, except that each frame an animal may start to chase another
    (``chase_rate``: follows it closely for 20-80 frames) or to cross it
    (``cross_rate``: runs straight over it, as when one mouse climbs over another,
    so that the two bodies overlap for a few frames). The arena grows with the
    number of animals to keep the density lab-like.
    """
    rng = np.random.default_rng(seed)
    w, h = arena
    grow = np.sqrt(max(n_animals, 3) / 3)
    w, h = w * grow, h * grow
    length = rng.uniform(*body_length, n_animals)
    pos = np.column_stack([rng.uniform(0.15 * w, 0.85 * w, n_animals), rng.uniform(0.15 * h, 0.85 * h, n_animals)])
    heading = rng.uniform(-np.pi, np.pi, n_animals)
    speed = rng.uniform(0.5, 1.5, n_animals) * mean_speed
    turn = np.zeros(n_animals)
    target = np.full(n_animals, -1)
    mode = np.zeros(n_animals, int)  # 0 wander, 1 chase, 2 cross
    left = np.zeros(n_animals, int)
    cross_heading = np.zeros(n_animals)
    out = np.zeros((n_frames, n_animals, len(_LAYOUT), 2))
    for f in range(n_frames):
        for a in range(n_animals):
            others = [b for b in range(n_animals) if b != a]
            if mode[a] == 0 and others:
                r = rng.random()
                if r < chase_rate:
                    mode[a], target[a], left[a] = 1, rng.choice(others), rng.integers(20, 80)
                elif r < chase_rate + cross_rate:
                    b = others[int(np.argmin([np.linalg.norm(pos[b] - pos[a]) for b in others]))]
                    d = pos[b] - pos[a]
                    ahead = abs(np.angle(np.exp(1j * (np.arctan2(d[1], d[0]) - heading[a])))) < np.pi / 3
                    if np.linalg.norm(d) < 6 * length[a] and ahead:
                        mode[a], target[a] = 2, b
                        left[a] = int(np.linalg.norm(d) / (1.8 * mean_speed) + 2 * length[a] / (1.8 * mean_speed))
                        cross_heading[a] = np.arctan2(d[1], d[0])
            desired, slow = None, 1.0
            if mode[a] == 1:
                tb = target[a]
                behind = pos[tb] - 0.9 * length[tb] * np.array([np.cos(heading[tb]), np.sin(heading[tb])])
                d = behind - pos[a]
                desired = np.arctan2(d[1], d[0])
            if mode[a] != 2:  # keep a body length from the others (crossers ignore this)
                for b in others:
                    d = pos[a] - pos[b]
                    dist = np.linalg.norm(d)
                    if dist < 0.8 * (length[a] + length[b]) / 2 and not (mode[b] == 2 and target[b] == a):
                        desired, slow = np.arctan2(d[1], d[0]), 0.5
            margin = 1.2 * length[a]
            if not (margin < pos[a, 0] < w - margin and margin < pos[a, 1] < h - margin):
                c = np.array([w / 2, h / 2]) - pos[a]
                desired = np.arctan2(c[1], c[0])
            if mode[a] == 2:  # steer onto the crossing line, then run straight
                turn[a] = np.clip(np.angle(np.exp(1j * (cross_heading[a] - heading[a]))), -0.15, 0.15)
            else:
                turn[a] = 0.85 * turn[a] + rng.normal(0, 0.04)
                if desired is not None:
                    turn[a] += 0.12 * np.angle(np.exp(1j * (desired - heading[a])))
                turn[a] = np.clip(turn[a], -0.3, 0.3)
            heading[a] += turn[a]
            base = mean_speed * (1.8 if mode[a] else 1.0) * slow
            speed[a] = np.clip(0.9 * speed[a] + 0.1 * base + rng.normal(0, 0.3), 0.0, 3 * mean_speed)
            if mode[a] == 2:
                speed[a] = 1.8 * mean_speed
            elif rng.random() < 0.003:  # sudden rest
                speed[a] = 0.0
            if mode[a]:
                left[a] -= 1
                if left[a] <= 0:
                    mode[a] = 0
            pos[a] += speed[a] * np.array([np.cos(heading[a]), np.sin(heading[a])])
            pos[a] = np.clip(pos[a], 0.5 * length[a], [w - 0.5 * length[a], h - 0.5 * length[a]])
            fwd = np.array([np.cos(heading[a]), np.sin(heading[a])])
            side = np.array([-fwd[1], fwd[0]])
            bend = -turn[a] * 1.5  # the tail lags behind the turn
            lay = _LAYOUT * length[a]
            out[f, a] = pos[a] + lay[:, :1] * fwd + (lay[:, 1:] + bend * lay[:, :1] ** 2 / length[a]) * side
    return out


def crossing_events(gt: np.ndarray, distance: float | None = None) -> int:
    """Number of times two animals' centres come closer than ``distance`` (default: a third of a body length)."""
    c = gt.mean(2)
    n = gt.shape[1]
    if distance is None:
        distance = float(np.median(np.linalg.norm(gt[:, :, 0] - gt[:, :, -1], axis=-1))) / 3
    events = 0
    for a in range(n):
        for b in range(a + 1, n):
            close = np.linalg.norm(c[:, a] - c[:, b], axis=-1) < distance
            events += int(np.sum(np.diff(close.astype(int)) == 1) + close[0])
    return events


@dataclass
class NoiseLevel:
    """How badly the simulated detector behaves."""

    jitter: float = 2.0  # px std per keypoint
    outlier_rate: float = 0.01  # keypoints with 5x jitter
    drop_rate: float = 0.1  # missing keypoints
    occlusion_rate: float = 1 / 400  # per animal and frame: an occlusion starts
    occlusion_frames: tuple[int, int] = (5, 40)
    swap_rate: float = 0.05  # per keypoint when two animals are within a body length
    false_rate: float = 0.05  # per frame: a false partial animal
    identity_accuracy: float = 0.85  # per keypoint
    miss_rate: float = 0.0  # per animal and frame: the animal is missed in this one frame
    identities: bool = True  # False: look-alike animals, no identity predictions (identity -1)

    @classmethod
    def clean(cls) -> "NoiseLevel":
        return cls(0.5, 0.0, 0.0, 0.0, (5, 40), 0.0, 0.0, 1.0)

    @classmethod
    def moderate(cls) -> "NoiseLevel":
        return cls()

    @classmethod
    def hard(cls) -> "NoiseLevel":
        return cls(4.0, 0.03, 0.25, 1 / 150, (5, 40), 0.15, 0.2, 0.7)


@dataclass
class Detections:
    """A degraded copy of the ground truth."""

    assemblies: dict[int, np.ndarray]  # frame -> (n, k, 4) x, y, likelihood, identity
    visible: np.ndarray  # (n_frames, n_animals) bool, False while the animal is occluded
    identity_source: np.ndarray | None = None


def degrade(gt: np.ndarray, noise: NoiseLevel | None = None, seed: int = 0) -> Detections:
    """Detector-like detections of ground-truth poses (n_frames, n_animals, k, 2)."""
    noise = noise or NoiseLevel()
    rng = np.random.default_rng(seed)
    n_frames, n_animals, k, _ = gt.shape
    visible = np.ones((n_frames, n_animals), bool)
    for a in range(n_animals):
        f = 0
        while f < n_frames:
            if rng.random() < noise.occlusion_rate:
                run = int(rng.integers(noise.occlusion_frames[0], noise.occlusion_frames[1] + 1))
                visible[f : f + run, a] = False
                f += run + 1
            else:
                f += 1
    if noise.miss_rate > 0:
        visible &= rng.random((n_frames, n_animals)) >= noise.miss_rate
    visible &= np.isfinite(gt).all(-1).any(-1)  # real trajectories: an animal with no keypoint is absent
    sizes = np.linalg.norm(gt[:, :, 0] - gt[:, :, -1], axis=-1)  # snout-tail length per frame
    sizes = sizes[np.isfinite(sizes)]
    scale = float(np.median(sizes)) if sizes.size else 50.0
    assemblies: dict[int, np.ndarray] = {}
    for f in range(n_frames):
        xy = gt[f] + rng.normal(0, noise.jitter, gt[f].shape)
        outl = rng.random((n_animals, k)) < noise.outlier_rate
        xy[outl] += rng.normal(0, 5 * noise.jitter, (outl.sum(), 2))
        conf = rng.uniform(0.6, 1.0, (n_animals, k))
        ids = np.repeat(np.arange(n_animals)[:, None], k, 1).astype(float)
        wrong = rng.random((n_animals, k)) > noise.identity_accuracy
        if n_animals > 1 and wrong.any():
            other = (ids[wrong] + rng.integers(1, n_animals, wrong.sum())) % n_animals
            ids[wrong] = other
        # parts given to the wrong animal when two animals are close
        if noise.swap_rate > 0 and n_animals > 1:
            cent = np.nanmean(gt[f], 1)
            for a in range(n_animals):
                for b in range(a + 1, n_animals):
                    if np.linalg.norm(cent[a] - cent[b]) < scale:
                        sw = rng.random(k) < noise.swap_rate
                        if sw.any():
                            xy[a, sw], xy[b, sw] = xy[b, sw].copy(), xy[a, sw].copy()
                            ids[a, sw], ids[b, sw] = ids[b, sw].copy(), ids[a, sw].copy()
        drop = rng.random((n_animals, k)) < noise.drop_rate
        xy[drop] = np.nan
        if not noise.identities:
            ids[:] = -1.0
        rows = np.concatenate([xy, conf[..., None], ids[..., None]], -1)
        rows[drop, 2:] = np.nan
        rows = rows[visible[f]]
        if rng.random() < noise.false_rate:
            false = np.full((1, k, 4), np.nan)
            n_parts = int(rng.integers(1, 4))
            parts = rng.choice(k, n_parts, replace=False)
            if rng.random() < 0.5:  # a fragment near a real animal
                anchor = np.nanmean(gt[f, rng.integers(n_animals)], 0) + rng.normal(0, 0.6 * scale, 2)
            else:
                anchor = rng.uniform(0, np.nanmax(gt[..., 0]), 2)
            if not np.isfinite(anchor).all():
                anchor = rng.uniform(0, np.nanmax(gt[..., 0]), 2)
            false[0, parts, :2] = anchor + rng.normal(0, 0.3 * scale, (n_parts, 2))
            false[0, parts, 2] = rng.uniform(0.2, 0.8, n_parts)
            false[0, parts, 3] = rng.integers(0, n_animals, n_parts) if noise.identities else -1
            rows = np.concatenate([rows, false])
        keep = np.isfinite(rows[..., 0]).any(1)
        rows = rows[keep][rng.permutation(int(keep.sum()))]
        assemblies[f] = rows
    return Detections(assemblies, visible)


def ground_truth_tracks(gt: np.ndarray, visible: np.ndarray | None = None) -> np.ndarray:
    """(n_frames, n_animals, k, 2) -> (n_frames, n_animals, k, 3) with likelihood 1, NaN where not visible."""
    out = np.concatenate([gt, np.ones(gt.shape[:-1] + (1,))], -1)
    if visible is not None:
        out[~visible] = np.nan
    return out
