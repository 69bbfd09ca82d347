"""Model-folder YAML files: ``pose_cfg.yaml``, ``inference_cfg.yaml`` and ``training-datasets/.../metadata.yaml``.

Semantics and traps (FORMATS.md §4.4, §4.5, §5):

* ``pose_cfg.yaml`` (TF ``train/`` + ``test/``, PyTorch ``test/``): a flat-ish mapping (``all_joints``,
  ``all_joints_names``, ``partaffinityfield_graph``, ``paf_best``, ``nmsradius`` ...). Empty values
  (``dataset:``) are ``None``. Files written by old DLC with ``yaml.dump`` may carry
  ``!!python/tuple`` tags: read as lists. Other Python tags (numpy scalars) are turned into plain
  values where possible. Returned as a plain ``dict``; unknown keys are kept.
* ``inference_cfg.yaml``: the assembly/tracking parameters of a shuffle. The template (DLC >= 2.2rc1)
  has ``variant, pafthreshold, method, minimalnumberofconnections, pcutoff, topktoretain, withid,
  boundingboxslack, iou_threshold, max_age, min_hits``; optional ``oks_threshold``, ``greedy_oks``.
  Legacy DLC 2.2b keys (``detectionthresholdsquare``, ``distnormalization``, ...) are dropped on read;
  missing template keys are filled (the two project-dependent ones only when ``cfg`` is given:
  ``minimalnumberofconnections = int(len(multianimalbodyparts) / 2)``, ``topktoretain =
  len(individuals)``). ``nmsradius``/``minconfidence``/``sigma`` belong to pose_cfg, not here.
* ``metadata.yaml`` (DLC 3 shuffle registry): ``{"shuffles": {"<T><D>-trainset<P>shuffle<k>":
  {train_fraction, index, split, engine}}}``, entries sorted by ``(train_fraction, index)``.

All writers dump plain YAML (numpy values converted, key order kept) atomically.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml

from madlc.errors import file_error
from madlc.io.atomic import atomic_path
from madlc.io.compat import to_builtin

#: DeepLabCut's inference_cfg.yaml template keys (in its order); values: madlc's schema defaults
#: (madlc/config/schema.py), the two project-dependent ones None
_TEMPLATE_KEYS = ("variant", "pafthreshold", "method", "minimalnumberofconnections", "pcutoff", "topktoretain",
                  "withid", "boundingboxslack", "iou_threshold", "max_age", "min_hits")


def _inference_template() -> dict[str, Any]:
    from madlc.config.schema import defaults_of

    defaults = defaults_of("inference")
    return {key: defaults[key] for key in _TEMPLATE_KEYS}


INFERENCE_TEMPLATE: dict[str, Any] = _inference_template()
LEGACY_INFERENCE_KEYS = frozenset({
    "detectionthresholdsquare", "distnormalization", "distnormalizationLOWER", "upperbound_factor",
    "lowerbound_factor", "addlikelihoods", "averagescore",
})


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads the Python tags old DLC versions wrote (tuples, numpy scalars)."""


def _construct_tuple(loader: yaml.SafeLoader, node: yaml.Node) -> list[Any]:
    return loader.construct_sequence(node, deep=True)


def _construct_python_object(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    """numpy dtypes/scalars dumped by ``yaml.dump`` -> plain values; any other Python object is refused."""
    import numpy as np

    name = suffix.split(":", 1)[-1]
    if isinstance(node, yaml.MappingNode):
        mapping = loader.construct_mapping(node, deep=True)
        args = list(mapping.get("args") or [])
    elif isinstance(node, yaml.SequenceNode):
        args = loader.construct_sequence(node, deep=True)
    else:
        args = [loader.construct_scalar(node)]
    if name == "numpy.dtype" and args:
        return np.dtype(args[0])
    if name.endswith("multiarray.scalar") and len(args) == 2:
        return np.frombuffer(args[1], dtype=args[0])[0].item()
    raise yaml.constructor.ConstructorError(None, None, f"cannot read the Python object tag {suffix!r}",
                                            node.start_mark)


_Loader.add_constructor("tag:yaml.org,2002:python/tuple", _construct_tuple)
for _tag in ("python/unicode", "python/str"):  # Python 2 era files
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", yaml.SafeLoader.construct_yaml_str)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/object", _construct_python_object)


def read_yaml(path: str | Path, what: str = "YAML file") -> dict[str, Any]:
    """Read a YAML mapping into a plain dict; errors name the file (FormatError)."""
    path = Path(path)
    if not path.is_file():
        raise file_error(path, f"no such {what}", "check the path (and that the step producing it ran)")
    try:
        with open(path) as fh:
            data = yaml.load(fh, Loader=_Loader)
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise file_error(path, f"this {what} is not valid YAML ({err})", "fix the line it names, or re-create the file") from err
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise file_error(path, f"this {what} holds a {type(data).__name__}, not a mapping of keys",
                         "pass the right file (it must contain 'key: value' lines)")
    return data


