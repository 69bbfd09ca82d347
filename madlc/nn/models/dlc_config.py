"""A shuffle's model config as two files: DeepLabCut 3's ``train/pytorch_config.yaml`` and madlc's ``train/madlc_model.yaml``.

``train/pytorch_config.yaml`` is a DeepLabCut 3.0 pose config: it validates with DeepLabCut's own
``PoseConfig`` (a strict schema, unknown keys forbidden), so every DeepLabCut function that derives
file and scorer names from config + shuffle + snapshot works on a madlc shuffle. It holds what
DeepLabCut has keys for, filled with madlc's values: ``net_type``, ``method``, ``metadata``, the
PAF predictor (graph, ``edges_to_keep``, ...), target and loss settings, augmentation, optimizer,
snapshots, batch size.

``train/madlc_model.yaml`` holds madlc's own choices (the Hydra ``model``, ``data`` and ``train``
groups and ``seed``): madlc reads it back; DeepLabCut never opens it.

``net_type``: DeepLabCut 3.0 knows ``resnet_50``, ``resnet_101`` and ``dlcrnet_stride16_ms5``
(madlc's ``dlcrnet_ms5``). madlc's own networks (``tiny``, ``mobilenet_v2_1.0``,
``efficientnet-b0``) have no DeepLabCut name: they are recorded as the DeepLabCut family whose
layout they share (multi-scale fusion neck + PAF heads: ``dlcrnet_stride16_ms5``; single-scale:
``resnet_50``), with the real backbone and neck in ``model.backbone`` / ``model.neck`` under
madlc type names (``MadlcTiny`` ...) that DeepLabCut cannot build. So DeepLabCut's functions
that work from files (tracking, stitching, filtering, plots, videos, outlier frames) run on such
a shuffle; the ones that build the network (train, evaluate, analyze) stop with DeepLabCut's
"not in registry" error. The scorer (``DLC_<NetType>_<Task><date>shuffle<k>_snapshot_<n>``) is
derived from that ``net_type`` by both programs.

A shuffle made by DeepLabCut has no ``madlc_model.yaml``: madlc derives its settings from the
``net_type`` (madlc's network of that name, madlc's defaults) and the predictor in DeepLabCut's
file, and never rewrites DeepLabCut's ``pytorch_config.yaml`` (its own choices then go to
``madlc_model.yaml`` only).
"""
from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Any

MADLC_MODEL_FILE = "madlc_model.yaml"
PYTORCH_CONFIG = "pytorch_config.yaml"
#: ``written_by`` in madlc_model.yaml: who wrote pytorch_config.yaml (madlc rewrites only its own)
WRITTEN_BY_MADLC = "madlc"
WRITTEN_BY_DLC = "deeplabcut"


#: timm ResNet names madlc rebuilds (Bottleneck ResNets; ``_gn``: GroupNorm), see madlc.nn.models.dlc_net
RESNET_NAME = re.compile(r"^(resnet(50|101|152))(_gn)?$")
#: ``model.name`` of madlc's in-memory config for a shuffle whose network is DeepLabCut's own (dlc_net)
DLC_NETWORK = "deeplabcut"
_BACKBONES = ("ResNet", "DLCRNet")
_HEADS = ("DLCRNetHead",)


def unsupported_reason(dlc_model: dict[str, Any]) -> str | None:
    """Why madlc cannot rebuild the network of DeepLabCut's ``model`` section (None when it can)."""
    backbone = dlc_model.get("backbone") or {}
    heads = dlc_model.get("heads") or {}
    if backbone.get("type") not in _BACKBONES:
        return f"backbone type {backbone.get('type')!r} (madlc rebuilds {list(_BACKBONES)})"
    if not RESNET_NAME.match(str(backbone.get("model_name", ""))):
        return f"backbone model_name {backbone.get('model_name')!r} (madlc rebuilds resnet50/101/152[_gn])"
    if dlc_model.get("neck"):
        return "a neck (madlc rebuilds neck-free bottom-up models)"
    if set(heads) != {"bodypart"}:
        return f"heads {sorted(heads)} (madlc rebuilds the bodypart head only: no unique-bodypart or identity head yet)"
    if (heads["bodypart"] or {}).get("type") not in _HEADS:
        return f"bodypart head type {heads['bodypart'].get('type')!r} (madlc rebuilds {list(_HEADS)})"
    return None


