"""Labels for training: merge a project's CollectedData files, turn them into keypoint arrays.

Array contract used by the whole training pipeline (and by evaluation):

``keypoints``: float64 array ``(n_images, n_slots, n_joints, 2)`` of image pixel coordinates
(x right, y down, DeepLabCut's convention), NaN = not labeled, where

* joints = ``multianimalbodyparts + uniquebodyparts`` (DeepLabCut's ``all_joints_names``);
* slots = ``individuals`` in config order, then one ``single`` slot when unique body parts exist.
  Individuals carry only multi-animal joints (unique joints NaN); ``single`` carries only unique
  joints (multi-animal joints NaN).

:func:`merge_labels` reproduces DeepLabCut's merge (FORMATS.md §4.1): the train/test indices of a
shuffle are integer row positions in this merged, sorted frame.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from madlc.errors import FormatError, file_error
from madlc.io.labels import LEVELS, read_labels
from madlc.project import paths


def read_label_file(path: str | Path) -> pd.DataFrame:
    """One CollectedData_<S>.h5 as a DataFrame with the 3-level row index (:func:`madlc.io.labels.read_labels`)."""
    return read_labels(Path(path))


def expected_columns(cfg: dict[str, Any]) -> pd.MultiIndex:
    """The label columns DeepLabCut expects for this project (FORMATS.md §3.1), x before y."""
    scorer = cfg["scorer"]
    cols = [(scorer, ind, bp, c) for ind in paths.individuals(cfg) for bp in paths.multianimal_bodyparts(cfg)
            for c in ("x", "y")]
    cols += [(scorer, "single", bp, c) for bp in paths.unique_bodyparts(cfg) for c in ("x", "y")]
    return pd.MultiIndex.from_tuples(cols, names=LEVELS)


def label_files(cfg: dict[str, Any]) -> list[Path]:
    """``labeled-data/<stem>/CollectedData_<S>.h5`` of every video in ``video_sets`` (stems deduplicated)."""
    project = paths.project_dir(cfg)
    stems: list[str] = []
    for video in cfg.get("video_sets") or {}:
        stem = Path(str(video).replace("\\", "/")).stem
        if stem not in stems:
            stems.append(stem)
    return [project / "labeled-data" / s / f"CollectedData_{cfg['scorer']}.h5" for s in stems]


def merge_labels(cfg: dict[str, Any]) -> pd.DataFrame:
    """All labeled frames of the project in one sorted DataFrame with :func:`expected_columns`.

    Files of another scorer are skipped (DeepLabCut does the same); body parts or individuals that
    the config does not list are dropped with a warning; likelihood columns are dropped.
    """
    frames = []
    expected = expected_columns(cfg)
    for path in label_files(cfg):
        if not path.exists():
            continue
        df = read_label_file(path)
        scorers = set(df.columns.get_level_values("scorer"))
        if scorers != {cfg["scorer"]}:
            warnings.warn(f"{path}: labels of scorer(s) {sorted(scorers)}, not {cfg['scorer']!r}: skipped", stacklevel=2)
            continue
        df = df.loc[:, df.columns.get_level_values("coords").isin(["x", "y"])]
        extra = sorted({(i, b) for _, i, b, _ in df.columns} - {(i, b) for _, i, b, _ in expected})
        if extra:
            warnings.warn(f"{path}: columns {extra[:5]} are not in config.yaml (individuals/body parts): ignored",
                          stacklevel=2)
        frames.append(df.reindex(columns=expected).astype("float64"))
    if not frames:
        folder = paths.project_dir(cfg) / "labeled-data"
        raise file_error(folder, f"no CollectedData_{cfg['scorer']}.h5 found for the videos in config.yaml",
                         "label frames first (label_frames) and check that 'scorer' matches the labeler",
                         cls=FormatError)
    merged = pd.concat(frames)
    merged = merged[~merged.index.duplicated(keep="first")].sort_index()
    return merged


def labels_to_keypoints(df: pd.DataFrame, cfg: dict[str, Any]) -> np.ndarray:
    """``(n_images, n_slots, n_joints, 2)`` keypoints (module docstring) from a labels DataFrame."""
    inds = paths.individuals(cfg)
    multi, unique = paths.multianimal_bodyparts(cfg), paths.unique_bodyparts(cfg)
    n_slots = len(inds) + (1 if unique else 0)
    out = np.full((len(df), n_slots, len(multi) + len(unique), 2), np.nan)
    df = df.reindex(columns=expected_columns(cfg))
    values = df.to_numpy(dtype=np.float64)
    n_multi_cols = len(inds) * len(multi) * 2
    if multi:
        out[:, : len(inds), : len(multi)] = values[:, :n_multi_cols].reshape(len(df), len(inds), len(multi), 2)
    if unique:
        out[:, -1, len(multi):] = values[:, n_multi_cols:].reshape(len(df), len(unique), 2)
    return out


def joint_names(cfg: dict[str, Any]) -> list[str]:
    """``all_joints_names``: multi-animal body parts then unique body parts."""
    return paths.multianimal_bodyparts(cfg) + paths.unique_bodyparts(cfg)


def valid_keypoints(kpts: np.ndarray, width: int, height: int) -> np.ndarray:
    """Mask of keypoints that are labeled and strictly inside the image (DeepLabCut's rule). Shape ``kpts.shape[:-1]``."""
    x, y = kpts[..., 0], kpts[..., 1]
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & np.isfinite(y) & (x > 0) & (x < width) & (y > 0) & (y < height)
