"""The model folder's config files: ``train/pytorch_config.yaml``, ``test/pose_cfg.yaml``, ``test/inference_cfg.yaml``.

``train/pytorch_config.yaml`` layout (FORMATS.md §4.6 keys DeepLabCut reads, plus madlc's resolved
Hydra settings, which is what training, evaluation and inference read)::

    net_type: dlcrnet_ms5        # DeepLabCut name
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

import yaml

from madlc.errors import ConfigError
from madlc.nn.models.names import NET_TYPE_TO_MODEL, model_option
from madlc.project import paths

GROUPS = ("model", "data", "train")
#: Hydra groups of other stages: their overrides are ignored here (the pipeline passes one override list to all)
OTHER_GROUPS = ("inference", "tracking", "filter", "review", "pipeline", "analyze")
PYTORCH_CONFIG = "pytorch_config.yaml"


def _project_model_choice(cfg: dict[str, Any]) -> bool:
    from madlc.settings import _project_overrides

    overrides, values = _project_overrides(cfg.get("project_path"))
    return any(o.split("=")[0].lstrip("+") == "model" for o in overrides) or isinstance(values.get("model"), str)


def resolve_settings(cfg: dict[str, Any], net_type: str | None = None, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Compose the Hydra settings for a new shuffle (net_type > model= override > madlc.yaml > default_net_type)."""
    from madlc.settings import compose, to_dict

    extra: list[str] = []
    if net_type is not None:
        extra = [f"model={model_option(net_type)}"]
    elif not any(o.split("=")[0].lstrip("+") == "model" for o in overrides) and not _project_model_choice(cfg):
        default = cfg.get("default_net_type")
        if default in NET_TYPE_TO_MODEL:
            extra = [f"model={NET_TYPE_TO_MODEL[default]}"]
    return to_dict(compose(cfg.get("project_path"), [*extra, *overrides]))


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
        "nms_radius": int((settings.get("inference") or {}).get("nmsradius") or 5),
        "sigma": 1.0,
        "locref_stdev": float(data.get("locref_stdev", 7.2801)),
        "min_affinity": 0.05,
        "graph": [list(map(int, e)) for e in graph],
        "edges_to_keep": list(range(len(graph))),
    }}}
    if identity:
        heads["identity"] = {"num_individuals": len(inds)}
    model["heads"] = heads
    model_dir = paths.model_folder(cfg, shuffle, trainingsetindex)
    return {
        "net_type": model.get("net_type", model.get("name")),
        "method": "bu",
        "device": settings["train"].get("device", "auto"),
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
        "seed": int(settings.get("seed", 0)),
    }


def test_pose_cfg(cfg: dict[str, Any], pytorch_cfg: dict[str, Any], shuffle: int, trainingsetindex: int,
                  settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """``test/pose_cfg.yaml``: DeepLabCut's test keys (FORMATS.md §4.5, TF superset of the PyTorch keys).

    Peak finding (``nmsradius``, ``minconfidence``) comes from the resolved ``inference`` settings
    (madlc defaults, the project's madlc.yaml, overrides), else DeepLabCut's 5.0 / 0.01.
    """
    inference = (settings or {}).get("inference") or {}
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
        "nmsradius": float(inference.get("nmsradius") or 5.0),
        "minconfidence": float(inference.get("minconfidence") or 0.01),
        "sigma": 1,
        "locref_smooth": False,
        "scoremap_dir": "test",
        "project_path": str(paths.project_dir(cfg)),
    }


#: DeepLabCut's inference_cfg template (FORMATS.md §5); values from the Hydra `inference` group win
INFERENCE_TEMPLATE = ["variant", "pafthreshold", "method", "minimalnumberofconnections", "pcutoff", "topktoretain",
                      "withid", "boundingboxslack", "iou_threshold", "max_age", "min_hits"]