def dlc_model_stride(dlc_model: dict[str, Any]) -> float:
    """Output stride of the bodypart maps (backbone stride / head stride, DeepLabCut's formula)."""
    head = dlc_model["heads"]["bodypart"]
    head_stride = 1
    for s in (head.get("heatmap_config") or {}).get("strides") or []:
        head_stride *= int(s)
    if int(head.get("num_stages", 5)) > 0:
        head_stride *= 2
    return int(dlc_model["backbone"].get("output_stride", 32)) / head_stride


def dlc_network_model(dlc: dict[str, Any]) -> dict[str, Any]:
    """madlc's ``model`` group for a shuffle whose network madlc rebuilds from DeepLabCut's ``model`` section."""
    stride = dlc_model_stride(dlc["model"])
    return {"name": DLC_NETWORK, "backbone": DLC_NETWORK, "dlc": copy.deepcopy(dlc["model"]),
            "net_type": str(dlc.get("net_type")), "stride": int(stride) if float(stride).is_integer() else stride,
            "decoder": "deeplabcut", "pretrained": False, "heads": heads_from_dlc(dlc)}

#: madlc ``model.net_type`` -> DeepLabCut 3.0 NetType (networks both have)
SHARED_NET_TYPES = {
    "resnet_50": "resnet_50",
    "resnet_101": "resnet_101",
    "dlcrnet_ms5": "dlcrnet_stride16_ms5",
    "dlcrnet_stride16_ms5": "dlcrnet_stride16_ms5",
}
#: madlc backbone -> type name written in model.backbone (DeepLabCut cannot build these)
BACKBONE_TYPES = {
    "tiny": "MadlcTiny", "resnet_50": "MadlcResNet", "resnet_101": "MadlcResNet",
    "mobilenet_v2": "MadlcMobileNetV2", "efficientnet_b0": "MadlcEfficientNet",
}


def dlc_net_type(model: dict[str, Any]) -> str:
    """DeepLabCut 3.0 ``net_type`` for a madlc ``model`` group (module docstring)."""
    own = str(model.get("net_type") or model.get("name") or "")
    if own in SHARED_NET_TYPES:
        return SHARED_NET_TYPES[own]
    return "dlcrnet_stride16_ms5" if model.get("neck") == "fusion" else "resnet_50"


def _augmentation(data: dict[str, Any]) -> dict[str, Any]:
    """DeepLabCut's ``data.train`` transforms carrying madlc's augmentation values."""
    aug = data.get("augmentation") or {}
    width, height = (list(data.get("crop_size") or [400, 400]) + [400, 400])[:2]
    scale = list(aug.get("scale") or [0.5, 1.25])
    method = str(data.get("crop_sampling", "hybrid"))
    train: dict[str, Any] = {
        "affine": {"p": float(aug.get("rotation_p", 0.4)), "rotation": int(aug.get("rotation", 25)),
                   "scaling": [float(scale[0]), float(scale[-1])], "translation": 0},
        "crop_sampling": {"width": int(width), "height": int(height), "max_shift": float(data.get("crop_jitter", 0.1)),
                          "method": method if method in ("uniform", "keypoints", "density", "hybrid") else "hybrid"},
        "hist_eq": False,
        "motion_blur": bool(aug.get("blur", 0.0)),
        "normalize_images": True,
    }
    if float(aug.get("hflip", 0.0) or 0.0) > 0:
        train["hflip"] = float(aug["hflip"])
    return train


def _heads(pcfg: dict[str, Any]) -> dict[str, Any]:
    """``model.heads`` in DeepLabCut's vocabulary: predictor, targets and losses with madlc's values."""
    data, train = pcfg["data"], pcfg["train"]
    heads = pcfg["model"]["heads"]
    pred = dict(heads["bodypart"]["predictor"])
    pred.setdefault("apply_sigmoid", True)
    pred.setdefault("clip_scores", False)
    weights = train.get("loss_weights") or {}
    n_joints = int(pred["num_multibodyparts"]) + int(pred["num_uniquebodyparts"])
    bodypart = {
        "type": "MadlcPAFHead",
        "predictor": pred,
        "target_generator": {"type": "SequentialGenerator", "generators": [
            {"type": "HeatmapPlateauGenerator", "num_heatmaps": n_joints,
             "pos_dist_thresh": int(data.get("pos_dist_thresh", 17)), "heatmap_mode": "KEYPOINT",
             "gradient_masking": False, "generate_locref": True, "locref_std": float(data.get("locref_stdev", 7.2801))},
            {"type": "PartAffinityFieldGenerator", "graph": pred["graph"], "width": int(data.get("pafwidth", 20))},
        ]},
        "criterion": {
            "heatmap": {"type": "WeightedBCECriterion", "weight": float(weights.get("heatmap", 1.0))},
            "locref": {"type": "WeightedHuberCriterion" if train.get("locref_huber", True) else "WeightedMSECriterion",
                       "weight": float(weights.get("locref", 0.05))},
            "paf": {"type": "WeightedHuberCriterion", "weight": float(weights.get("paf", 0.1))},
        },
    }
    out: dict[str, Any] = {"bodypart": bodypart}
    if "identity" in heads:
        out["identity"] = {
            "type": "MadlcIdentityHead",
            "predictor": {"type": "IdentityPredictor", "apply_sigmoid": True},
            "num_individuals": int(heads["identity"]["num_individuals"]),
            "criterion": {"heatmap": {"type": "WeightedBCECriterion", "weight": float(weights.get("identity", 1.0))}},
        }
    return out


