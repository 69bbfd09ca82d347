"""The model folder's config files: ``train/pytorch_config.yaml``, ``test/pose_cfg.yaml``, ``test/inference_cfg.yaml``.

In memory (what training, evaluation and inference read); on disk it is split into DeepLabCut 3's
``train/pytorch_config.yaml`` and madlc's ``train/madlc_model.yaml`` (:mod:`madlc.nn.models.dlc_config`)::

    net_type: dlcrnet_stride16_ms5   # DeepLabCut 3 name (scorer names derive from it)
    method: bu                   # bottom-up
    device: auto
    metadata: {project_path, pose_config_path, bodyparts, unique_bodyparts, individuals, with_identity}
    model:                       # Hydra group `model` (name, backbone, stride, neck, ...) plus
      heads:
        bodypart:
          predictor: {type: PartAffinityFieldPredictor, num_animals, num_multibodyparts,
                      num_uniquebodyparts, nms_radius, sigma, locref_stdev, min_affinity,
                      graph: [[i, j], ...], edges_to_keep: [...]}
        identity: {num_individuals: N}    # only with identity: true
    data: {...}                  # Hydra group `data` (crops, augmentation, target parameters)
    train: {...}                 # Hydra group `train` (steps, optimizer, schedule, snapshots)
    seed: 0

Precedence when training: this file (the user may edit it, as in DeepLabCut) < ``overrides``
(``model=resnet_50`` swaps the whole ``model`` group but keeps ``model.heads``; ``train.lr=1e-3``
sets one value; ``+key=value`` adds a key; ``~key`` deletes one).
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Sequence

from madlc.errors import ConfigError
from madlc.nn.models.dlc_config import (MADLC_MODEL_FILE, PYTORCH_CONFIG, WRITTEN_BY_DLC, WRITTEN_BY_MADLC,
                                     dlc_made_settings, dlc_net_type, is_madlc_layout, madlc_side, merge,
                                     to_dlc_pose_config)
from madlc.nn.models.names import NET_TYPE_TO_MODEL, model_option
from madlc.project import paths

GROUPS = ("model", "data", "train")
#: Hydra groups of other stages: their overrides are ignored here (the pipeline passes one override list to all)
OTHER_GROUPS = ("inference", "tracking", "filter", "review", "pipeline", "analyze")


def resolve_settings(cfg: dict[str, Any], net_type: str | None = None, overrides: Sequence[str] = ()) -> Any:
    """The resolved settings (madlc.config.Resolved) for a new shuffle.

    The model: ``net_type`` > a ``model=`` choice in ``overrides`` or madlc.yaml > config.yaml's
    ``default_net_type`` > the schema's default.
    """
    from madlc.config import resolve

    project = cfg.get("project_path")
    extra: list[str] = []
    if net_type is not None:
        extra = [f"model={model_option(net_type)}"]
    elif resolve(project, overrides).source("model.name") == "default":
        default = cfg.get("default_net_type")
        if default in NET_TYPE_TO_MODEL:
            extra = [f"model={NET_TYPE_TO_MODEL[default]}"]
    return resolve(project, [*extra, *overrides]) if extra else resolve(project, overrides)


def build_pytorch_config(cfg: dict[str, Any], settings: dict[str, Any], graph: list[list[int]],
                         shuffle: int, trainingsetindex: int) -> dict[str, Any]:
    """The dict written to ``train/pytorch_config.yaml`` (module docstring)."""
    multi, unique = paths.multianimal_bodyparts(cfg), paths.unique_bodyparts(cfg)
    inds = paths.individuals(cfg)
    identity = bool(cfg.get("identity"))
    model = copy.deepcopy(settings["model"])
    data = copy.deepcopy(settings["data"])
    heads: dict[str, Any] = {"bodypart": {"predictor": {
        "type": "PartAffinityFieldPredictor",
        "num_animals": len(inds),
        "num_multibodyparts": len(multi),
        "num_uniquebodyparts": len(unique),
        "nms_radius": int(settings["inference"]["nmsradius"]),
        "sigma": 1.0,
        "locref_stdev": float(data["locref_stdev"]),
        "min_affinity": 0.05,
        "graph": [list(map(int, e)) for e in graph],
        "edges_to_keep": list(range(len(graph))),
    }}}
    if identity:
        heads["identity"] = {"num_individuals": len(inds)}
    model["heads"] = heads
    model_dir = paths.model_folder(cfg, shuffle, trainingsetindex)
    return {
        "net_type": dlc_net_type(model),
        "method": "bu",
        "device": settings["train"]["device"],
        "metadata": {
            "project_path": str(paths.project_dir(cfg)),
            "pose_config_path": str(model_dir / "train" / PYTORCH_CONFIG),
            "bodyparts": multi,
            "unique_bodyparts": unique,
            "individuals": inds,
            "with_identity": identity,
        },
        "model": model,
        "data": data,
        "train": copy.deepcopy(settings["train"]),
        "seed": int(settings["seed"]),
    }


def test_pose_cfg(cfg: dict[str, Any], pytorch_cfg: dict[str, Any], shuffle: int, trainingsetindex: int,
                  settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """``test/pose_cfg.yaml``: DeepLabCut's test keys (FORMATS.md §4.5, TF superset of the PyTorch keys).

    Peak finding (``nmsradius``, ``minconfidence``) comes from the resolved ``inference`` settings
    (madlc defaults, the project's madlc.yaml, overrides).
    """
    from madlc.config.schema import defaults_of

    inference = {**defaults_of("inference"), **dict((settings or {}).get("inference") or {})}
    names = paths.all_bodyparts(cfg)
    pred = pytorch_cfg["model"]["heads"]["bodypart"]["predictor"]
    rel = paths.training_data_pickle(cfg, shuffle, trainingsetindex).relative_to(paths.project_dir(cfg))
    return {
        "dataset": str(rel),
        "dataset_type": "multi-animal-imgaug",
        "num_joints": len(names),
        "all_joints": [[i] for i in range(len(names))],
        "all_joints_names": names,
        "net_type": pytorch_cfg["net_type"],
        "multi_stage": pytorch_cfg["model"].get("neck") == "fusion",
        "init_weights": None,
        "global_scale": 1.0,
        "location_refinement": True,
        "locref_stdev": pred["locref_stdev"],
        "stride": int(pytorch_cfg["model"].get("stride", 8)),
        "partaffinityfield_predict": bool(pred["graph"]),
        "pairwise_predict": False,
        "partaffinityfield_graph": pred["graph"],
        "num_limbs": len(pred["graph"]),
        "num_idchannel": len(paths.individuals(cfg)) if cfg.get("identity") else 0,
        "nmsradius": float(inference["nmsradius"]),
        "minconfidence": float(inference["minconfidence"]),
        "sigma": 1,
        "locref_smooth": False,
        "scoremap_dir": "test",
        "project_path": str(paths.project_dir(cfg)),
    }


#: DeepLabCut's inference_cfg template keys (FORMATS.md §5), in its order
INFERENCE_TEMPLATE = ["variant", "pafthreshold", "method", "minimalnumberofconnections", "pcutoff", "topktoretain",
                      "withid", "boundingboxslack", "iou_threshold", "max_age", "min_hits"]
#: template keys DeepLabCut derives from config.yaml; madlc does too unless they are set in madlc.yaml or overrides
PROJECT_DERIVED_KEYS = ("minimalnumberofconnections", "topktoretain", "withid")


def inference_cfg_for(cfg: dict[str, Any], settings: Any, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """``test/inference_cfg.yaml``: the resolved ``inference`` group's values for DeepLabCut's template keys.

    ``settings``: a madlc.config.Resolved (or a plain tree). ``minimalnumberofconnections``,
    ``topktoretain`` and ``withid`` come from the project (as DeepLabCut writes them) unless the
    resolved value was set somewhere (madlc.yaml or an ``inference.<key>=`` override) and is not null.
    """
    from madlc.config.schema import defaults_of

    group = {**defaults_of("inference"), **dict(settings.get("inference") or {})}
    sources = getattr(settings, "sources", {})
    explicit = {o.split("=")[0].lstrip("+") for o in overrides}
    project = {
        "minimalnumberofconnections": int(len(paths.multianimal_bodyparts(cfg)) / 2),
        "topktoretain": len(paths.individuals(cfg)),
        "withid": bool(cfg.get("identity")),
    }
    out = {k: group[k] for k in INFERENCE_TEMPLATE}
    for key in PROJECT_DERIVED_KEYS:
        chosen = f"inference.{key}" in explicit or sources.get(f"inference.{key}", "default") != "default"
        if group[key] in (None, "auto") or not chosen:
            out[key] = project[key]
    return out


# ---------------------------------------------------------------- reading and overriding
def model_folder_of(path: str | Path) -> Path:
    """Model folder from a model folder, its train/ folder, a pytorch_config.yaml or a snapshot path."""
    p = Path(path)
    if p.is_file():
        p = p.parent
    if p.name in ("train", "test"):
        p = p.parent
    return p


def load_pytorch_config(model_folder: str | Path) -> dict[str, Any]:
    """madlc's in-memory model config of a shuffle (clear error when missing or broken).

    Read from ``train/pytorch_config.yaml`` (DeepLabCut's) and ``train/madlc_model.yaml`` (madlc's own
    settings; see :mod:`madlc.nn.models.dlc_config`). A shuffle DeepLabCut made (no madlc file) gets madlc's
    network of its ``net_type`` with madlc's defaults; a pytorch_config.yaml of madlc's older one-file
    layout is read as it is.
    """
    from madlc.project.trainingset import read_yaml

    train_dir = model_folder_of(model_folder) / "train"
    path = train_dir / PYTORCH_CONFIG
    raw = read_yaml(path, "model config (pytorch_config.yaml)")
    own_path = train_dir / MADLC_MODEL_FILE
    if own_path.exists():
        pcfg = merge(raw, read_yaml(own_path, "madlc model settings (madlc_model.yaml)"))
    elif is_madlc_layout(raw):  # madlc's older one-file layout: rewritten in two files at the next write
        pcfg = dict(raw, net_type=dlc_net_type(raw["model"]))
    else:
        pcfg = merge(raw, dlc_made_settings(raw, path))
    for key in ("model", "data", "train", "metadata"):
        if not isinstance(pcfg.get(key), dict):
            raise ConfigError(f"{path}: section {key!r} is missing. What to do: re-create the shuffle with "
                              "create_multianimaltraining_dataset (this file was not written by madlc or DeepLabCut).")
    return pcfg


def write_model_config(model_folder: str | Path, pcfg: dict[str, Any], steps_per_epoch: int | None = None) -> Path:
    """Write madlc's in-memory model config as ``train/pytorch_config.yaml`` (DeepLabCut 3's schema) and
    ``train/madlc_model.yaml`` (madlc's own settings). A pytorch_config.yaml DeepLabCut wrote is left as it
    is (only madlc_model.yaml is written). Returns the pytorch_config.yaml path."""
    from madlc.project.trainingset import dump_yaml, read_yaml

    train_dir = model_folder_of(model_folder) / "train"
    path, own_path = train_dir / PYTORCH_CONFIG, train_dir / MADLC_MODEL_FILE
    written_by = WRITTEN_BY_MADLC
    if own_path.exists():
        written_by = str(read_yaml(own_path, "madlc model settings (madlc_model.yaml)").get("written_by", written_by))
    elif path.exists() and not is_madlc_layout(read_yaml(path, "model config (pytorch_config.yaml)")):
        written_by = WRITTEN_BY_DLC
    if written_by == WRITTEN_BY_MADLC:
        dlc = to_dlc_pose_config(pcfg, steps_per_epoch)
        if steps_per_epoch is None and path.exists():  # keep the epoch count training wrote
            old = read_yaml(path, "model config (pytorch_config.yaml)").get("train_settings") or {}
            dlc["train_settings"]["epochs"] = int(old.get("epochs", dlc["train_settings"]["epochs"]))
        dump_yaml(dlc, path)
    dump_yaml(madlc_side(pcfg, written_by), own_path)
    return path


def apply_overrides(pcfg: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply Hydra overrides to a pytorch_config dict (group swaps, ``a.b=v``, ``+a.b=v``, ``~a.b``).

    Parsed by Hydra's override grammar (the one madlc.config uses); the changed settings are checked
    against the schema's ranges. Overrides of other stages' groups (``inference.*``, ``tracking.*``,
    ``filter.*``, ``pipeline.*``) are ignored.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    from madlc.config.resolve import group_option

    out = copy.deepcopy(pcfg)
    items = [str(item).strip() for item in overrides]
    for item in items:
        if "=" not in item and not item.startswith("~"):
            raise ConfigError(f"override {item!r} is not key=value. What to do: write e.g. train.max_steps=1000.")
    try:
        parsed = OverridesParser.create().parse_overrides(items)
    except OverrideParseException as err:
        raise ConfigError(f"overrides {items}: {err}. What to do: write key=value (e.g. train.max_steps=1000).") from None
    changed: list[str] = []
    for override in parsed:
        key, item = override.key_or_group, override.input_line
        if key.split(".")[0] in OTHER_GROUPS:
            continue
        if override.is_delete():
            _delete(out, key, item)
            continue
        if override.is_sweep_override():
            raise ConfigError(f"override {item!r}: one value only (no sweeps). What to do: give a single value.")
        value = override.value()
        if key in GROUPS and isinstance(value, str):
            option = model_option(value) if key == "model" and value in NET_TYPE_TO_MODEL else value
            group = group_option(key, option)
            if key == "model":
                group["heads"] = out["model"].get("heads", {})
                out["net_type"] = dlc_net_type(group)
            out[key] = group
            continue
        _set(out, key, _plain_value(value), override.is_add(), item)
        changed.append(key)
    _check_ranges(out, changed)
    return out


def _plain_value(value: Any) -> Any:
    """Hydra's parsed value as plain Python (lists and dicts copied)."""
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain_value(v) for k, v in value.items()}
    return value


