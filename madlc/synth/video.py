"""Synthetic videos: simulate, render and write frame by frame (memory independent of length).

:class:`SynthScene` fixes everything static about a video (size, animals, colours, background,
landmarks, occluders, seed); :func:`write_synthetic_video` streams its frames into a file and
returns the ground truth (:class:`SynthTruth`: poses and visibility of every frame, a few bytes
per animal and frame).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from madlc.synth.motion import BodyGeometry, PoseSimulator, chain_skeleton, visibility
from madlc.synth.render import Appearance, make_background, render_frame


def parse_size(size: str | tuple[int, int] | list[int]) -> tuple[int, int]:
    """``"160x120"`` or ``(160, 120)`` -> ``(width, height)``; ValueError naming the bad value."""
    if isinstance(size, str):
        parts = size.lower().replace("*", "x").split("x")
        try:
            width, height = (int(p) for p in parts)
        except ValueError:
            raise ValueError(f"size {size!r} is not WIDTHxHEIGHT (e.g. 160x120)") from None
    else:
        width, height = (int(v) for v in size)
    if width < 32 or height < 32:
        raise ValueError(f"size {width}x{height} is too small: use at least 32x32 pixels")
    return width, height


@dataclass
class SynthScene:
    """Everything static about one synthetic video; frames come from :meth:`frames`."""

    n_animals: int = 3
    n_bodyparts: int = 4
    size: tuple[int, int] = (160, 120)
    seed: int = 0
    identity: bool = False
    n_landmarks: int = 0
    occlusion: bool = False
    noise: float = 4.0
    interaction: float = 0.5
    scale: float = 1.0
    landmarks: np.ndarray = field(init=False)
    occluders: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.size = parse_size(self.size)
        width, height = self.size
        rng = np.random.default_rng(self.seed + 104729)
        self.geometry = BodyGeometry.for_size(self.size, self.n_bodyparts, self.scale)
        self.skeleton = chain_skeleton(self.n_bodyparts)
        self.appearance = Appearance.make(self.n_animals, self.n_bodyparts, self.identity, self.n_landmarks)
        self.background = make_background(self.size, self.seed)
        pad = 3 * self.geometry.blob_radius + 2
        self.landmarks = np.column_stack([rng.uniform(pad, width - pad, self.n_landmarks),
                                          rng.uniform(pad, height - pad, self.n_landmarks)]) \
            if self.n_landmarks else np.zeros((0, 2))
        if self.occlusion:
            w, h = 0.16 * width, 0.3 * height
            x1 = rng.uniform(0.2 * width, 0.8 * width - w)
            y1 = rng.uniform(0.2 * height, 0.8 * height - h)
            self.occluders = np.array([[x1, y1, x1 + w, y1 + h]])
        else:
            self.occluders = np.zeros((0, 4))

    def frames(self, n_frames: int):
        """Yield ``(t, rgb_frame, poses_t (A, K, 2), visible_t (A, K), landmark_visible_t (U,))``."""
        sim = PoseSimulator(self.n_animals, self.n_bodyparts, self.size, seed=self.seed,
                            interaction=self.interaction, scale=self.scale)
        noise_rng = np.random.default_rng(self.seed + 15485863)
        for t in range(n_frames):
            poses_t = sim.step()
            vis, lm_vis = visibility(poses_t, self.skeleton, self.geometry, self.occluders, self.landmarks)
            img = render_frame(poses_t, self.size, self.appearance, self.skeleton, self.geometry, self.background,
                               self.landmarks if self.n_landmarks else None,
                               self.occluders if len(self.occluders) else None, self.noise, noise_rng)
            yield t, img, poses_t, vis, lm_vis


@dataclass
class SynthTruth:
    """Ground truth of a synthetic video.

    ``poses`` ``(n_frames, n_animals, n_bodyparts, 2)``, ``visible`` ``(n_frames, n_animals, n_bodyparts)``,
    ``landmarks`` ``(n_landmarks, 2)`` (fixed), ``landmark_visible`` ``(n_frames, n_landmarks)``.
    """

    poses: np.ndarray
    visible: np.ndarray
    landmarks: np.ndarray
    landmark_visible: np.ndarray


def write_synthetic_video(path: str | Path, n_animals: int = 3, n_bodyparts: int = 4, n_frames: int = 200,
                          size: str | tuple[int, int] = (160, 120), fps: float = 30.0, seed: int = 0,
                          identity: bool = False, n_landmarks: int = 0, occlusion: bool = False,
                          noise: float = 4.0, codec: str = "mp4v", keep_frames: list[int] | None = None,
                          progress: bool = False) -> tuple[SynthTruth, dict[int, np.ndarray]]:
    """Render and write a synthetic video, streamed; return its ground truth and the frames asked for.

    ``keep_frames``: indices whose clean rendered RGB frames are returned in the dict (e.g. to save
    as labeled-data images). Memory: one frame plus the poses (2 floats per part and frame).
    """
    from madlc.video.writer import VideoWriter

    scene = SynthScene(n_animals, n_bodyparts, size, seed, identity, n_landmarks, occlusion, noise)
    keep = set(keep_frames or [])
    poses = np.empty((n_frames, n_animals, n_bodyparts, 2))
    visible = np.empty((n_frames, n_animals, n_bodyparts), dtype=bool)
    lm_visible = np.empty((n_frames, n_landmarks), dtype=bool)
    kept: dict[int, np.ndarray] = {}
    iterator = scene.frames(n_frames)
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, total=n_frames, desc=f"synth {Path(path).name}", unit="frame")
    with VideoWriter(path, fps, scene.size, codec=codec) as writer:
        for t, img, poses_t, vis, lm_vis in iterator:
            writer.write(img)
            poses[t], visible[t], lm_visible[t] = poses_t, vis, lm_vis
            if t in keep:
                kept[t] = img
    return SynthTruth(poses, visible, scene.landmarks.copy(), lm_visible), kept
