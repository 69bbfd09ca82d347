"""Public tracking functions: tracklets from assemblies, and stitching tracklets into tracks.

File-level (work on DeepLabCut's files with no madlc project):
    :func:`track` ``X_assemblies.pickle | X_full.pickle -> X_el.pickle`` and
    :func:`stitch` ``X_el.pickle -> X_el.h5``.
Project-level (DeepLabCut's names and arguments):
    :func:`convert_detections2tracklets` and :func:`stitch_tracklets`.

Settings: ``madlc/configs/tracking/default.yaml`` < the DeepLabCut keys of an
``inference_cfg.yaml`` < ``overrides`` (``tracking.max_age=5``; the DeepLabCut keys
may also be given as ``inference.max_age=5`` or bare ``max_age=5``).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from madlc.errors import ConfigError, MadlcError, file_error

log = logging.getLogger(__name__)

#: inference_cfg.yaml keys the trackers read (FORMATS.md §5)
DLC_TRACKER_KEYS = ("boundingboxslack", "iou_threshold", "max_age", "min_hits", "oks_threshold", "pcutoff")
#: top-level names of madlc's Hydra tree (madlc/configs/config.yaml); never tracking settings
_TOP_LEVEL_SETTINGS = ("model", "data", "train", "inference", "tracking", "filter", "review", "pipeline", "seed")
#: tracklet/tracks file suffixes of the trackers; ``track_method: auto`` writes the one it picked
TRACKER_SUFFIXES = ("_sk", "_el", "_bx")
STITCH_ARG_KEYS = ("min_length", "split_tracklets", "prestitch_residuals", "max_gap")


# ---------------------------------------------------------------- settings
def tracking_settings(inference_cfg: str | Path | None = None, overrides: Sequence[str] = (),
                      project: str | Path | None = None) -> dict[str, Any]:
    """Merged tracking settings: group defaults < ``inference_cfg`` DeepLabCut keys < ``overrides``."""
    from madlc.settings import compose, to_dict

    settings = dict(to_dict(compose(project, overrides=())).get("tracking", {}))
    if inference_cfg is not None:
        from madlc.assembly.settings import read_inference_cfg_keys

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
    from madlc.tracking.trackers import METHODS, TrackerConfig

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
    from madlc.tracking.stitch import StitchConfig

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
        split_jump=float(settings.get("split_jump", 3.0)), max_links=int(settings.get("max_links", 12)),
        residual_max_cost=float(settings.get("residual_max_cost", 12.0)), n_identities=n_identities,
        pcutoff=float(settings.get("pcutoff", 0.1)),
    )


# ---------------------------------------------------------------- names and metadata
_SUFFIXES = ("_assemblies.pickle", "_full.pickle", "_meta.pickle", ".pickle")


def _prefix(path: Path) -> str:
    """``/a/vidDLC_x_full.pickle`` -> ``/a/vidDLC_x`` (the analysis prefix)."""
    name = str(path)
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return str(path.with_suffix(""))


def _read_meta(prefix: str) -> dict[str, Any]:
    meta_file = Path(prefix + "_meta.pickle")
    if not meta_file.exists():
        return {}
    try:
        from madlc.io import read_meta_pickle

        meta = read_meta_pickle(meta_file)
    except Exception as err:  # noqa: BLE001 - metadata is optional
        log.warning("%s: could not read (%s); body-part names taken elsewhere", meta_file, err)
        return {}
    return dict(meta.get("data", meta) or {})


def _bodypart_names(prefix: str, bodyparts: str | Sequence[str] | None, n_multi: int | None, n_unique: int
                    ) -> tuple[list[str], list[str], str]:
    """(multi-animal parts, unique parts, scorer) from ``bodyparts``, the _meta or _full pickle.

    ``n_multi`` None (no animal in the file): every name that is not one of the unique parts.
    """
    meta = _read_meta(prefix)
    scorer = str(meta.get("Scorer") or "")
    names: list[str] = []
    if bodyparts:
        names = [b.strip() for b in bodyparts.split(",")] if isinstance(bodyparts, str) else list(bodyparts)
    elif meta.get("bodyparts") is not None:
        names = list(meta.get("bodyparts") or []) + list(meta.get("unique_bodyparts") or [])
    elif isinstance(meta.get("DLC-model-config file"), Mapping):
        names = list(meta["DLC-model-config file"].get("all_joints_names") or [])
    if not names and Path(prefix + "_full.pickle").exists():
        try:
            from madlc.io import read_full_pickle

            names = list((read_full_pickle(prefix + "_full.pickle").get("metadata") or {}).get("all_joints_names") or [])
        except Exception:  # noqa: BLE001
            names = []
    if not names:
        names = [f"bodypart{i + 1}" for i in range(n_multi or 0)] + [f"unique{i + 1}" for i in range(n_unique)]
    if n_multi is None:
        n_multi = max(len(names) - n_unique, 0)
        log.warning("%s: no _meta.pickle/_full.pickle with body-part names; using %s (pass --bodyparts)", prefix, names)
    if len(names) < n_multi + n_unique:
        raise MadlcError(f"{prefix}: {len(names)} body-part names ({', '.join(names)}) for {n_multi} multi-animal + "
                         f"{n_unique} unique parts in the assemblies. What to do: pass all names with --bodyparts a,b,...")
    if not scorer:
        stem = Path(prefix).name
        scorer = stem[stem.find("DLC"):] if "DLC" in stem else "madlc"
    return names[:n_multi], names[n_multi:n_multi + n_unique], scorer


def _has_identity(assemblies: Mapping[Any, Any]) -> int:
    """Number of identity classes seen in the assemblies (0 if none)."""
    top = -1
    for key, arr in assemblies.items():
        if key == "single":
            continue
        arr = np.asarray(arr, float)
        if arr.size and arr.shape[-1] > 3:
            ids = arr[..., 3]
            ids = ids[np.isfinite(ids)]
            if len(ids):
                top = max(top, int(ids.max()))
    return top + 1


# ---------------------------------------------------------------- file-level API
def track(pickle_file: str, method: str = "auto", identity_only: bool = False, inference_cfg: str | None = None,
          bodyparts: str | None = None, output: str | None = None, overrides: Sequence[str] = ()) -> str:
    """Link the animals of an _assemblies.pickle (or a _full.pickle) into a tracklet pickle.

    ``method``: auto (default: chosen per video from how crowded the animals are, see
    :mod:`madlc.tracking.auto`), box, ellipse or skeleton; ``identity_only`` links by the network's identity
    predictions instead of motion. A _full.pickle is assembled first (its _assemblies.pickle
    is written beside it). Body-part names come from the _meta.pickle/_full.pickle beside the
    input, or from ``bodyparts`` (comma-separated, multi-animal then unique parts).
    ``output`` defaults to the input's prefix + ``_bx``/``_el``/``_sk``.pickle. Returns the path.
    """
    from madlc.io import read_assemblies, tracklet_header, write_tracklets
    from madlc.project.paths import tracker_suffix
    from madlc.tracking.trackers import link_by_identity, track_assemblies

    src = Path(pickle_file)
    if not src.exists():
        raise file_error(src, "no such file", "pass a <video><scorer>_assemblies.pickle or _full.pickle")
    if method != "auto":
        try:
            tracker_suffix(method)
        except ValueError as err:
            raise ConfigError(f"{err}. What to do: pass --method auto, box, ellipse or skeleton.") from None
    prefix = _prefix(src)
    settings = tracking_settings(inference_cfg, overrides)
    if src.name.endswith("_full.pickle"):
        from madlc.assembly.api import assemble

        asm_overrides = [o for o in overrides if not o.split("=", 1)[0].strip().lstrip("+").startswith("tracking.")]
        src = Path(assemble(str(src), inference_cfg=inference_cfg, output=prefix + "_assemblies.pickle",
                            overrides=asm_overrides))
    assemblies = read_assemblies(src)
    frames = [k for k in assemblies if k != "single"]
    n_multi = next((np.asarray(assemblies[k]).shape[1] for k in frames if np.asarray(assemblies[k]).ndim == 3), 0)
    single = assemblies.get("single") or {}
    n_unique = next((np.asarray(v).reshape(-1, 3).shape[0] for v in single.values()), 0)
    multi_names, unique_names, scorer = _bodypart_names(prefix, bodyparts, n_multi or None, n_unique)
    n_ids = _has_identity(assemblies)
    use_id = settings.get("use_identity", "auto")
    use_id = n_ids > 0 if use_id in ("auto", None) else bool(use_id) and n_ids > 0
    n_frames = _n_frames(prefix, frames)
    if identity_only:
        if n_ids == 0:
            raise file_error(src, "its animals carry no identity predictions (identity column -1)",
                             "train with identity: true in config.yaml, or track without --identity-only")
        tracklets = link_by_identity(assemblies, n_ids, float(settings.get("pcutoff", 0.1)), n_frames)
    else:
        if method == "auto":
            method = _choose_tracker(assemblies, settings, overrides, src)
        cfg = tracker_config(settings, method, n_ids, use_id)
        tracklets = track_assemblies(assemblies, cfg, n_frames, progress=True)
    out_data: dict[Any, Any] = {"header": tracklet_header(scorer, multi_names + unique_names)}
    out_data.update(tracklets)
    if single:
        out_data["single"] = dict(single)
    if method == "auto":  # identity-only linking: named after the default tracker
        method = "ellipse"
    out = Path(output) if output else Path(prefix + tracker_suffix(method) + ".pickle")
    write_tracklets(out_data, out, n_frames)
    log.info("%s: %d tracklets -> %s", src, len(tracklets), out)
    return str(out)


def _choose_tracker(assemblies: Mapping[Any, Any], settings: dict[str, Any], overrides: Sequence[str],
                    src: Path) -> str:
    """``track_method: auto``: pick the tracker (and its crowd settings) for these assemblies; say why."""
    from madlc.tracking.auto import choose_tracker

    choice = choose_tracker(assemblies, float(settings.get("pcutoff", 0.1)))
    explicit = _explicit(overrides)
    settings.update({k: v for k, v in choice.settings.items() if k not in explicit})
    message = f"{src.name}: track_method auto -> {choice.method} ({choice.reason})"
    log.info(message)
    print(message)
    return choice.method


def _n_frames(prefix: str, frames: Sequence[int]) -> int | None:
    meta = _read_meta(prefix)
    n = meta.get("nframes")
    try:
        n = int(n) if n is not None else None
    except (TypeError, ValueError):
        n = None
    last = max(frames) + 1 if frames else 0
    return max(n, last) if n else (last or None)


def stitch(tracklets_pickle: str, n_tracks: int | None = None, output: str | None = None, min_length: int = 10,
           split_tracklets: bool = True, prestitch_residuals: bool = True, max_gap: int | None = None,
           individuals: str | None = None, save_as_csv: bool = False, inference_cfg: str | None = None,
           overrides: Sequence[str] = ()) -> str:
    """Stitch the tracklets of a tracklet pickle into n_tracks tracks and write the tracks .h5.

    ``n_tracks`` defaults to the number of animals seen most often at once. Track names are
    ``individuals`` (comma-separated) when given, else ind1...indN. ``output`` defaults to the
    pickle's name with ``.h5``. Writes DeepLabCut's layout (and a ``.csv`` with
    ``save_as_csv``) and, beside it, ``<tracks>_quality.json``: a tracking-quality summary
    without ground truth (also printed; see :mod:`madlc.tracking.quality`). Returns the path.
    """
    from madlc.io import read_tracklets

    src = Path(tracklets_pickle)
    if not src.exists():
        raise file_error(src, "no such file", "pass a <video><scorer>_el.pickle written by track / convert_detections2tracklets")
    data = read_tracklets(src)
    names = [s.strip() for s in individuals.split(",")] if individuals else None
    out = Path(output) if output else src.with_suffix(".h5")
    args = dict(min_length=min_length, split_tracklets=split_tracklets, prestitch_residuals=prestitch_residuals,
                max_gap=max_gap)
    return str(_stitch_data(data, src, out, n_tracks, names, args, None, save_as_csv, inference_cfg, overrides))


def _stitch_data(data: Mapping[Any, Any], src: Path, out: Path, n_tracks: int | None, names: list[str] | None,
                 args: Mapping[str, Any], weight_func: Callable | None, save_as_csv: bool,
                 inference_cfg: str | Path | None, overrides: Sequence[str], project: str | Path | None = None) -> Path:
    from madlc.io import array_to_tracks, write_tracks
    from madlc.tracking.stitch import stitch_tracklets_array

    settings = tracking_settings(inference_cfg, overrides, project)
    explicit = _explicit(overrides)
    for key, value in args.items():
        if key not in explicit:
            settings[key] = value
    header = data.get("header")
    if header is None:
        raise file_error(src, "it has no 'header' entry", "pass a tracklet pickle written by DeepLabCut or madlc")
    scorer = str(header.get_level_values(0)[0]) if len(header) else "madlc"
    all_parts = list(dict.fromkeys(str(b) for b in header.get_level_values(1)))
    pieces = {k: v for k, v in data.items() if k not in ("header", "single")}
    n_multi = next((_first_row(v).shape[0] for v in pieces.values() if v), None)
    single = data.get("single") or {}
    n_unique = next((np.asarray(v).reshape(-1, 3).shape[0] for v in single.values()), 0)
    if n_multi is None:
        n_multi = len(all_parts) - n_unique
    unique_parts = all_parts[n_multi:]
    n_ids = _tracklet_identities(pieces)
    use_id = settings.get("use_identity", "auto")
    use_id = n_ids > 0 if use_id in ("auto", None) else bool(use_id) and n_ids > 0
    if n_tracks is None:
        n_tracks = len(names) if names else _typical_count(pieces)
    if n_tracks < 1:
        raise MadlcError(f"{src}: n_tracks={n_tracks}; need at least 1 track. What to do: pass --n-tracks N.")
    if not names or len(names) < n_tracks:
        if names:
            log.warning("%d names for %d tracks: using ind1..ind%d", len(names), n_tracks, n_tracks)
        names = [f"ind{i + 1}" for i in range(n_tracks)]
    names = names[:n_tracks]
    cfg = stitch_config(settings, n_ids if use_id else 0)
    arr, result = stitch_tracklets_array(pieces, n_tracks, cfg, weight_func)
    for msg in result.messages:
        log.warning("%s: %s", src, msg)
    n_frames = len(arr)
    if single:
        last = max(int(f) for f in single) + 1
        if not pieces:
            n_frames = last
        n_frames = max(n_frames, 0)
    full = np.full((n_frames, n_tracks + (1 if unique_parts else 0), len(all_parts), 3), np.nan)
    if len(arr) and arr.shape[2] == n_multi:
        full[: len(arr), :n_tracks, :n_multi] = arr[:n_frames]
    if unique_parts:
        for f, v in single.items():
            if int(f) < n_frames:
                full[int(f), n_tracks, n_multi:] = np.asarray(v, float).reshape(-1, 3)[: len(unique_parts)]
    inds = names + (["single"] if unique_parts else [])
    if n_frames == 0:  # an empty video: the columns of a tracks file and no rows
        df = array_to_tracks(np.full((1,) + full.shape[1:], np.nan), scorer, inds, all_parts, unique_parts).iloc[:0]
        log.warning("%s: no tracklet and no unique part: writing an empty tracks file", src)
    else:
        df = array_to_tracks(full, scorer, inds, all_parts, unique_parts)
    write_tracks(df, out, csv=bool(save_as_csv or settings.get("save_as_csv")))
    log.info("%s: %d tracks over %d frames -> %s (%s)", src, n_tracks, n_frames, out, result.solver)
    write_quality(arr, result, out)
    return out


def quality_file(tracks_file: str | Path) -> Path:
    """``X_el.h5`` -> ``X_el_quality.json``: the ground-truth-free tracking summary beside the tracks."""
    tracks_file = Path(tracks_file)
    return tracks_file.with_name(tracks_file.stem + "_quality.json")


def write_quality(arr: np.ndarray, result: Any, tracks_file: Path) -> Path:
    """Print the tracking-quality summary of stitched tracks and write it as ``<tracks>_quality.json``."""
    import json

    from madlc.io.atomic import atomic_path
    from madlc.tracking.quality import format_summary, quality_summary

    handovers = [[t.start for t in track[1:]] for track in result.tracks]
    summary = quality_summary(arr, handovers)
    summary["tracks_file"] = Path(tracks_file).name
    summary["stitcher"] = result.solver
    text = format_summary(summary, Path(tracks_file).name)
    log.info("%s", text)
    print(text)
    target = quality_file(tracks_file)
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(summary, indent=1))
    return target


def _first_row(frames: Mapping[int, np.ndarray]) -> np.ndarray:
    """A tracklet's first entry as (n_bodyparts, 3|4) (flat DLC prediction rows are reshaped)."""
    row = np.asarray(next(iter(frames.values())), float)
    return row.reshape(-1, 3) if row.ndim == 1 else row


