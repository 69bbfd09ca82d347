"""Synthetic ground truth as DeepLabCut files: CollectedData labels and tracks-layout ``.h5``.

Labels (FORMATS.md §3): visible parts get their exact position, hidden parts NaN (what a human
labeler would do). Ground-truth tracks (FORMATS.md §7.3 layout, scorer ``groundtruth``):
x, y of every part in every frame, likelihood 1.0 where the part is visible in the video and
0.0 where it is hidden (its true position is still given; ``hidden="nan"`` blanks it instead).
Files are written by ``madlc.io`` (``write_labels``, ``write_tracks``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

GROUND_TRUTH_SCORER = "groundtruth"
LEVELS = ["scorer", "individuals", "bodyparts", "coords"]


def _columns(scorer: str, individuals: Sequence[str], bodyparts: Sequence[str], unique: Sequence[str],
             coords: Sequence[str], multianimal: bool) -> pd.MultiIndex:
    bodyparts = [b for b in bodyparts if b not in set(unique)]  # unique parts may or may not be listed
    if not multianimal:
        tuples = [(scorer, b, c) for b in list(bodyparts) + list(unique) for c in coords]
        return pd.MultiIndex.from_tuples(tuples, names=["scorer", "bodyparts", "coords"])
    tuples = [(scorer, i, b, c) for i in individuals for b in bodyparts for c in coords]
    tuples += [(scorer, "single", b, c) for b in unique for c in coords]
    return pd.MultiIndex.from_tuples(tuples, names=LEVELS)


def _values(poses: np.ndarray, visible: np.ndarray, landmarks: np.ndarray | None,
            landmark_visible: np.ndarray | None, likelihood: bool, hidden: str) -> np.ndarray:
    """Rows ``(n, n_columns)`` in column order: animals x parts x coords, then landmarks."""
    n, n_animals, n_parts = poses.shape[:3]
    xy = poses.astype(np.float64).copy()
    vis = visible.astype(bool)
    if hidden == "nan" or not likelihood:
        xy[~vis] = np.nan
    blocks = [xy]
    if likelihood:
        blocks.append(vis[..., None].astype(np.float64))
    values = np.concatenate(blocks, axis=-1).reshape(n, -1)
    if landmarks is not None and len(landmarks):
        lm = np.broadcast_to(np.asarray(landmarks, np.float64), (n,) + np.shape(landmarks)).copy()
        lvis = np.ones(lm.shape[:2], bool) if landmark_visible is None else landmark_visible.astype(bool)
        if hidden == "nan" or not likelihood:
            lm[~lvis] = np.nan
        lblocks = [lm] + ([lvis[..., None].astype(np.float64)] if likelihood else [])
        values = np.concatenate([values, np.concatenate(lblocks, axis=-1).reshape(n, -1)], axis=1)
    return values


def labels_frame(poses: np.ndarray, visible: np.ndarray, scorer: str, individuals: Sequence[str],
                 bodyparts: Sequence[str], index: Sequence[tuple[str, str, str]],
                 landmarks: np.ndarray | None = None, landmark_visible: np.ndarray | None = None,
                 unique_bodyparts: Sequence[str] = (), multianimal: bool = True) -> pd.DataFrame:
    """CollectedData DataFrame for labeled frames: ``poses`` ``(n_images, A, K, 2)``, NaN where not visible."""
    values = _values(poses, visible, landmarks, landmark_visible, likelihood=False, hidden="nan")
    cols = _columns(scorer, individuals, bodyparts, unique_bodyparts, ("x", "y"), multianimal)
    return pd.DataFrame(values, index=pd.MultiIndex.from_tuples(list(index)), columns=cols)


def tracks_frame(poses: np.ndarray, visible: np.ndarray, individuals: Sequence[str], bodyparts: Sequence[str],
                 landmarks: np.ndarray | None = None, landmark_visible: np.ndarray | None = None,
                 unique_bodyparts: Sequence[str] = (), scorer: str = GROUND_TRUTH_SCORER,
                 hidden: str = "keep", multianimal: bool = True) -> pd.DataFrame:
    """Tracks-layout DataFrame ``(n_frames, ...)`` with x, y, likelihood (1 visible / 0 hidden)."""
    if hidden not in ("keep", "nan"):
        raise ValueError(f"hidden must be 'keep' or 'nan', got {hidden!r}")
    values = _values(poses, visible, landmarks, landmark_visible, likelihood=True, hidden=hidden)
    cols = _columns(scorer, individuals, bodyparts, unique_bodyparts, ("x", "y", "likelihood"), multianimal)
    return pd.DataFrame(values, index=pd.Index(np.arange(len(poses), dtype=np.int64)), columns=cols)


def write_labels_file(df: pd.DataFrame, path: str | Path) -> Path:
    """Write CollectedData ``.h5`` + ``.csv`` with :func:`madlc.io.write_labels` (DeepLabCut's layout)."""
    from madlc.io import write_labels

    return Path(write_labels(df, Path(path).with_suffix(".h5")))


def write_ground_truth_tracks(path: str | Path, poses: np.ndarray, visible: np.ndarray, individuals: Sequence[str],
                              bodyparts: Sequence[str], landmarks: np.ndarray | None = None,
                              landmark_visible: np.ndarray | None = None, unique_bodyparts: Sequence[str] = (),
                              scorer: str = GROUND_TRUTH_SCORER, hidden: str = "keep",
                              multianimal: bool = True) -> Path:
    """Write ground-truth tracks ``.h5`` in the stitched-tracks layout (FORMATS.md §7.3).

    ``poses`` ``(n_frames, n_animals, n_bodyparts, 2)``, ``visible`` ``(n_frames, n_animals, n_bodyparts)``;
    ``bodyparts`` names axis 2 of ``poses`` (the per-animal parts; unique parts listed there are ignored);
    ``landmarks`` ``(n_unique, 2)`` fixed positions of the ``unique_bodyparts`` (under individual ``single``).
    likelihood = 1.0 where visible, 0.0 where hidden (``hidden="nan"``: NaN x, y instead).
    """
    df = tracks_frame(poses, visible, individuals, bodyparts, landmarks, landmark_visible, unique_bodyparts,
                      scorer, hidden, multianimal)
    from madlc.io import write_tracks

    return Path(write_tracks(df, Path(path)))


def read_ground_truth_poses(path: str | Path) -> tuple[np.ndarray, list[str], list[str]]:
    """The visible ground truth of a synthetic video: ``(poses, individuals, bodyparts)``.

    ``poses`` ``(n_frames, n_animals, n_bodyparts, 2)``: x, y of the multi-animal parts, NaN where
    the part is hidden in the video (what a detector could find). Unique parts are left out.
    """
    from madlc.io import read_tracks, tracks_to_array

    arr, _, individuals, bodyparts = tracks_to_array(read_tracks(Path(path)))
    animals = [k for k, name in enumerate(individuals) if name != "single"]
    arr = arr[:, animals]
    poses = arr[..., :2].copy()
    poses[~(arr[..., 2] > 0)] = np.nan
    return poses, [individuals[k] for k in animals], list(bodyparts)
