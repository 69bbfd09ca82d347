"""What the stages need from the settings: their resolved groups, and the core configs built from them.

Every stage resolves its settings once with :func:`stage_settings` (madlc.config.resolve: defaults <
DeepLabCut's files as madlc wrote them < ``<project>/madlc.yaml`` < hand-edited DeepLabCut files <
command line), or takes them ready-made (``settings=``, what a Snakemake rule passes). The functions
below only turn resolved values into the typed settings of madlc.core (AssemblySettings,
TrackerConfig, StitchConfig); a missing key is filled from the schema, the one place defaults are
written (madlc/config/schema.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from madlc.errors import ConfigError, file_error


def stage_settings(stage: str, config: str | Path | None = None, overrides: Sequence[str] = (),
                   settings: Mapping[str, Any] | None = None,
                   dlc_files: Sequence[str | Path] | None = None) -> dict[str, Any]:
    """The stage's groups: ``settings`` as given (already resolved, e.g. a rule's params), else resolved once.

    ``config``: the project's config.yaml or folder (its madlc.yaml applies) or None;
    ``dlc_files``: DeepLabCut's inference_cfg.yaml / pose_cfg.yaml to fit in (None: the project's
    pipeline shuffle's, for the stages that read them).
    """
    from madlc.config import stage_groups
    from madlc.config import stage_settings as resolve_stage

    if settings is None:
        return resolve_stage(stage, config, overrides, dlc_files)
    missing = [g for g in stage_groups(stage) if g not in settings]
    if missing:
        raise ConfigError(f"settings given to stage {stage} lack the groups {missing}. What to do: pass "
                          f"madlc.config.stage_settings({stage!r}, CONFIG) or leave `settings` out.")
    return {k: v for k, v in settings.items()}


def project_of(path: str | Path | None) -> Path | None:
    """The project (folder with a config.yaml) a file lies in: its folder or one above (up to 3 levels)."""
    if path is None:
        return None
    p = Path(path).resolve()
    for folder in [p.parent, *list(p.parents)[1:4]]:
        if (folder / "config.yaml").exists():
            return folder / "config.yaml"
    return None


def _filled(group: str, values: Mapping[str, Any]) -> dict[str, Any]:
    from madlc.config.schema import defaults_of

    return {**defaults_of(group), **dict(values)}


# ---------------------------------------------------------------- DeepLabCut files
def read_inference_cfg_keys(path: str | Path) -> dict[str, Any]:
    """The keys written in an inference_cfg.yaml (ConfigError naming the file when missing or unreadable)."""
    from madlc.config.dlc_files import read_dlc_file

    path = Path(path)
    if not path.exists():
        raise file_error(path, "the inference_cfg.yaml does not exist",
                         "pass the model's test/inference_cfg.yaml or leave the option out", ConfigError)
    return read_dlc_file(path)


def paf_best(inference_cfg: str | Path | None) -> list[int] | None:
    """The pruned PAF graph evaluate_network wrote into an inference_cfg.yaml (not a setting: a result)."""
    if inference_cfg is None or not Path(inference_cfg).exists():
        return None
    value = read_inference_cfg_keys(inference_cfg).get("paf_best")
    return None if value is None else [int(i) for i in value]


def inference_settings(inference_cfg_path: str | Path | None = None, overrides: Sequence[str] = (),
                       project: str | Path | None = None) -> dict[str, Any]:
    """The resolved ``inference`` group with an inference_cfg.yaml fitted in (plus its ``paf_best``)."""
    from madlc.config import resolve

    if inference_cfg_path is not None:
        read_inference_cfg_keys(inference_cfg_path)  # a clear error when it is missing
    files = [inference_cfg_path] if inference_cfg_path is not None else []
    values = dict(resolve(project, overrides, dlc_files=files).values["inference"])
    best = paf_best(inference_cfg_path)
    if best is not None:
        values["paf_best"] = best
    return values


# ---------------------------------------------------------------- assembly
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
    """:class:`AssemblySettings` from the resolved ``inference`` group and a full pickle's ``metadata``.

    ``n_multibodyparts``: number of multi-animal body parts; default: the body parts
    touched by the PAF graph (unique parts come after them and have no edges).
    """
    from madlc.core.assembly.assemble import AssemblySettings

    s = _filled("inference", settings)
    names = list(metadata.get("all_joints_names") or [])
    graph = [tuple(int(v) for v in e) for e in (metadata.get("PAFgraph") or [])]
    paf_inds = metadata.get("PAFinds")
    paf_inds = list(range(len(graph))) if paf_inds is None or len(paf_inds) == 0 else [int(i) for i in paf_inds]
    if s.get("paf_best") is not None:  # a later evaluation's pruned graph, within what the video has costs for
        computed = set(paf_inds)
        kept = [int(i) for i in s["paf_best"] if int(i) in computed]
        paf_inds = kept or paf_inds
    if n_multibodyparts is None:
        touched = {v for e in graph for v in e}
        n_multibodyparts = (max(touched) + 1) if touched else (len(names) or 1)
    n_multi = int(n_multibodyparts)
    top = s["topktoretain"]
    if top is None:
        top = _meta_individuals(meta) or 3
    min_links = s["minimalnumberofconnections"]
    if min_links is None:
        min_links = max(1, n_multi // 2)
    try:
        return AssemblySettings(
            n_multibodyparts=n_multi,
            graph=graph,
            paf_inds=paf_inds,
            pcutoff=float(s["pcutoff"]),
            pafthreshold=float(s["pafthreshold"]),
            min_n_links=int(float(min_links)),
            max_n_individuals=max(1, int(top)),
            withid=bool(s["withid"]),
            method=str(s["method"]),
            grouping=str(s["grouping"]),
            merge_rule=str(s["merge_rule"]),
            pairing=str(s["pairing"]),
            max_candidates=None if s["max_candidates"] is None else int(s["max_candidates"]),
            calibration=calibration,
            length_weight=float(s["length_weight"]),
            calibration_z=float(s["calibration_z"] or 0.0),
            score=str(s["score"]),
            score_px=float(s["score_px"]),
            n_bodyparts=len(names) or None,
            refine=bool(s["refine"]),
        )
    except (TypeError, ValueError) as err:
        raise ConfigError(f"inference settings: {err}. What to do: fix the value in inference_cfg.yaml, "
                          "madlc.yaml or the override (`madlc show-settings CONFIG assemble` shows where each came from).") from err


# ---------------------------------------------------------------- tracking
def tracking_settings(inference_cfg: str | Path | None = None, overrides: Sequence[str] = (),
                      project: str | Path | None = None) -> dict[str, Any]:
    """The resolved ``tracking`` group with an inference_cfg.yaml's tracker keys fitted in."""
    from madlc.config import resolve

    if inference_cfg is not None:
        read_inference_cfg_keys(inference_cfg)  # a clear error when it is missing
    files = [inference_cfg] if inference_cfg is not None else []
    return dict(resolve(project, overrides, dlc_files=files).values["tracking"])