def _tracklet_identities(pieces: Mapping[Any, Mapping[int, np.ndarray]]) -> int:
    top = -1
    for frames in pieces.values():
        for v in frames.values():
            v = np.asarray(v, float)
            if v.ndim == 2 and v.shape[1] > 3:
                ids = v[:, 3][np.isfinite(v[:, 3])]
                if len(ids):
                    top = max(top, int(ids.max()))
            break
    return top + 1


def _typical_count(pieces: Mapping[Any, Mapping[int, np.ndarray]]) -> int:
    """Most frequent number of tracklets present in a frame (at least 1)."""
    counts: dict[int, int] = {}
    for frames in pieces.values():
        for f in frames:
            counts[int(f)] = counts.get(int(f), 0) + 1
    if not counts:
        return 1
    values, freq = np.unique(list(counts.values()), return_counts=True)
    return int(max(values[np.argmax(freq)], 1))


# ---------------------------------------------------------------- project-level API
def inference_cfg_file(cfg: dict[str, Any], shuffle: int, trainingsetindex: int) -> Path | None:
    """The shuffle's ``test/inference_cfg.yaml`` (written by training/evaluation), None if there is none."""
    from madlc.project.paths import model_folder

    try:
        f = model_folder(cfg, shuffle, trainingsetindex) / "test" / "inference_cfg.yaml"
    except (KeyError, IndexError, TypeError):
        return None
    return f if f.exists() else None


