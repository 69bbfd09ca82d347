"""``track_method: auto``: the tracker and its settings chosen per video, without ground truth.

The choice rests on one quantity measured on the assemblies: ``crowding``, the fraction of
animals (over all frames) whose centre is closer than one body length (keypoint box diagonal)
to another animal's. Measured on benchmarks/huddle.py and benchmarks/tracking.py:

- the skeleton tracker (whole-pose OKS on a Kalman-filtered pose) is the best or within
  noise of the best of box / ellipse / skeleton on sparse and crowded scenes alike, and on
  the demo's held-out videos (README), so ``auto`` always uses it;
- on sparse scenes (animals meet now and then, crowding well below one half) cutting tracks
  where two animals are equally similar (``ambiguity_margin``) lets the stitcher resolve
  crossings with whole trajectories;
- in crowds (crowding >= ``CROWDED``) those cuts (at the default margin 0.1) fire in nearly
  every frame and leave the stitcher thousands of one-frame pieces; there ``auto`` cuts only
  where two animals are nearly equally similar (``ambiguity_margin`` 0.03) and compares poses
  more strictly (``oks_sigma`` 0.2): tracks then end rather than jump to a touching neighbour,
  and the stitcher joins the (pure) pieces. Measured on benchmarks/huddle.py (3/4/6 animals,
  seeds 0-9): with no cuts (margin 0) the tracker follows a touching neighbour when an animal
  is missed for a frame (easy level: IDF1 0.81 / 0.86 / 0.86 on three scenes); margin 0.03
  holds 29 of the 30 easy scenes at 1.000 (mean 0.991 vs 0.976) and leaves the hard level
  where it was (mean 0.879 vs 0.881: more pieces, more joins to guess); 0.08-0.1 cut too
  often (a hard scene of seed 1 drops to 0.74); ``ambiguity_mode: coast`` instead of a cut
  is worse (easy 0.961);
- in both cases the stitcher judges a gap by how far this video's animals typically move in
  that many frames (``gap_motion: measured``; resting, huddling animals stay put).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from madlc.core.tracking.similarity import pose_centroids, pose_scales

#: the tracker auto picks on every video (its files carry this tracker's suffix: ``_sk``)
PICKED_TRACKER = "skeleton"
#: crowding (fraction of animals within a body length of another) from which a video is crowded
CROWDED = 0.5
#: settings auto uses on crowded videos
CROWD_SETTINGS = {"ambiguity_margin": 0.03, "oks_sigma": 0.2}
#: stitcher settings auto uses on every video (read back by the stitch stage from the tracker's note)
STITCH_SETTINGS = {"gap_motion": "measured"}


@dataclass
class TrackerChoice:
    """What ``auto`` picked, with the measured reason."""

    method: str
    settings: dict[str, Any] = field(default_factory=dict)
    crowding: float = 0.0
    reason: str = ""


def crowding(assemblies: Mapping[Any, np.ndarray], pcutoff: float = 0.1, max_frames: int = 5000) -> float:
    """Fraction of animals (over frames with 2+ animals) whose centre is within one body size of another's.

    Body size: the median keypoint-box diagonal of all assembled animals. At most
    ``max_frames`` frames, evenly spaced, are looked at.
    """
    frames = [f for f in assemblies if isinstance(f, (int, np.integer))]
    if not frames:
        return 0.0
    if len(frames) > max_frames:
        frames = [frames[i] for i in np.linspace(0, len(frames) - 1, max_frames).astype(int)]
    centres, sizes = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for f in frames:
            arr = np.asarray(assemblies[f], float)
            if arr.ndim != 3 or len(arr) == 0:
                centres.append(np.zeros((0, 2)))
                continue
            xy = arr[..., :2].copy()
            if arr.shape[-1] > 2:
                xy[~(arr[..., 2] >= pcutoff)] = np.nan
            # animals with at least half their parts: fragments and false animals do not count
            whole = np.isfinite(xy).all(-1).sum(1) >= max(2, xy.shape[1] // 2)
            xy = xy[whole]
            centres.append(pose_centroids(xy) if len(xy) else np.zeros((0, 2)))
            if len(xy):
                sizes.append(pose_scales(xy, minimum=0.0))
    size = np.concatenate(sizes) if sizes else np.zeros(0)
    size = size[size > 0]
    if not len(size):
        return 0.0
    body = float(np.median(size))
    counted = crowded = 0
    for c in centres:
        c = c[np.isfinite(c).all(1)]
        if len(c) < 2:
            continue
        counted += len(c)
        d = np.linalg.norm(c[:, None] - c[None], axis=-1)
        d[np.arange(len(c)), np.arange(len(c))] = np.inf
        crowded += int((d.min(1) < body).sum())
    return crowded / counted if counted else 0.0


def choose_tracker(assemblies: Mapping[Any, np.ndarray], pcutoff: float = 0.1) -> TrackerChoice:
    """The tracker and settings ``auto`` uses for these assemblies (see the module doc)."""
    crowd = crowding(assemblies, pcutoff)
    if crowd >= CROWDED:
        return TrackerChoice(PICKED_TRACKER, {**CROWD_SETTINGS, **STITCH_SETTINGS}, crowd,
                             f"crowded: {100 * crowd:.0f}% of the animals within a body length of another "
                             f"(>= {100 * CROWDED:.0f}%): skeleton tracker, strict pose matching "
                             f"(oks_sigma {CROWD_SETTINGS['oks_sigma']}), ambiguity cuts only below a margin of "
                             f"{CROWD_SETTINGS['ambiguity_margin']}, gap spread measured on the video")
    return TrackerChoice(PICKED_TRACKER, dict(STITCH_SETTINGS), crowd,
                         f"sparse: {100 * crowd:.0f}% of the animals within a body length of another "
                         f"(< {100 * CROWDED:.0f}%): skeleton tracker, gap spread measured on the video")
