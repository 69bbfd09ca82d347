"""A trained shuffle ready for inference: network, decoding settings, scorer name.

:func:`load_inference_model` picks the snapshot (config.yaml ``snapshotindex``), loads it with
:func:`madlc.nn.models.load_model`, checks that it was trained on this project's body parts, and
builds the decoding settings from the resolved ``inference`` and ``analyze`` settings (given by the
stage, or resolved here with madlc.config: the model folder's ``test/pose_cfg.yaml`` and
``test/inference_cfg.yaml`` are fitted in by the documented rule) and the pose_cfg's ``paf_best``.
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
                   inference_group: dict[str, Any], analyze: dict[str, Any]) -> InferenceSettings:
    """Decoding settings from the network shape, the resolved ``inference`` / ``analyze`` groups
    (missing keys: the schema's defaults) and test/pose_cfg.yaml's ``paf_best`` and ``sigma``."""
    from madlc.config.schema import defaults_of
    from madlc.project.paths import all_bodyparts

    shape = model_cfg["shape"]
    inference_group = {**defaults_of("inference"), **inference_group}
    analyze = {**defaults_of("analyze"), **analyze}

    graph = [list(map(int, e)) for e in shape["graph"]]
    paf_inds = None
    keep = model_cfg["model"].get("heads", {}).get("bodypart", {}).get("predictor", {}).get("edges_to_keep")
    if model_cfg["model"].get("decoder") == "deeplabcut" and keep is not None:
        paf_inds = [int(i) for i in keep]  # DeepLabCut's predictor uses its pytorch_config's edges_to_keep
    elif pose_cfg.get("paf_best") is not None:
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
    decoder = str(model_cfg["model"].get("decoder", "madlc"))
    nms_radius = float(inference_group["nmsradius"])
    min_confidence = float(inference_group["minconfidence"])
    sigma = pose_cfg.get("sigma", 1) or 1
    if decoder == "deeplabcut":  # DeepLabCut's predictor settings (its threshold is fixed at 0.01), unless a
        # value was set away from madlc's default (madlc.yaml, a hand edit, the command line)
        predictor = model_cfg["model"].get("heads", {}).get("bodypart", {}).get("predictor", {})
        defaults = defaults_of("inference")
        if nms_radius == float(defaults["nmsradius"]):
            nms_radius = float(predictor.get("nms_radius", nms_radius))
        if min_confidence == float(defaults["minconfidence"]):
            min_confidence = 0.01
        sigma = float(predictor.get("sigma", sigma))
    return InferenceSettings(
        num_joints=int(shape["num_joints"]),
        all_joints_names=all_bodyparts(cfg),
        stride=stride,
        nms_radius=nms_radius,
        min_confidence=min_confidence,
        split_distance=split_distance(inference_group["split_distance"], stride),
        max_peaks=int(analyze["max_peaks"]),
        locref_stdev=1.0,  # madlc.nn.models.model_forward returns offsets in pixels
        graph=graph,
        paf_inds=paf_inds,
        n_samples=int(analyze["n_samples"]),
        sigma=sigma,
        decoder=decoder,
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
                         snapshotindex: int | str | None = None,
                         settings: dict[str, Any] | None = None) -> LoadedModel:
    """Load the shuffle's snapshot and its decoding settings (module docstring).

    ``settings``: the resolved ``inference`` (and ``analyze``) groups; None resolves them here
    from the project's madlc.yaml, the model's test/ files and ``overrides``. ``analyze`` (madlc's
    analysis options) wins over ``settings["analyze"]``.
    """
    import torch

    from madlc.io import read_pose_cfg
    from madlc.nn.models import load_model, model_forward
    from madlc.project.paths import model_folder, scorer_name
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
    if settings is None:
        from madlc.config import resolve
        from madlc.config.dlc_files import model_test_files

        settings = resolve(cfg.get("project_path"), overrides, dlc_files=model_test_files(folder)).values
    group = dict(settings["inference"])
    options = {**dict(settings.get("analyze") or {}), **dict(analyze or {})}
    settings = build_settings(cfg, model_cfg, pose_cfg, group, options)
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