def convert_detections2tracklets(config: str, videos: list[str], videotype: str = "mp4", shuffle: int = 1,
                                 trainingsetindex: int = 0, track_method: str = "ellipse", identity_only: bool = False,
                                 overwrite: bool = False, destfolder: str | None = None,
                                 overrides: Sequence[str] = ()) -> list[str]:
    """Assemble (if not yet) and link the animals of analysed videos into tracklets.

    For each video, reads ``<video><scorer>_assemblies.pickle`` (or assembles the
    ``_full.pickle``) in ``destfolder`` or the video's folder and writes
    ``<video><scorer>_bx|_el|_sk.pickle``. Tracker settings come from the model's
    test/inference_cfg.yaml (boundingboxslack, iou_threshold, max_age, min_hits) and
    ``overrides``. Returns the tracklet pickles.
    """
    from madlc.postprocess.discovery import find_analysis_file, list_videos, resolve_track_method
    from madlc.project.config import load_config
    from madlc.project.paths import all_bodyparts, tracker_suffix

    cfg = load_config(config)
    method = resolve_track_method(cfg, track_method) or "ellipse"
    inference_cfg = inference_cfg_file(cfg, shuffle, trainingsetindex)
    outputs = []
    for video in list_videos(videos, videotype):
        src = find_analysis_file(cfg, video, shuffle, trainingsetindex, ("_assemblies.pickle", "_full.pickle"),
                                 destfolder)
        full = Path(_prefix(src) + "_full.pickle") if src is not None else None
        if full is not None and full.exists() and (overwrite or full.stat().st_mtime > Path(src).stat().st_mtime):
            src = full  # detections newer than the assemblies (or a forced redo): assemble them again
        if src is None:
            raise file_error(video, "no _assemblies.pickle or _full.pickle found for this video",
                             "run analyze_videos on it first (or pass the destfolder it wrote to)", MadlcError)
        suffixes = TRACKER_SUFFIXES if method == "auto" else (tracker_suffix(method),)
        done = [Path(_prefix(src) + sfx + ".pickle") for sfx in suffixes]
        done = sorted((f for f in done if f.exists()), key=lambda f: f.stat().st_mtime, reverse=True)
        if done and not overwrite:
            log.info("%s exists; pass overwrite=True to redo it", done[0])
            outputs.append(str(done[0]))
            continue
        parts = ",".join(all_bodyparts(cfg))
        out = None if method == "auto" else str(Path(_prefix(src) + tracker_suffix(method) + ".pickle"))
        outputs.append(track(str(src), method, identity_only, str(inference_cfg) if inference_cfg else None,
                             parts or None, out, overrides))
    return outputs


