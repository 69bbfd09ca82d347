"""``madlc assemble``: a ``_full.pickle`` (madlc's or DeepLabCut's) -> ``_assemblies.pickle``."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import yaml

from madlc.errors import ConfigError, FormatError, file_error
from madlc.io.assemblies import write_assemblies
from madlc.io.full_pickle import read_full_pickle, read_meta_pickle

FULL_SUFFIX = "_full.pickle"


def _stem(full_pickle: str | Path) -> tuple[Path, str]:
    p = Path(full_pickle)
    return p, p.name[: -len(FULL_SUFFIX)] if p.name.endswith(FULL_SUFFIX) else p.stem


def default_output(full_pickle: str | Path) -> Path:
    """``X_full.pickle`` -> ``X_assemblies.pickle`` (same folder)."""
    p, stem = _stem(full_pickle)
    return p.with_name(stem + "_assemblies.pickle")


def meta_path(full_pickle: str | Path) -> Path:
    """``X_full.pickle`` -> ``X_meta.pickle``."""
    p, stem = _stem(full_pickle)
    return p.with_name(stem + "_meta.pickle")


def _read_full(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise file_error(path, "the detections file does not exist",
                         "pass the <video><scorer>_full.pickle written by analyze_videos")
    return read_full_pickle(path)


def _read_meta(path: Path) -> dict[str, Any] | None:
    return read_meta_pickle(path) if path.exists() else None


def _write(assemblies: dict, path: Path) -> None:
    write_assemblies(assemblies, path)


def load_calibration(settings: Mapping[str, Any], inference_cfg: str | Path | None) -> dict | None:
    """The calibration named by ``settings["calibration"]`` (False/None: none; True:
    ``calibration.yaml`` beside the inference_cfg.yaml, if present; a path)."""
    choice = settings.get("calibration")
    if choice in (None, False, "", "none", "false"):
        return None
    if choice is True or choice == "true":
        if inference_cfg is None:
            return None
        path = Path(inference_cfg).with_name("calibration.yaml")
        if not path.exists():
            return None
    else:
        path = Path(str(choice))
        if not path.exists():
            raise file_error(path, "the calibration file does not exist",
                             "run evaluate_network to write it, or set inference.calibration=false", ConfigError)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise file_error(path, f"it is not valid YAML ({err})", "delete it and re-run evaluate_network") from err
    if not isinstance(data, dict) or "log_mean" not in data:
        raise file_error(path, "it is not a calibration (no 'log_mean')", "delete it and re-run evaluate_network")
    return data


def save_calibration(calibration: Mapping[str, Any], path: str | Path) -> Path:
    """Write a calibration (:func:`madlc.core.assembly.calibration.fit_calibration`) as YAML, atomically.

    NaN entries are written as ``.nan``; private cache keys are dropped.
    """
    from madlc.io.atomic import atomic_path

    path = Path(path)
    clean = {k: v for k, v in calibration.items() if not str(k).startswith("_")}
    text = yaml.safe_dump(clean, default_flow_style=None, sort_keys=False)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)
    return path


def _n_multibodyparts(metadata: Mapping[str, Any], meta: Mapping[str, Any] | None) -> int | None:
    data = (meta or {}).get("data", {})
    if data.get("bodyparts") is not None:
        return len(data["bodyparts"])
    return None


def _is_preassembled(full: Mapping[str, Any], meta: Mapping[str, Any] | None = None) -> bool:
    """DeepLabCut-3 PyTorch full pickles hold animals already (row a = animal a, no costs):
    no PAF graph, no costs, and a PyTorch meta file or equally long arrays for every part."""
    md = full.get("metadata", {})
    if md.get("PAFgraph"):
        return False
    if "pytorch-config" in (meta or {}).get("data", {}) or md.get("key_str_width") is not None:
        return True
    for key, frame in full.items():
        if key == "metadata" or not isinstance(frame, dict):
            continue
        if frame.get("costs") is not None:
            return False
        lengths = {len(c) for c in frame.get("confidence") or []}
        return len(lengths) == 1 and lengths != {0} and any(
            (np.asarray(c) < 0).any() for c in frame.get("confidence") or [])
    return False


def preassembled_frames(full: Mapping[str, Any], n_multibodyparts: int) -> dict:
    """Assemblies of a DeepLabCut-3 PyTorch ``_full.pickle`` (-1 = missing)."""
    from madlc.core.assembly.assemble import frame_index

    out: dict = {}
    single: dict = {}
    for key, frame in full.items():
        i = frame_index(key)
        if i is None or not frame:
            continue
        coords = frame["coordinates"][0]
        conf = frame["confidence"]
        n_rows = max((len(c) for c in coords[:n_multibodyparts]), default=0)
        animals = np.full((n_rows, n_multibodyparts, 4), np.nan)
        for p in range(min(n_multibodyparts, len(coords))):
            xy = np.asarray(coords[p], dtype=float).reshape(-1, 2)
            c = np.asarray(conf[p], dtype=float).reshape(-1)
            ok = c >= 0
            animals[: len(c)][ok, p, :2] = xy[ok]
            animals[: len(c)][ok, p, 2] = c[ok]
            animals[: len(c)][ok, p, 3] = -1.0
        keep = np.isfinite(animals[:, :, 2]).any(axis=1)
        if keep.any():
            out[i] = animals[keep]
        uniq = []
        for p in range(n_multibodyparts, len(coords)):
            xy = np.asarray(coords[p], dtype=float).reshape(-1, 2)
            c = np.asarray(conf[p], dtype=float).reshape(-1)
            uniq.append([*xy[0], c[0]] if len(c) and c[0] >= 0 else [np.nan] * 3)
        if uniq and not np.isnan(uniq).all():
            single[i] = np.asarray(uniq, dtype=float)
    if single:
        out["single"] = single
    return out


def assemble(full_pickle: str, inference_cfg: str | None = None, output: str | None = None,
             overrides: Sequence[str] = ()) -> str:
    """Group the raw detections of a _full.pickle into animals and write the _assemblies.pickle.

    Works on madlc's and DeepLabCut's detections (the ``_meta.pickle`` beside the
    file is read when present). Settings: madlc's inference defaults < the
    ``inference_cfg`` YAML (DeepLabCut's test/inference_cfg.yaml) < ``overrides``
    (``inference.pcutoff=0.2``). ``output`` defaults to the full pickle's name with
    ``_full.pickle`` replaced by ``_assemblies.pickle``. Returns the output path.
    """
    from madlc.core.assembly.assemble import assemble_frames
    from madlc.stages._settings import assembly_settings, inference_settings

    full_path = Path(full_pickle)
    full = _read_full(full_path)
    meta = _read_meta(meta_path(full_path))
    settings = inference_settings(inference_cfg, overrides)
    metadata = full.get("metadata") or {}
    n_multi = _n_multibodyparts(metadata, meta)
    if _is_preassembled(full, meta):
        if n_multi is None:
            names = metadata.get("all_joints_names") or []
            n_multi = len(names)
        assemblies = preassembled_frames(full, n_multi)
    else:
        calibration = load_calibration(settings, inference_cfg)
        try:
            asm = assembly_settings(settings, metadata, meta, n_multi, calibration)
        except ValueError as err:
            raise FormatError(f"{full_path}: {err}") from err
        if not asm.graph and asm.n_multibodyparts > 1 and asm.max_n_individuals > 1 and not asm.withid:
            raise file_error(full_path, "its metadata has no 'PAFgraph', so the detections of several animals "
                             "cannot be grouped", "re-run analyze_videos with a multi-animal model, or set "
                             "inference.topktoretain=1 for a single animal")
        try:
            assemblies = assemble_frames(full, asm, progress=True)
        except ValueError as err:
            raise file_error(full_path, str(err), "re-run analyze_videos to rewrite the detections") from err
    out = Path(output) if output else default_output(full_path)
    _write(assemblies, out)
    return str(out)