def tracker_config(settings: Mapping[str, Any], method: str, n_identities: int = 0, use_identity: bool = False):
    """:class:`TrackerConfig` from the resolved ``tracking`` group."""
    from madlc.core.tracking.trackers import METHODS, TrackerConfig

    if method not in METHODS:
        raise ConfigError(f"unknown track_method {method!r}. What to do: use one of {', '.join(METHODS)}.")
    s = _filled("tracking", settings)
    threshold = s["oks_threshold"] if method == "skeleton" else s["iou_threshold"]
    return TrackerConfig(
        method=method, max_age=int(s["max_age"]), min_hits=int(s["min_hits"]),
        threshold=None if threshold is None else float(threshold),
        boundingboxslack=float(s["boundingboxslack"] or 0),
        box_relative_slack=float(s["box_relative_slack"]),
        ambiguity_margin=float(s["ambiguity_margin"]),
        pose_weight=float(s["pose_weight"]),
        pcutoff=float(s["pcutoff"]), backfill=bool(s["backfill"]),
        identity_weight=float(s["identity_weight"]) if use_identity else 0.0,
        n_identities=n_identities, ellipse_sd=float(s["ellipse_sd"]),
        oks_sigma=float(s["oks_sigma"]), keypoint_state=bool(s["keypoint_state"]),
        kf_measurement_std=float(s["kf_measurement_std"]),
        kf_process_std=float(s["kf_process_std"]),
    )