def _epochs(train: dict[str, Any], steps_per_epoch: int | None) -> int:
    if train.get("max_epochs"):
        return int(train["max_epochs"])
    return max(1, math.ceil(int(train.get("max_steps", 50000)) / max(1, int(steps_per_epoch or 1))))


def to_dlc_pose_config(pcfg: dict[str, Any], steps_per_epoch: int | None = None) -> dict[str, Any]:
    """The DeepLabCut 3.0 ``pytorch_config.yaml`` dict for madlc's in-memory model config."""
    model, data, train = pcfg["model"], pcfg["data"], pcfg["train"]
    backbone_name = str(model.get("backbone", model.get("name")))
    backbone = {"type": BACKBONE_TYPES.get(backbone_name, "Madlc" + backbone_name.title().replace("_", "")),
                "model_name": backbone_name, "pretrained": bool(model.get("pretrained", False))}
    if model.get("tiny_channels"):
        backbone["channels"] = list(model["tiny_channels"])
    lr = train.get("lr", "auto")
    lr = float(model.get("lr", 1e-4)) if lr in (None, "auto") else float(lr)
    optimizer = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}.get(str(train.get("optimizer", "adam")).lower(),
                                                                    str(train.get("optimizer")))
    params: dict[str, Any] = {"lr": lr}
    if float(train.get("weight_decay") or 0.0):
        params["weight_decay"] = float(train["weight_decay"])
    runner: dict[str, Any] = {
        "type": "PoseTrainingRunner", "device": str(train.get("device", "auto")),
        "optimizer": {"type": optimizer, "params": params},
        "snapshots": {"max_snapshots": int(train.get("max_snapshots_to_keep") or 0) or 1000000,
                      "save_epochs": int(train.get("save_epochs", 25)), "save_optimizer_state": True},
    }
    if str(train.get("schedule", "step")) == "step" and train.get("milestones"):
        runner["scheduler"] = {"type": "MadlcStepScheduler", "params": {
            "milestone_steps": [int(m) for m in train["milestones"]],
            "lr_factors": [float(f) for f in train.get("lr_factors") or []]}}
    workers = data.get("num_workers", 0)
    return {
        "config_version": 0,
        "model": {
            "backbone": backbone,
            "heads": _heads(pcfg),
            "backbone_output_channels": None,
            "neck": {"type": "MadlcFusionNeck" if model.get("neck") == "fusion" else "MadlcUpsampleNeck",
                     "channels": int(model.get("neck_channels", 64)), "head_channels": int(model.get("head_channels", 32))},
            "pose_model": {"stride": int(model.get("stride", 8))},
        },
        "net_type": pcfg["net_type"],
        "method": "bu",
        "device": str(pcfg.get("device", "auto")),
        "metadata": copy.deepcopy(pcfg["metadata"]),
        "data": {"bbox_margin": 20, "colormode": "RGB", "inference": {"normalize_images": True},
                 "train": _augmentation(data)},
        "runner": runner,
        "train_settings": {
            "batch_size": int(data.get("batch_size", 8)),
            "dataloader_workers": int(workers) if str(workers).isdigit() else 0,
            "dataloader_pin_memory": False,
            "display_iters": int(train.get("display_iters", 500)),
            "epochs": _epochs(train, steps_per_epoch),
            "seed": int(pcfg.get("seed", 0)),
        },
        "logger": None,
        "with_center_keypoints": False,
        "detector": None,
        "resume_training_from": None,
    }