def _check_ranges(pcfg: dict[str, Any], keys: Sequence[str]) -> None:
    """ConfigError naming the key, value and allowed values of any overridden setting out of range."""
    from madlc.config.schema import leaf_specs

    specs = leaf_specs()
    for key in keys:
        allowed = specs[key].metadata.get("allowed") if key in specs else None
        if allowed is None:
            continue
        node: Any = pcfg
        for part in key.split("."):
            node = node[part]
        if not allowed.accepts(node):
            raise ConfigError(f"{key}={node!r} (from command line): allowed: {allowed.describe()}. "
                              "What to do: fix the value.")


def _set(cfg: dict[str, Any], dotted: str, value: Any, add: bool, item: str) -> None:
    node = cfg
    parts = dotted.split(".")
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node.get(part), dict):
            if not add:
                raise ConfigError(f"override {item!r}: no key {'.'.join(parts[: i + 1])!r}. "
                                  "What to do: check the spelling, or prefix with + to add a new key.")
            node[part] = {}
        node = node[part]
    if parts[-1] not in node and not add:
        raise ConfigError(f"override {item!r}: no key {dotted!r} in the model config. "
                          f"What to do: check the spelling (keys here: {sorted(node)}), or prefix with + to add it.")
    node[parts[-1]] = value


def _delete(cfg: dict[str, Any], dotted: str, item: str) -> None:
    node = cfg
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    if not isinstance(node, dict) or parts[-1] not in node:
        raise ConfigError(f"override {item!r}: no key {dotted!r} to delete.")
    del node[parts[-1]]


def network_shape(pcfg: dict[str, Any]) -> dict[str, Any]:
    """Output sizes of the network a pytorch_config describes: joints, PAF edges, identity channels."""
    pred = pcfg["model"]["heads"]["bodypart"]["predictor"]
    n_ids = int(pcfg["model"]["heads"].get("identity", {}).get("num_individuals", 0)) \
        if pcfg["metadata"].get("with_identity") else 0
    return {
        "num_joints": int(pred["num_multibodyparts"]) + int(pred["num_uniquebodyparts"]),
        "num_multibodyparts": int(pred["num_multibodyparts"]),
        "graph": [list(map(int, e)) for e in pred["graph"]],
        "num_identities": n_ids,
        "locref_stdev": float(pred.get("locref_stdev", 7.2801)),
        "stride": int(pcfg["model"].get("stride", 8)),
    }