def choice_settings(tracking: Mapping[str, Any], chosen: Mapping[str, Any]) -> dict[str, Any]:
    """The ``tracking`` group with what ``track_method: auto`` chose (``chosen``) put in.

    A value the user set (one that differs from its schema default: madlc.yaml, an
    inference_cfg.yaml or the command line) is kept; only settings left at their default change.
    """
    from madlc.config.schema import defaults_of

    defaults = defaults_of("tracking")
    out = dict(tracking)
    for key, value in chosen.items():
        if key not in out or key not in defaults or out[key] == defaults[key]:
            out[key] = value
    return out


def repair_choice(value: Any, n_identities: int) -> bool:
    """``tracking.repair_swaps``: true / false, or ``auto`` = on unless identities are predicted."""
    if isinstance(value, str) and value.lower() == "auto":
        return n_identities == 0
    if isinstance(value, str):
        return value.lower() in ("true", "yes", "on", "1")
    return bool(value)


def use_identity_choice(value: Any, n_identities: int) -> bool:
    """``tracking.use_identity``: auto = when the assemblies carry identities; true/false to force (needs them)."""
    return n_identities > 0 if value in ("auto", None) else bool(value) and n_identities > 0


def stitch_config(settings: Mapping[str, Any], n_identities: int = 0):
    """:class:`StitchConfig` from the resolved ``tracking`` group."""
    from madlc.core.tracking.stitch import StitchConfig

    s = _filled("tracking", settings)
    max_gap = s["max_gap"]
    return StitchConfig(
        min_length=int(s["min_length"]), split_tracklets=bool(s["split_tracklets"]),
        prestitch_residuals=bool(s["prestitch_residuals"]),
        flow_min_length=int(s["flow_min_length"]),
        max_overlap=int(s["max_overlap"]),
        repair_swaps=repair_choice(s["repair_swaps"], n_identities),
        repair_context=int(s["repair_context"]),
        repair_margin=float(s["repair_margin"]),
        max_gap=None if max_gap in (None, 0) else int(max_gap),
        coverage_reward=float(s["coverage_reward"]),
        boundary_cost=float(s["boundary_cost"]),
        motion_weight=float(s["motion_weight"]), shape_weight=float(s["shape_weight"]),
        gap_weight=float(s["gap_weight"]),
        identity_weight=float(s["stitch_identity_weight"]),
        velocity_window=int(s["velocity_window"]),
        velocity_decay=float(s["velocity_decay"]),
        gap_motion=str(s["gap_motion"]),
        split_jump=float(s["split_jump"]), max_links=int(s["max_links"]),
        residual_max_cost=float(s["residual_max_cost"]), n_identities=n_identities,
        pcutoff=float(s["pcutoff"]),
    )


# ---------------------------------------------------------------- filtering and review
def _project_arg(config: Any) -> Any:
    if isinstance(config, (str, Path)):
        return config
    return config.get("project_path") if isinstance(config, dict) else None


def filter_settings(config: Any, overrides: Sequence[str] = (), settings: Mapping[str, Any] | None = None,
                    **explicit: Any) -> dict[str, Any]:
    """The resolved ``filter`` group; explicit function arguments (not None) win over it."""
    values = dict(stage_settings("filter", _project_arg(config), overrides, settings)["filter"])
    given = {k: v for k, v in explicit.items() if v is not None}
    check_arguments("filter", given)
    values.update(given)
    return values


def check_arguments(group: str, arguments: Mapping[str, Any]) -> None:
    """ConfigError naming the argument, its value and the allowed values when a function argument that
    is also a setting (``filterpredictions(windowlength=...)``) is out of the schema's range."""
    from madlc.config.schema import leaf_specs

    specs = leaf_specs()
    for name, value in arguments.items():
        spec = specs.get(f"{group}.{name}")
        allowed = spec.metadata.get("allowed") if spec is not None else None
        if allowed is not None and not allowed.accepts(value):
            raise ConfigError(f"{group}.{name}={value!r} (from the {name} argument): allowed: {allowed.describe()}. "
                              "What to do: pass an allowed value.")


def review_settings(config: Any, part: str, overrides: Sequence[str] = (),
                    settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``review.<part>`` settings (``detections_video`` or ``raw_outliers``) of a project."""
    stage = "detections_video" if part == "detections_video" else "raw_outliers"
    return dict(stage_settings(stage, _project_arg(config), overrides, settings)["review"][part])