def madlc_side(pcfg: dict[str, Any], written_by: str) -> dict[str, Any]:
    """What ``madlc_model.yaml`` holds: madlc's groups and the (madlc) network's heads."""
    return {
        "written_by": written_by,
        "net_type": pcfg["net_type"],
        "model": copy.deepcopy(pcfg["model"]),
        "data": copy.deepcopy(pcfg["data"]),
        "train": copy.deepcopy(pcfg["train"]),
        "seed": int(pcfg.get("seed", 0)),
    }


def is_madlc_layout(raw: dict[str, Any]) -> bool:
    """A pytorch_config.yaml written by madlc before the split (madlc's groups inside it)."""
    return isinstance(raw.get("train"), dict) and isinstance(raw.get("model"), dict) and "name" in raw["model"]


def merge(dlc: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """madlc's in-memory config from DeepLabCut's file and madlc's."""
    out = {
        "net_type": str(dlc.get("net_type") or own.get("net_type")),
        "method": dlc.get("method", "bu"),
        "device": dlc.get("device", "auto"),
        "metadata": copy.deepcopy(dlc.get("metadata") or {}),
        "model": copy.deepcopy(own["model"]),
        "data": copy.deepcopy(own["data"]),
        "train": copy.deepcopy(own["train"]),
        "seed": int(own.get("seed", 0)),
    }
    if not isinstance(out["model"].get("heads"), dict):
        out["model"]["heads"] = heads_from_dlc(dlc)
    if out["model"].get("name") == DLC_NETWORK and unsupported_reason(dlc.get("model") or {}) is None:
        out["model"] = dlc_network_model(dlc)  # always DeepLabCut's file as it is now (e.g. its edges_to_keep)
    return out


def heads_from_dlc(dlc: dict[str, Any]) -> dict[str, Any]:
    """madlc's ``model.heads`` (PAF predictor, identity) from a DeepLabCut pose config."""
    heads = (dlc.get("model") or {}).get("heads") or {}
    pred = copy.deepcopy((heads.get("bodypart") or {}).get("predictor") or {})
    meta = dlc.get("metadata") or {}
    if not pred.get("graph") and "graph" not in pred:
        pred["graph"] = []
    pred.setdefault("num_animals", len(meta.get("individuals") or []))
    pred.setdefault("num_multibodyparts", len(meta.get("bodyparts") or []))
    pred.setdefault("num_uniquebodyparts", len(meta.get("unique_bodyparts") or []))
    pred.setdefault("edges_to_keep", list(range(len(pred["graph"]))))
    pred.setdefault("locref_stdev", 7.2801)
    out: dict[str, Any] = {"bodypart": {"predictor": {k: pred[k] for k in (
        "type", "num_animals", "num_multibodyparts", "num_uniquebodyparts", "nms_radius", "sigma", "locref_stdev",
        "min_affinity", "graph", "edges_to_keep") if k in pred}}}
    if meta.get("with_identity"):
        out["identity"] = {"num_individuals": len(meta.get("individuals") or [])}
    return out


def dlc_made_settings(dlc: dict[str, Any], path: Path) -> dict[str, Any]:
    """madlc's groups for a shuffle DeepLabCut made: madlc's network of that ``net_type`` and madlc's defaults."""
    from madlc.errors import ConfigError
    from madlc.nn.models.names import NET_TYPE_TO_MODEL
    from madlc.config import compose, to_dict

    net = str(dlc.get("net_type") or "")
    if net not in NET_TYPE_TO_MODEL:
        raise ConfigError(f"{path}: DeepLabCut net_type {net!r} has no madlc network (madlc has "
                          f"{sorted(NET_TYPE_TO_MODEL)}). What to do: create a madlc shuffle for this project "
                          "(madlc create-multianimaltraining-dataset CONFIG makes the next free shuffle).")
    project = (dlc.get("metadata") or {}).get("project_path")
    settings = to_dict(compose(project if project and Path(project).exists() else None,
                               [f"model={NET_TYPE_TO_MODEL[net]}"]))
    settings["model"]["heads"] = heads_from_dlc(dlc)
    if unsupported_reason(dlc.get("model") or {}) is None:  # DeepLabCut's own network, rebuilt (dlc_net)
        settings["model"] = dlc_network_model(dlc)
    train_settings = dlc.get("train_settings") or {}
    if train_settings.get("batch_size"):
        settings["data"]["batch_size"] = int(train_settings["batch_size"])
    return {"net_type": net, "model": settings["model"], "data": settings["data"], "train": settings["train"],
            "seed": int(settings.get("seed", train_settings.get("seed", 0)) or 0)}
