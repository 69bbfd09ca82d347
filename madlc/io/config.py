"""config.yaml: DeepLabCut's project file (FORMATS.md §2).

Read and written with ruamel.yaml's round-trip mode so that a user's comments and
key order survive an edit. madlc never adds keys of its own (DeepLabCut 3.0.1
refuses unknown keys); madlc's settings live in the Hydra tree and ``madlc.yaml``.

``project_path`` is resolved from the file's location on read, so a project
folder moved to another machine opens as is (the stored value is rewritten only
when the file is next written).
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from madlc.errors import ConfigError
from madlc.io.atomic import atomic_path

#: DeepLabCut 3.0.0's key order for a multi-animal project (comments precede groups).
KEY_ORDER = [
    "Task", "scorer", "date", "multianimalproject", "identity", "project_path", "engine",
    "video_sets", "individuals", "uniquebodyparts", "multianimalbodyparts", "bodyparts",
    "start", "stop", "numframes2pick", "skeleton", "skeleton_color", "pcutoff", "dotsize",
    "alphavalue", "colormap", "TrainingFraction", "iteration", "default_net_type",
    "default_augmenter", "default_track_method", "snapshotindex", "detector_snapshotindex",
    "batch_size", "cropping", "x1", "x2", "y1", "y2", "corner2move2", "move2corner",
    "SuperAnimalConversionTables", "detector_batch_size",
]
_GROUP_COMMENTS = {
    "Task": "Project definitions (do not edit)",
    "project_path": "Project path (change when moving around)",
    "engine": "Default DeepLabCut engine to use for shuffle creation (either pytorch or tensorflow)",
    "video_sets": "Annotation data set configuration (and individual video cropping parameters)",
    "start": "Fraction of video to start/stop when extracting frames for labeling/refinement",
    "skeleton": "Plotting configuration",
    "TrainingFraction": "Training,Evaluation and Analysis configuration",
    "cropping": "Cropping Parameters (for analysis and outlier frame detection)",
    "corner2move2": "Refinement configuration (parameters from annotation dataset configuration also relevant in this stage)",
    "SuperAnimalConversionTables": "Conversion tables to fine-tune SuperAnimal weights",
}


def _yaml() -> YAML:
    y = YAML()  # round-trip
    y.width = 4096
    y.indent(mapping=2, sequence=2, offset=0)  # DeepLabCut (ruamel default) style: "- - a"
    return y


def read_config(path: str | Path) -> dict[str, Any]:
    """Read a DeepLabCut config.yaml (any version) into a dict; ``project_path`` is set to the file's folder."""
    path = Path(path)
    if path.is_dir():
        path = path / "config.yaml"
    if not path.exists():
        raise ConfigError(f"{path}: no such config file. What to do: pass the path of your project's config.yaml.")
    try:
        data = _yaml().load(path.read_text())
    except (YAMLError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid YAML ({err}). What to do: fix the line it names, or restore a backup.") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of DeepLabCut keys, found {type(data).__name__}. "
                          "What to do: pass a DeepLabCut project's config.yaml.")
    if "Task" not in data and "scorer" not in data:
        raise ConfigError(f"{path}: has neither 'Task' nor 'scorer': this is not a DeepLabCut config.yaml. "
                          "What to do: pass the project's config.yaml (created by create_new_project).")
    # legacy files: empty strings mean "unset"
    for key in ("skeleton", "TrainingFraction", "video_sets", "bodyparts", "uniquebodyparts", "individuals"):
        if data.get(key) == "":
            data[key] = None
    if data.get("multianimalproject") and not data.get("bodyparts"):
        data["bodyparts"] = "MULTI!"
    data["project_path"] = str(path.resolve().parent)
    return data


def _ordered(cfg: dict[str, Any]) -> Any:
    from ruamel.yaml.comments import CommentedMap

    out = CommentedMap()
    keys = [k for k in KEY_ORDER if k in cfg] + [k for k in cfg if k not in KEY_ORDER]
    for key in keys:
        out[key] = cfg[key]
    for key, comment in _GROUP_COMMENTS.items():
        if key in out and key != keys[0]:
            out.yaml_set_comment_before_after_key(key, before="\n" + comment)
        elif key in out:
            out.yaml_set_start_comment(comment)
    return out


def dumps_config(cfg: dict[str, Any]) -> str:
    """The YAML text of a config, in DeepLabCut's key order (existing comments are kept)."""
    from ruamel.yaml.comments import CommentedMap

    data = cfg if isinstance(cfg, CommentedMap) else _ordered(dict(cfg))
    buf = io.StringIO()
    _yaml().dump(data, buf)
    return buf.getvalue()


def write_config(cfg: dict[str, Any], path: str | Path) -> Path:
    """Write a config.yaml atomically (temporary file, then rename)."""
    path = Path(path)
    if path.is_dir():
        path = path / "config.yaml"
    text = dumps_config(cfg)
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path


def write_setting(path: str | Path, key: str, value: Any) -> Path:
    """Set one dotted ``key`` (``pipeline.track_method``) in a madlc.yaml, keeping its comments and
    other keys (the file is made if missing); written atomically."""
    path = Path(path)
    y = _yaml()
    data = None
    if path.exists():
        try:
            data = y.load(path.read_text())
        except (YAMLError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: not valid YAML ({err}). What to do: fix the line it names.") from err
    if data is None:
        from ruamel.yaml.comments import CommentedMap

        data = CommentedMap()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings groups, found {type(data).__name__}. "
                          "What to do: fix the file (`madlc show-settings CONFIG` lists the groups).")
    node = data
    *groups, last = key.split(".")
    for group in groups:
        if not isinstance(node.get(group), dict):
            node[group] = {}
        node = node[group]
    node[last] = value
    buf = io.StringIO()
    y.dump(data, buf)
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue())
    return path