def stitch_tracklets(config: str, videos: list[str], videotype: str = "mp4", shuffle: int = 1,
                     trainingsetindex: int = 0, track_method: str = "ellipse", n_tracks: int | None = None,
                     min_length: int = 10, split_tracklets: bool = True, prestitch_residuals: bool = True,
                     max_gap: int | None = None, weight_func: Callable | None = None, output_name: str = "",
                     save_as_csv: bool = False, destfolder: str | None = None, overrides: Sequence[str] = ()
                     ) -> list[str]:
    """Stitch the tracklets of analysed videos into complete tracks (the tracks .h5).

    ``n_tracks`` defaults to the number of individuals in config.yaml; when it differs,
    tracks are named ind1...indN. Tracklets are linked by a min-cost flow on motion,
    shape, gap and identity; hard inputs fall back to a best partial solution (logged).
    ``output_name`` replaces the default ``<video><scorer>_<tr>.h5`` name. Each video's
    tracking-quality summary (frames with all animals, tracklets per track, candidate swaps and
    their frames) is printed and written as ``<tracks>_quality.json``. Returns the files.
    """
    from madlc.io import read_tracklets
    from madlc.postprocess.discovery import find_analysis_file, list_videos, resolve_track_method
    from madlc.project.config import load_config
    from madlc.project.paths import individuals, tracker_suffix

    cfg = load_config(config)
    method = resolve_track_method(cfg, track_method) or "ellipse"
    animals = individuals(cfg)
    inference_cfg = inference_cfg_file(cfg, shuffle, trainingsetindex)
    outputs = []
    for video in list_videos(videos, videotype):
        suffixes = TRACKER_SUFFIXES if method == "auto" else (tracker_suffix(method),)
        found = [f for f in (find_analysis_file(cfg, video, shuffle, trainingsetindex, f"{sfx}.pickle", destfolder)
                             for sfx in suffixes) if f is not None]
        src = max(found, key=lambda f: Path(f).stat().st_mtime) if found else None
        if src is None:
            raise file_error(video, f"no {'/'.join(suffixes)}.pickle tracklets found for this video",
                             f"run convert_detections2tracklets(track_method={method!r}) first", MadlcError)
        src = Path(src)
        n = n_tracks if n_tracks is not None else len(animals)
        names = animals[:n] if n <= len(animals) else None
        out = src.with_suffix(".h5")
        if output_name:
            out = src.parent / (output_name if output_name.endswith(".h5") else output_name + ".h5")
        args = dict(min_length=min_length, split_tracklets=split_tracklets, prestitch_residuals=prestitch_residuals,
                    max_gap=max_gap)
        data = read_tracklets(src)
        outputs.append(str(_stitch_data(data, src, out, n, names, args, weight_func, save_as_csv, inference_cfg,
                                        overrides, cfg.get("project_path"))))
    return outputs


__all__ = ["convert_detections2tracklets", "stitch", "stitch_tracklets", "track", "tracking_settings"]
