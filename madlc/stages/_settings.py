"""Settings resolution of the stages, gathered here unchanged from where it lived (the ``settings``
helper replaces it with one resolver; see docs/architecture.md).

- assembly (was ``assembly/settings.py``): :func:`inference_settings` returns the merged plain dict
  (Hydra defaults < ``inference_cfg.yaml`` < overrides; every key of
  ``madlc/configs/inference/default.yaml``); :func:`assembly_settings` turns it, with the detections'
  metadata, into the :class:`~madlc.core.assembly.assemble.AssemblySettings` the assembler runs on.
- tracking (was ``tracking/api.py``): :func:`tracking_settings`, and :func:`tracker_config` /
  :func:`stitch_config` that build core's ``TrackerConfig`` / ``StitchConfig``.
- filtering and review (were in the stages): :func:`filter_settings`, :func:`review_settings`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from madlc.errors import ConfigError, file_error

#: keys of DeepLabCut 2.2b inference_cfg files, removed in 2.2rc1: read and ignored.
LEGACY_KEYS = frozenset({
    "detectionthresholdsquare", "distnormalization", "distnormalizationLOWER", "upperbound_factor",
    "lowerbound_factor", "addlikelihoods", "averagescore",
})


def read_inference_cfg_keys(path: str | Path) -> dict[str, Any]:
    """The keys actually written in an inference_cfg.yaml (ConfigError naming the file if unreadable).

    ``madlc.io.read_inference_cfg`` fills DeepLabCut's template values for missing keys; those must
    not shadow madlc's defaults and project settings, hence this raw reader for settings merges.
    """
    from madlc.errors import FormatError
    from madlc.io.yaml_cfgs import read_yaml

    path = Path(path)
    if not path.exists():
        raise file_error(path, "the inference_cfg.yaml does not exist",
                         "pass the model's test/inference_cfg.yaml or leave the option out", ConfigError)
    try:
        return dict(read_yaml(path, "inference_cfg.yaml"))
    except FormatError as err:
        raise ConfigError(str(err)) from err




def _parse_override(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise ConfigError(f"override {text!r}: expected key=value (e.g. inference.pcutoff=0.2). "
                          "What to do: write the setting as key=value.")
    key, value = text.split("=", 1)
    key = key.strip().lstrip("+")
    if key.startswith("inference."):
        key = key[len("inference."):]
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError:
        parsed = value
    return key, parsed


def inference_settings(inference_cfg_path: str | Path | None = None, overrides: Sequence[str] = (),
                       project: str | Path | None = None) -> dict[str, Any]:
    """Merged inference settings: group defaults < ``inference_cfg_path`` < ``overrides``.

    ``overrides`` are ``key=value`` strings, with or without the ``inference.``
    prefix (``inference.pcutoff=0.2`` or ``pcutoff=0.2``); overrides of other groups
    (``tracking.x=1``) are ignored here. Legacy DeepLabCut keys in the file are
    dropped; other unknown keys are kept (DeepLabCut tolerates them).
    """
    from madlc.settings import compose, to_dict

    try:
        settings = dict(to_dict(compose(project, overrides=())).get("inference", {}))
    except ConfigError:
        if project is not None:
            raise
        # another group's file is broken: madlc's own inference defaults still apply
        from madlc.settings import CONFIG_DIR

        settings = yaml.safe_load((CONFIG_DIR / "inference" / "default.yaml").read_text()) or {}
    file_values: dict[str, Any] = {}
    if inference_cfg_path is not None:
        file_values = read_inference_cfg_keys(inference_cfg_path)
        for key in LEGACY_KEYS:
            file_values.pop(key, None)
        settings.update(file_values)
    for text in overrides:
        name = text.split("=", 1)[0].strip().lstrip("+")
        if "." in name and not name.startswith("inference."):
            continue  # another group's setting
        key, value = _parse_override(text)
        settings[key] = value
    return settings


def _meta_individuals(meta: Mapping[str, Any] | None) -> int | None:
    if not meta:
        return None
    data = meta.get("data", meta)
    inds = data.get("individuals")
    if inds:
        return len(inds)
    return None


def assembly_settings(settings: Mapping[str, Any], metadata: Mapping[str, Any], meta: Mapping[str, Any] | None = None,
                      n_multibodyparts: int | None = None, calibration: dict | None = None):
    """Build :class:`AssemblySettings` from merged inference settings and a full pickle's ``metadata``.

    ``n_multibodyparts``: number of multi-animal body parts; default: the body parts
    touched by the PAF graph (unique parts come after them and have no edges).
    """
    from madlc.core.assembly.assemble import AssemblySettings

    names = list(metadata.get("all_joints_names") or [])
    graph = [tuple(int(v) for v in e) for e in (metadata.get("PAFgraph") or [])]
    paf_inds = metadata.get("PAFinds")
    paf_inds = list(range(len(graph))) if paf_inds is None or len(paf_inds) == 0 else [int(i) for i in paf_inds]
    if settings.get("paf_best") is not None:  # a later evaluation's pruned graph, within what the video has costs for
        computed = set(paf_inds)
        kept = [int(i) for i in settings["paf_best"] if int(i) in computed]
        paf_inds = kept or paf_inds
    if n_multibodyparts is None:
        touched = {v for e in graph for v in e}
        n_multibodyparts = (max(touched) + 1) if touched else (len(names) or 1)
    n_multi = int(n_multibodyparts)
    top = settings.get("topktoretain")
    if top is None:
        top = _meta_individuals(meta) or 3
    min_links = settings.get("minimalnumberofconnections")
    if min_links is None:
        min_links = max(1, n_multi // 2)
    try:
        return AssemblySettings(
            n_multibodyparts=n_multi,
            graph=graph,
            paf_inds=paf_inds,
            pcutoff=float(settings.get("pcutoff", 0.1)),
            pafthreshold=float(settings.get("pafthreshold", 0.05)),
            min_n_links=int(float(min_links)),
            max_n_individuals=max(1, int(top)),
            withid=bool(settings.get("withid", False)),
            method=str(settings.get("method", "m1")),
            grouping=str(settings.get("grouping", "average")),
            merge_rule=str(settings.get("merge_rule", "max")),
            pairing=str(settings.get("pairing", "optimal")),
            max_candidates=None if settings.get("max_candidates") is None else int(settings["max_candidates"]),
            calibration=calibration,
            length_weight=float(settings.get("length_weight", 1.0)),
            calibration_z=float(settings.get("calibration_z", 4.0) or 0.0),
            score=str(settings.get("score", "affinity")),
            score_px=float(settings.get("score_px", 5.0)),
            n_bodyparts=len(names) or None,
            refine=bool(settings.get("refine", True)),
        )
    except (TypeError, ValueError) as err:
        raise ConfigError(f"inference settings: {err}. What to do: fix the value in inference_cfg.yaml "
                          "or the override.") from err


# ---------------------------------------------------------------- tracking (moved unchanged from tracking/api.py)
#: inference_cfg.yaml keys the trackers read (FORMATS.md §5)
DLC_TRACKER_KEYS = ("boundingboxslack", "iou_threshold", "max_age", "min_hits", "oks_threshold", "pcutoff")
#: top-level names of madlc's Hydra tree (madlc/configs/config.yaml); never tracking settings
_TOP_LEVEL_SETTINGS = ("model", "data", "train", "inference", "tracking", "filter", "review", "pipeline", "seed")
STITCH_ARG_KEYS = ("min_length", "split_tracklets", "prestitch_residuals", "max_gap")


def tracking_settings(inference_cfg: str | Path | None = None, overrides: Sequence[str] = (),
                      project: str | Path | None = None) -> dict[str, Any]:
    """Merged tracking settings: group defaults < ``inference_cfg`` DeepLabCut keys < ``overrides``."""
    from madlc.settings import compose, to_dict

    settings = dict(to_dict(compose(project, overrides=())).get("tracking", {}))
    if inference_cfg is not None:
        data = read_inference_cfg_keys(inference_cfg)
        settings.update({k: data[k] for k in DLC_TRACKER_KEYS if k in data})
    for key, value in _parse_overrides(overrides).items():
        if key not in settings:
            raise ConfigError(f"override {key}={value!r}: no such tracking setting. What to do: use one of "
                              f"{', '.join(sorted(settings))} (see madlc/configs/tracking/default.yaml).")
        settings[key] = value
    return settings


def _parse_overrides(overrides: Sequence[str]) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {}
    for text in overrides:
        if "=" not in text:
            raise ConfigError(f"override {text!r}: expected key=value (e.g. tracking.max_age=5).")
        key, value = text.split("=", 1)
        key = key.strip().lstrip("+")
        group, _, name = key.rpartition(".")
        if group and group not in ("tracking", "inference"):
            continue  # another stage's setting
        if not group and name in _TOP_LEVEL_SETTINGS:
            continue  # a Hydra group choice (model=resnet_50) or a top-level value of another stage
        if group == "inference" and name not in DLC_TRACKER_KEYS:
            continue
        try:
            out[name] = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError:
            out[name] = value
    return out


def _explicit(overrides: Sequence[str]) -> set[str]:
    return set(_parse_overrides(overrides))


def tracker_config(settings: Mapping[str, Any], method: str, n_identities: int = 0, use_identity: bool = False):
    """:class:`TrackerConfig` from merged settings."""
    from madlc.core.tracking.trackers import METHODS, TrackerConfig

    if method not in METHODS:
        raise ConfigError(f"unknown track_method {method!r}. What to do: use one of {', '.join(METHODS)}.")
    threshold = settings.get("oks_threshold") if method == "skeleton" else settings.get("iou_threshold")
    return TrackerConfig(
        method=method, max_age=int(settings.get("max_age", 1)), min_hits=int(settings.get("min_hits", 1)),
        threshold=None if threshold is None else float(threshold),
        boundingboxslack=float(settings.get("boundingboxslack") or 0),
        box_relative_slack=float(settings.get("box_relative_slack", 0.2)),
        ambiguity_margin=float(settings.get("ambiguity_margin", 0.1)),
        pose_weight=float(settings.get("pose_weight", 0.5)),
        pcutoff=float(settings.get("pcutoff", 0.1)), backfill=bool(settings.get("backfill", True)),
        identity_weight=float(settings.get("identity_weight", 0.5)) if use_identity else 0.0,
        n_identities=n_identities, ellipse_sd=float(settings.get("ellipse_sd", 2.0)),
        oks_sigma=float(settings.get("oks_sigma", 0.35)), keypoint_state=bool(settings.get("keypoint_state", True)),
        kf_measurement_std=float(settings.get("kf_measurement_std", 2.0)),
        kf_process_std=float(settings.get("kf_process_std", 1.0)),
    )


def repair_choice(value: Any, n_identities: int) -> bool:
    """``tracking.repair_swaps``: true / false, or ``auto`` = on unless identities are predicted."""
    if isinstance(value, str) and value.lower() == "auto":
        return n_identities == 0
    if isinstance(value, str):
        return value.lower() in ("true", "yes", "on", "1")
    return bool(value)


def stitch_config(settings: Mapping[str, Any], n_identities: int = 0):
    """:class:`StitchConfig` from merged settings."""
    from madlc.core.tracking.stitch import StitchConfig

    max_gap = settings.get("max_gap")
    return StitchConfig(
        min_length=int(settings.get("min_length", 10)), split_tracklets=bool(settings.get("split_tracklets", True)),
        prestitch_residuals=bool(settings.get("prestitch_residuals", True)),
        flow_min_length=int(settings.get("flow_min_length", 3)),
        max_overlap=int(settings.get("max_overlap", 2)),
        repair_swaps=repair_choice(settings.get("repair_swaps", "auto"), n_identities),
        repair_context=int(settings.get("repair_context", 30)),
        repair_margin=float(settings.get("repair_margin", 0.5)),
        max_gap=None if max_gap in (None, 0) else int(max_gap),
        coverage_reward=float(settings.get("coverage_reward", 1.0)),
        boundary_cost=float(settings.get("boundary_cost", 10.0)),
        motion_weight=float(settings.get("motion_weight", 0.5)), shape_weight=float(settings.get("shape_weight", 2.0)),
        gap_weight=float(settings.get("gap_weight", 0.02)),
        identity_weight=float(settings.get("stitch_identity_weight", 5.0)),
        velocity_window=int(settings.get("velocity_window", 8)),
        velocity_decay=float(settings.get("velocity_decay", 10.0)),
        gap_motion=str(settings.get("gap_motion", "speed")),
        split_jump=float(settings.get("split_jump", 3.0)), max_links=int(settings.get("max_links", 12)),
        residual_max_cost=float(settings.get("residual_max_cost", 12.0)), n_identities=n_identities,
        pcutoff=float(settings.get("pcutoff", 0.1)),
    )


def filter_settings(config: Any, overrides: Sequence[str] = (), **explicit: Any) -> dict[str, Any]:
    """Filter settings: ``madlc/configs/filter`` defaults < project madlc.yaml < overrides < explicit args."""
    from madlc.settings import compose, to_dict

    project = config if isinstance(config, (str, Path)) else (config.get("project_path") if isinstance(config, dict) else None)
    settings = dict(to_dict(compose(project, overrides)).get("filter") or {})
    settings.update({k: v for k, v in explicit.items() if v is not None})
    return settings


def review_settings(config: str | Path, part: str, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """The ``review.<part>`` settings (``detections_video`` or ``raw_outliers``) of a project."""
    from madlc.settings import compose, to_dict

    return dict((to_dict(compose(config, overrides=list(overrides))).get("review") or {}).get(part) or {})