def dumps_yaml(data: dict[str, Any]) -> str:
    buf = io.StringIO()
    yaml.safe_dump(to_builtin(data), buf, default_flow_style=False, sort_keys=False, width=4096, allow_unicode=True)
    return buf.getvalue()


def write_yaml(data: dict[str, Any], path: str | Path) -> Path:
    """Write a plain YAML mapping atomically (numpy values converted to Python)."""
    path = Path(path)
    text = dumps_yaml(data)
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path


def read_pose_cfg(path: str | Path) -> dict[str, Any]:
    """Read a DeepLabCut ``pose_cfg.yaml`` (train or test) into a dict."""
    return read_yaml(path, "pose_cfg.yaml")


def write_pose_cfg(cfg: dict[str, Any], path: str | Path) -> Path:
    """Write a ``pose_cfg.yaml`` (plain YAML, key order kept)."""
    return write_yaml(cfg, path)


def default_inference_cfg(cfg: dict[str, Any] | None = None) -> dict[str, Any]:
    """DeepLabCut's inference_cfg template; project-dependent values filled from ``cfg`` if given."""
    out = dict(INFERENCE_TEMPLATE)
    if cfg is not None:
        multi = list(cfg.get("multianimalbodyparts") or []) if cfg.get("multianimalproject", True) \
            else list(cfg.get("bodyparts") or [])
        out["minimalnumberofconnections"] = int(len(multi) / 2)
        out["topktoretain"] = len(cfg.get("individuals") or [1])
        out["withid"] = bool(cfg.get("identity") or False)
        if len(multi) == 1:
            out["boundingboxslack"] = max(40, out["boundingboxslack"])
    else:
        out = {k: v for k, v in out.items() if v is not None}
    return out


def read_inference_cfg(path: str | Path, cfg: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read ``test/inference_cfg.yaml``: legacy DLC 2.2b keys dropped, missing template keys filled.

    ``cfg`` (the project config) supplies ``minimalnumberofconnections`` and ``topktoretain`` when
    the file lacks them; without it those two stay absent if missing.
    """
    data = read_yaml(path, "inference_cfg.yaml")
    data = {k: v for k, v in data.items() if k not in LEGACY_INFERENCE_KEYS}
    for key, value in default_inference_cfg(cfg).items():
        if data.get(key) is None:
            data[key] = value
    return data


def write_inference_cfg(inference_cfg: dict[str, Any], path: str | Path) -> Path:
    """Write ``inference_cfg.yaml`` (template keys first, in DLC's order; legacy keys dropped)."""
    data = {k: v for k, v in inference_cfg.items() if k not in LEGACY_INFERENCE_KEYS}
    ordered = {k: data[k] for k in INFERENCE_TEMPLATE if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    return write_yaml(ordered, path)


def read_dataset_metadata(path: str | Path) -> dict[str, Any]:
    """Read ``training-datasets/iteration-N/UnaugmentedDataSet_<T><D>/metadata.yaml`` (DLC 3 shuffle registry)."""
    data = read_yaml(path, "training-dataset metadata.yaml")
    shuffles = data.get("shuffles") or {}
    if not isinstance(shuffles, dict):
        raise file_error(path, "its 'shuffles' entry is not a mapping of shuffle names",
                         "re-create it with create_multianimaltraining_dataset")
    for name, entry in shuffles.items():
        if not isinstance(entry, dict) or not {"train_fraction", "index"} <= set(entry):
            raise file_error(path, f"shuffle {name!r} lacks train_fraction/index",
                             "re-create it with create_multianimaltraining_dataset")
    data["shuffles"] = shuffles
    return data


def write_dataset_metadata(metadata: dict[str, Any], path: str | Path) -> Path:
    """Write ``metadata.yaml`` with the shuffles sorted by ``(train_fraction, index)``."""
    shuffles = dict(metadata.get("shuffles") or {})
    ordered = dict(sorted(shuffles.items(), key=lambda kv: (float(kv[1]["train_fraction"]), int(kv[1]["index"]))))
    out = dict(metadata)
    out["shuffles"] = {name: {k: entry[k] for k in ("train_fraction", "index", "split", "engine") if k in entry}
                       | {k: v for k, v in entry.items() if k not in ("train_fraction", "index", "split", "engine")}
                       for name, entry in ordered.items()}
    return write_yaml(out, path)
