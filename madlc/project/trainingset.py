"""A project's training datasets, read back: merged labels, a shuffle's split and training pickle.

Written by the ``create_multianimaltraining_dataset`` stage; read by training, evaluation and
the maps stage. Also the small YAML helpers the shuffle's files use.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from madlc.errors import ConfigError, file_error
from madlc.io.atomic import atomic_path
from madlc.project import paths
from madlc.project.config import load_config
from madlc.project.labels import labels_to_keypoints


def dump_yaml(obj: dict[str, Any], path: str | Path, flow: bool | None = None) -> Path:
    """Plain YAML (builtin types, key order kept), written atomically. ``flow=None``: short lists inline."""
    from madlc.io.compat import to_builtin

    text = yaml.safe_dump(to_builtin(obj), sort_keys=False, default_flow_style=flow, width=4096)
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def read_yaml(path: str | Path, what: str = "YAML file") -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise file_error(path, f"no such {what}", "run create_multianimaltraining_dataset for this shuffle first",
                         cls=ConfigError)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise file_error(path, f"not valid YAML ({err})", "fix the line it names or re-create the shuffle",
                         cls=ConfigError) from err
    if not isinstance(data, dict):
        raise file_error(path, f"expected a mapping in this {what}", "re-create the shuffle", cls=ConfigError)
    return data


def load_merged_labels(config: str | Path | dict[str, Any]) -> pd.DataFrame:
    """The merged ``CollectedData_<S>.h5`` of the current iteration (row positions = split indices)."""
    from madlc.project.labels import read_label_file

    cfg = load_config(config)
    path = paths.training_dataset_folder(cfg) / f"CollectedData_{cfg['scorer']}.h5"
    if not path.exists():
        raise file_error(path, "no merged labels for this iteration", "run create_multianimaltraining_dataset first")
    return read_label_file(path)


def load_split(config: str | Path | dict[str, Any], shuffle: int = 1,
               trainingsetindex: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """``(trainIndices, testIndices, trainFraction)`` of a shuffle, from its Documentation pickle."""
    from madlc.io import read_documentation

    cfg = load_config(config)
    doc = read_documentation(paths.documentation_pickle(cfg, shuffle, trainingsetindex))
    return doc["train_indices"], doc["test_indices"], doc["train_fraction"]


def load_training_data(config: str | Path | dict[str, Any], shuffle: int = 1,
                       trainingsetindex: int = 0) -> list[dict[str, Any]]:
    """The per-shuffle training pickle (FORMATS.md §4.2)."""
    from madlc.io import read_training_data

    cfg = load_config(config)
    return read_training_data(paths.training_data_pickle(cfg, shuffle, trainingsetindex))


def keypoints_for_split(config: str | Path | dict[str, Any], shuffle: int = 1, trainingsetindex: int = 0,
                        which: str = "test") -> tuple[list[tuple[str, ...]], np.ndarray]:
    """Image keys and ``(n, n_slots, n_joints, 2)`` keypoints of the ``train`` or ``test`` rows."""
    cfg = load_config(config)
    df = load_merged_labels(cfg)
    train, test, _ = load_split(cfg, shuffle, trainingsetindex)
    rows = {"train": train, "test": test}[which]
    kpts = labels_to_keypoints(df, cfg)
    return [tuple(str(k) for k in df.index[r]) for r in rows], kpts[rows]
