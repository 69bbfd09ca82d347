"""DeepLabCut's user-editable files of a shuffle, fitted into madlc's settings.

DeepLabCut users tune ``<model>/test/inference_cfg.yaml`` (assembly and tracker keys) and
``<model>/test/pose_cfg.yaml`` (``nmsradius``, ``minconfidence``) by hand; madlc users set the
same values in ``<project>/madlc.yaml``. So that an edit in either place is never silently
ignored, madlc records what it wrote into those files (``test/madlc_written.yaml`` beside
them, see :func:`record_written`) and reads a value of a DLC file as follows:

* **as madlc wrote it** (equal to the record): the shuffle's default. It replaces madlc's
  default, but ``madlc.yaml`` and the command line win over it: a madlc.yaml change takes
  effect without touching DeepLabCut's file.
* **edited by hand** (differs from the record, or a key madlc did not write): it wins over
  ``madlc.yaml``; only the command line beats it.
* **no record** (a file DeepLabCut or a user wrote): each value is the shuffle's default,
  as in the first case; when madlc.yaml sets the same key differently, a warning names both
  values (madlc cannot tell an edit from the original there).

``train/pytorch_config.yaml`` (DeepLabCut 3's training file, written when the shuffle is created)
follows the same rule for the ``model``/``data``/``train``/``seed`` settings
(:func:`fit_training_settings`): a hand edit there stays; a value changed in madlc.yaml since the
shuffle was created reaches training; the command line wins over both.

``madlc show-settings`` prints which of these applied to each value.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from madlc.errors import ConfigError

RECORD_NAME = "madlc_written.yaml"
INFERENCE_CFG = "inference_cfg.yaml"
POSE_CFG = "pose_cfg.yaml"
PYTORCH_CONFIG = "pytorch_config.yaml"
#: the settings groups train/pytorch_config.yaml holds (its other keys describe the network and project)
TRAINING_GROUPS = ("model", "data", "train", "seed")
#: model keys fixed when the shuffle is created (which network it is)
FIXED_MODEL_KEYS = ("model.name", "model.net_type", "model.backbone")

#: inference_cfg.yaml keys the trackers read: they feed ``tracking.<key>`` as well as ``inference.<key>``
TRACKER_KEYS = ("boundingboxslack", "iou_threshold", "max_age", "min_hits", "oks_threshold", "pcutoff")
#: pose_cfg.yaml keys that are madlc settings (the rest describes the network, not a choice)
POSE_CFG_KEYS = ("nmsradius", "minconfidence")
#: DeepLabCut 2.2b keys, removed in 2.2rc1: read and ignored
LEGACY_KEYS = frozenset({
    "detectionthresholdsquare", "distnormalization", "distnormalizationLOWER", "upperbound_factor",
    "lowerbound_factor", "addlikelihoods", "averagescore",
})


def settings_keys(file_name: str, key: str) -> tuple[str, ...]:
    """The dotted settings a key of a DLC file feeds (empty: not a madlc setting, e.g. ``paf_best``)."""
    from madlc.config.schema import InferenceSchema

    import dataclasses

    inference = {f.name for f in dataclasses.fields(InferenceSchema)}
    if file_name == POSE_CFG:
        return (f"inference.{key}",) if key in POSE_CFG_KEYS else ()
    if file_name == INFERENCE_CFG and key in inference and key not in LEGACY_KEYS:
        return (f"inference.{key}",) + ((f"tracking.{key}",) if key in TRACKER_KEYS else ())
    return ()


def record_path(dlc_file: str | Path) -> Path:
    return Path(dlc_file).parent / RECORD_NAME


def read_record(dlc_file: str | Path) -> dict[str, Any] | None:
    """What madlc last wrote into ``dlc_file`` (None when it has no record of it)."""
    path = record_path(dlc_file)
    if not path.exists():
        return None
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return None  # a broken record: treat the file as not written by madlc
    entry = data.get(Path(dlc_file).name) if isinstance(data, dict) else None
    return dict(entry) if isinstance(entry, dict) else None


def record_written(dlc_file: str | Path, values: Mapping[str, Any], merge: bool = False) -> Path:
    """Note in ``test/madlc_written.yaml`` the setting values madlc just wrote into ``dlc_file``.

    ``merge``: add to the file's record (madlc wrote only these keys) instead of replacing it.
    """
    from madlc.io.atomic import atomic_path

    path = record_path(dlc_file)
    data: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = yaml.safe_load(path.read_text())
            data = loaded if isinstance(loaded, dict) else {}
        except yaml.YAMLError:
            data = {}
    name = Path(dlc_file).name
    entry = dict(data.get(name) or {}) if merge and isinstance(data.get(name), dict) else {}
    if name == PYTORCH_CONFIG:
        entry.update({k: _plain(v) for k, v in training_leaves(values).items()})
    else:
        entry.update({str(k): _plain(v) for k, v in values.items() if settings_keys(name, str(k))})
    data[name] = entry
    header = ("# What madlc wrote into the DeepLabCut files beside this one. A value there that differs\n"
              "# from this record is a hand edit and wins over <project>/madlc.yaml (madlc.config.dlc_files).\n")
    with atomic_path(path) as tmp:
        Path(tmp).write_text(header + yaml.safe_dump(data, sort_keys=False))
    return path


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def read_dlc_file(path: str | Path) -> dict[str, Any]:
    """The keys written in a DLC yaml file (ConfigError naming the file if it cannot be read)."""
    from madlc.errors import FormatError
    from madlc.io.yaml_cfgs import read_yaml

    try:
        return dict(read_yaml(Path(path), Path(path).name))
    except FormatError as err:
        raise ConfigError(str(err)) from err


def dlc_file_layers(dlc_files: Mapping[str, str | Path] | list | tuple | None, madlc_written: bool = True
                    ) -> tuple[dict[str, tuple[Any, str]], dict[str, tuple[Any, str]]]:
    """The values of DLC files, split by the rule of the module docstring.

    Returns ``(shuffle_defaults, hand_edits)``, each ``dotted key -> (value, source label)``:
    the first sits between madlc's defaults and madlc.yaml, the second between madlc.yaml and the
    command line. ``dlc_files``: paths of inference_cfg.yaml / pose_cfg.yaml (missing ones skipped).
    ``madlc_written=False`` leaves out the values as madlc wrote them: what a pipeline run derives
    itself, so that a rule's settings do not change because an earlier job of the same run wrote
    the file (e.g. evaluate_network filling in ``minimalnumberofconnections``).
    """
    low: dict[str, tuple[Any, str]] = {}
    high: dict[str, tuple[Any, str]] = {}
    paths = list(dlc_files.values()) if isinstance(dlc_files, Mapping) else list(dlc_files or ())
    for path in paths:
        path = Path(path)
        if not path.exists():
            continue
        values = read_dlc_file(path)
        record = read_record(path)
        for key, value in values.items():
            targets = settings_keys(path.name, str(key))
            if not targets:
                continue
            if record is None:
                layer, label = low, path.name
            elif key in record and _same(record[key], value):
                if not madlc_written:
                    continue
                layer, label = low, f"{path.name} (as madlc wrote it)"
            else:
                layer, label = high, f"{path.name} (edited)"
            for target in targets:
                layer[target] = (value, label)
    return low, high


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def training_leaves(tree: Mapping[str, Any]) -> dict[str, Any]:
    """The schema leaves of the training groups found in ``tree`` (a pytorch_config or a settings tree)."""
    from madlc.config.schema import leaf_specs

    out: dict[str, Any] = {}
    for key in leaf_specs():
        if key.split(".")[0] not in TRAINING_GROUPS:
            continue
        node: Any = tree
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                break
            node = node[part]
        else:
            out[key] = node
    return out


def fit_training_settings(pcfg: dict[str, Any], resolved: Mapping[str, Any],
                          record: Mapping[str, Any] | None) -> dict[str, tuple[Any, Any]]:
    """Bring the resolved settings into a shuffle's pytorch_config, by the rule of this module.

    For each training setting: a value of the file that differs from what madlc wrote there
    (``record``) is a hand edit and stays; otherwise, when the resolved value (madlc.yaml, command
    line, defaults) differs from what madlc wrote, it replaces the file's. The network itself
    (model name, net_type, backbone) and any model key when the resolved model is another network
    stay as the shuffle was created. No record (a file madlc did not write): nothing changes.
    Returns ``{key: (old, new)}`` of what changed (``pcfg`` is changed in place).
    """
    if record is None:
        return {}
    now = training_leaves(resolved)
    in_file = training_leaves(pcfg)
    same_network = now.get("model.name") == in_file.get("model.name")
    changed: dict[str, tuple[Any, Any]] = {}
    for key, value in now.items():
        if key in FIXED_MODEL_KEYS or (key.startswith("model.") and not same_network):
            continue
        if key not in record or key not in in_file:
            continue
        if not _same(in_file[key], record[key]):
            continue  # edited by hand in pytorch_config.yaml: it wins
        if _same(value, record[key]):
            continue
        node = pcfg
        parts = key.split(".")
        for part in parts[:-1]:
            node = node[part]
        changed[key] = (node[parts[-1]], value)
        node[parts[-1]] = value
    return changed


def model_test_files(model_folder: str | Path) -> list[Path]:
    """``test/inference_cfg.yaml`` and ``test/pose_cfg.yaml`` of a model folder (those that exist)."""
    test = Path(model_folder) / "test"
    return [p for p in (test / INFERENCE_CFG, test / POSE_CFG) if p.exists()]
