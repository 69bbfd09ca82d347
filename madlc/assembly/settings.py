"""Inference settings for assembly: Hydra defaults < ``inference_cfg.yaml`` < overrides.

:func:`inference_settings` returns the merged plain dict (every key of
``madlc/configs/inference/default.yaml``); :func:`assembly_settings` turns it, with
the detections' metadata, into the :class:`~madlc.assembly.core.AssemblySettings`
the assembler runs on.
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
        settings = dict(to_dict(compose(None, overrides=())).get("inference", {}))
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
    from madlc.assembly.core import AssemblySettings

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
