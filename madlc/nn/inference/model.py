"""A trained shuffle ready for inference: network, decoding settings, scorer name.

:func:`load_inference_model` picks the snapshot (config.yaml ``snapshotindex``), loads it with
:func:`madlc.nn.models.load_model`, checks that it was trained on this project's body parts, and
gathers the decoding settings with this precedence:
Hydra ``inference`` group defaults < the model folder's ``test/pose_cfg.yaml``
(``nmsradius``, ``minconfidence``, ``paf_best``) < explicit ``inference.<key>=`` overrides.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from madlc.errors import ConfigError
from madlc.nn.inference.predict import InferenceSettings


@dataclass
class LoadedModel:
    """A network wrapped for uint8 batches plus what the output files need."""

    forward: Callable[[Any], dict[str, Any]]  # uint8 (B, H, W, 3) RGB on `device` -> map dict
    settings: InferenceSettings
    scorer: str
    net_type: str
    snapshot: Path
    model_folder: Path
    pytorch_config: dict[str, Any]
    pose_cfg: dict[str, Any]
    device: Any
    network: Any = None

    def __call__(self, batch: Any) -> dict[str, Any]:
        return self.forward(batch)


def select_snapshot(cfg: dict[str, Any], model_folder: Path, snapshotindex: int | str | None = None) -> Path:
    """The snapshot config.yaml's ``snapshotindex`` names (-1 / 'all' = the last, best one last)."""
    from madlc.project.paths import list_snapshots

    snaps = list_snapshots(model_folder / "train")
    if not snaps:
        raise ConfigError(f"{model_folder / 'train'}: no trained snapshot (snapshot-*.pt). "
                          "What to do: train this shuffle first (madlc train-network CONFIG).")
    index = cfg.get("snapshotindex", -1) if snapshotindex is None else snapshotindex
    if index in ("all", None):
        index = -1
    try:
        return snaps[int(index)]
    except (IndexError, ValueError):
        raise ConfigError(f"config.yaml: snapshotindex {index!r} but {model_folder / 'train'} has {len(snaps)} "
                          f"snapshots ({', '.join(s.name for s in snaps)}). What to do: set snapshotindex: -1 "
                          "(the last one) or a valid index.") from None


def _explicit_keys(overrides: Sequence[str]) -> set[str]:
    return {str(o).split("=")[0].lstrip("+").removeprefix("inference.") for o in overrides
            if str(o).lstrip("+").startswith("inference.")}


def split_distance(value: Any, stride: float) -> float:
    """``inference.split_distance`` in pixels: ``auto`` = half a score-map cell; null/0 = plain NMS."""
    if value in (None, False, "none", "null", "off"):
        return 0.0
    if value == "auto":
        return float(stride) / 2
    try:
        distance = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"inference.split_distance={value!r}: give a distance in pixels, auto or null.") from None
    if distance < 0:
        raise ConfigError(f"inference.split_distance={value!r}: must be >= 0 (0 or null = DeepLabCut's plain NMS).")
    return distance


def build_settings(cfg: dict[str, Any], model_cfg: dict[str, Any], pose_cfg: dict[str, Any],
                   inference_group: dict[str, Any], explicit: set[str], analyze: dict[str, Any]) -> InferenceSettings:
    """Decoding settings from the network shape, test/pose_cfg.yaml and the Hydra group (module docstring)."""
    from madlc.project.paths import all_bodyparts

    shape = model_cfg["shape"]

    def pick(group_key: str, pose_key: str, default: float) -> float:
        if group_key in explicit or pose_cfg.get(pose_key) is None:
            value = inference_group.get(group_key)
            return float(default if value is None else value)
        return float(pose_cfg[pose_key])

    graph = [list(map(int, e)) for e in shape["graph"]]
    paf_inds = None
    if pose_cfg.get("paf_best") is not None:
        paf_inds = [int(i) for i in pose_cfg["paf_best"]]
    else:
        keep = model_cfg["model"].get("heads", {}).get("bodypart", {}).get("predictor", {}).get("edges_to_keep")
        if keep is not None:
            paf_inds = [int(i) for i in keep]
    if paf_inds is not None:
        bad = [i for i in paf_inds if not 0 <= i < len(graph)]
        if bad:
            raise ConfigError(f"paf_best / edges_to_keep lists edges {bad} but the network has {len(graph)} PAF edges. "
                              "What to do: re-run evaluate_network (it rewrites paf_best), or remove paf_best "
                              "from test/pose_cfg.yaml.")
    stride = float(model_cfg.get("stride", shape.get("stride", 8)))
    return InferenceSettings(
        num_joints=int(shape["num_joints"]),
        all_joints_names=all_bodyparts(cfg),
        stride=stride,
        nms_radius=pick("nmsradius", "nmsradius", 5.0),
        min_confidence=pick("minconfidence", "minconfidence", 0.01),
        split_distance=split_distance(inference_group.get("split_distance", "auto"), stride),
        max_peaks=int(analyze.get("max_peaks", 64)),
        locref_stdev=1.0,  # madlc.nn.models.model_forward returns offsets in pixels
        graph=graph,
        paf_inds=paf_inds,
        n_samples=int(analyze.get("n_samples", 10)),
        sigma=pose_cfg.get("sigma", 1) or 1,
    )