def inference_cfg_for(cfg: dict[str, Any], settings: dict[str, Any], overrides: Sequence[str] = ()) -> dict[str, Any]:
    """``test/inference_cfg.yaml``: the Hydra ``inference`` group's values for DeepLabCut's template keys.

    ``minimalnumberofconnections``, ``topktoretain`` and ``withid`` come from the project (as DeepLabCut
    writes them) unless an ``inference.<key>=`` override sets them explicitly.
    """
    defaults = {
        "variant": 0, "pafthreshold": 0.1, "method": "m1",
        "minimalnumberofconnections": int(len(paths.multianimal_bodyparts(cfg)) / 2),
        "pcutoff": 0.1, "topktoretain": len(paths.individuals(cfg)), "withid": bool(cfg.get("identity")),
        "boundingboxslack": 0, "iou_threshold": 0.6, "max_age": 1, "min_hits": 1,
    }
    group = settings.get("inference") or {}
    out = {k: group.get(k, v) if group.get(k) is not None else v for k, v in defaults.items()}
    explicit = {o.split("=")[0].lstrip("+") for o in overrides}
    for key in ("minimalnumberofconnections", "topktoretain", "withid"):  # project-derived unless set explicitly
        if group.get(key) in (None, "auto") or f"inference.{key}" not in explicit:
            out[key] = defaults[key]
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
    """Read ``<model folder>/train/pytorch_config.yaml`` (clear error when missing or broken)."""
    from madlc.project.trainingset import read_yaml

    path = model_folder_of(model_folder) / "train" / PYTORCH_CONFIG
    pcfg = read_yaml(path, "model config (pytorch_config.yaml)")
    for key in ("model", "data", "train", "metadata"):
        if not isinstance(pcfg.get(key), dict):
            raise ConfigError(f"{path}: section {key!r} is missing. What to do: re-create the shuffle with "
                              "create_multianimaltraining_dataset (this file was not written by madlc).")
    return pcfg


def apply_overrides(pcfg: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply Hydra-style overrides to a pytorch_config dict (group swaps, ``a.b=v``, ``+a.b=v``, ``~a.b``).

    Overrides of other stages' groups (``inference.*``, ``tracking.*``, ``filter.*``, ``pipeline.*``) are ignored.
    """
    from madlc.settings import CONFIG_DIR

    out = copy.deepcopy(pcfg)
    for item in overrides:
        item = str(item).strip()
        if item.startswith("~"):
            _delete(out, item[1:].split("=")[0], item)
            continue
        if "=" not in item:
            raise ConfigError(f"override {item!r} is not key=value. What to do: write e.g. train.max_steps=1000.")
        key, raw = item.split("=", 1)
        add = key.startswith("+")
        key = key.lstrip("+")
        if key.split(".")[0] in OTHER_GROUPS:
            continue
        value = _parse_value(raw, item)
        if key in GROUPS and isinstance(value, str):
            option = model_option(value) if key == "model" and value in NET_TYPE_TO_MODEL else value
            path = CONFIG_DIR / key / f"{option}.yaml"
            if not path.exists():
                choices = sorted(p.stem for p in (CONFIG_DIR / key).glob("*.yaml"))
                raise ConfigError(f"override {item!r}: no option {option!r} in group {key!r}. What to do: use one of {choices}.")
            group = yaml.safe_load(path.read_text()) or {}
            if key == "model":
                group["heads"] = out["model"].get("heads", {})
                out["net_type"] = group.get("net_type", option)
            out[key] = group
            continue
        _set(out, key, value, add, item)
    return out


def _parse_value(raw: str, item: str) -> Any:
    """YAML value of an override; ``1e-3`` (a string for YAML 1.1) becomes a float as in Hydra."""
    try:
        value = yaml.safe_load(raw) if raw != "" else ""
    except yaml.YAMLError as err:
        raise ConfigError(f"override {item!r}: value is not valid YAML ({err}).") from None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


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