def check_bodyparts(cfg: dict[str, Any], model_cfg: dict[str, Any], snapshot: Path) -> None:
    """ConfigError if the snapshot was trained on other body parts than the project's."""
    from madlc.project.paths import all_bodyparts, multianimal_bodyparts, unique_bodyparts

    meta = model_cfg.get("metadata", {})
    trained = list(meta.get("bodyparts") or []) + list(meta.get("unique_bodyparts") or [])
    project = all_bodyparts(cfg)
    n_net = int(model_cfg["shape"]["num_joints"])
    if (trained and (list(meta.get("bodyparts") or []) != multianimal_bodyparts(cfg)
                     or list(meta.get("unique_bodyparts") or []) != unique_bodyparts(cfg))) or n_net != len(project):
        raise ConfigError(
            f"{snapshot}: this network was trained on the body parts {trained or f'({n_net} of them)'}, but the "
            f"project config.yaml lists {project}. What to do: analyse with the project this model belongs to, or "
            "train a model for this project (create_multianimaltraining_dataset, then train_network).")


def load_inference_model(cfg: dict[str, Any], shuffle: int = 1, trainingsetindex: int = 0, device: Any = "cpu",
                         overrides: Sequence[str] = (), analyze: dict[str, Any] | None = None,
                         snapshotindex: int | str | None = None) -> LoadedModel:
    """Load the shuffle's snapshot and its decoding settings (module docstring)."""
    import torch

    from madlc.io import read_pose_cfg
    from madlc.nn.models import load_model, model_forward
    from madlc.project.paths import model_folder, scorer_name
    from madlc.settings import compose, to_dict

    folder = model_folder(cfg, shuffle, trainingsetindex)
    if not folder.exists():
        raise ConfigError(f"{folder}: no model folder for shuffle {shuffle} (trainingsetindex {trainingsetindex}). "
                          "What to do: create the training dataset and train it first, or pick another shuffle.")
    snapshot = select_snapshot(cfg, folder, snapshotindex)
    device = torch.device(device)
    network, model_cfg = load_model(snapshot, device=str(device))
    check_bodyparts(cfg, model_cfg, snapshot)
    pose_path = folder / "test" / "pose_cfg.yaml"
    pose_cfg = dict(read_pose_cfg(pose_path)) if pose_path.exists() else {}
    settings_tree = to_dict(compose(cfg.get("project_path"), list(overrides)))
    group = dict(settings_tree.get("inference") or {})
    settings = build_settings(cfg, model_cfg, pose_cfg, group, _explicit_keys(overrides), analyze or {})
    net_type = str(model_cfg.get("net_type") or pose_cfg.get("net_type") or "resnet_50")

    def forward(batch: Any) -> dict[str, Any]:
        images = batch.permute(0, 3, 1, 2).float().div_(255.0)
        out = model_forward(network, images)
        maps = {"heatmap": out["heatmaps"], "locref": out.get("locref")}
        if out.get("paf") is not None and out["paf"].shape[1] > 0:
            maps["paf"] = out["paf"]
        if out.get("identity") is not None:
            maps["identity"] = out["identity"]
        return maps

    return LoadedModel(forward, settings, scorer_name(cfg, net_type, snapshot, shuffle), net_type, Path(snapshot),
                       folder, model_cfg, pose_cfg, device, network)
