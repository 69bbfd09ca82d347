"""``stitch``: stitch the tracklets of an ``X_el.pickle`` into ``n_tracks`` tracks (``X_el.h5``).

File-level; the project-level entry point is :mod:`madlc.stages.stitch_tracklets`. The min-cost
flow itself is :func:`madlc.core.tracking.stitch.stitch_tracklets_array`.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from madlc.errors import MadlcError, file_error
from madlc.errors import ConfigError
from madlc.stages._settings import choice_settings, project_of, stage_settings, stitch_config, use_identity_choice

log = logging.getLogger(__name__)


def stitch(tracklets_pickle: str, n_tracks: int | None = None, output: str | None = None,
           min_length: int | None = None, split_tracklets: bool | None = None,
           prestitch_residuals: bool | None = None, max_gap: int | None = None,
           individuals: str | None = None, save_as_csv: bool | None = None, inference_cfg: str | None = None,
           config: str | None = None, overrides: Sequence[str] = (),
           settings: Mapping[str, Any] | None = None) -> str:
    """Stitch the tracklets of a tracklet pickle into n_tracks tracks and write the tracks .h5.

    ``n_tracks`` defaults to the number of animals seen most often at once. Track names are
    ``individuals`` (comma-separated) when given, else ind1...indN. ``output`` defaults to the
    pickle's name with ``.h5``. Writes DeepLabCut's layout (and a ``.csv`` with
    ``save_as_csv``). ``min_length``, ``split_tracklets``, ``prestitch_residuals``, ``max_gap`` and
    ``save_as_csv`` left at None take the ``tracking`` settings (resolved once: defaults <
    inference_cfg.yaml as madlc wrote it < the project's madlc.yaml (``config``, or the project the
    pickle lies in) < a hand-edited inference_cfg.yaml < ``overrides``; or ``settings`` as given).
    Beside the tracks it writes ``<tracks>_quality.json``: a tracking-quality summary without
    ground truth (also printed; see :mod:`madlc.core.tracking.quality`). Returns the path.
    """
    from madlc.io import read_tracklets

    src = Path(tracklets_pickle)
    if not src.exists():
        raise file_error(src, "no such file", "pass a <video><scorer>_el.pickle written by track / convert_detections2tracklets")
    data = read_tracklets(src)
    names = [s.strip() for s in individuals.split(",")] if individuals else None
    out = Path(output) if output else src.with_suffix(".h5")
    if settings is None and inference_cfg is not None and not Path(inference_cfg).exists():
        raise file_error(inference_cfg, "the inference_cfg.yaml does not exist",
                         "pass the model's test/inference_cfg.yaml or leave the option out", ConfigError)
    resolved = stage_settings("stitch", config or project_of(src), overrides, settings,
                              dlc_files=[inference_cfg] if inference_cfg else None)
    tracking = explicit_arguments(resolved["tracking"], min_length=min_length, split_tracklets=split_tracklets,
                                  prestitch_residuals=prestitch_residuals, max_gap=max_gap, save_as_csv=save_as_csv)
    return str(_stitch_data(data, src, out, n_tracks, names, tracking, None))


def explicit_arguments(tracking: Mapping[str, Any], **arguments: Any) -> dict[str, Any]:
    """The ``tracking`` settings with the function arguments that were given (not None) put in (range-checked)."""
    from madlc.stages._settings import check_arguments

    given = {k: v for k, v in arguments.items() if v is not None}
    check_arguments("tracking", given)
    return {**tracking, **given}


def _stitch_data(data: Mapping[Any, Any], src: Path, out: Path, n_tracks: int | None, names: list[str] | None,
                 settings: Mapping[str, Any], weight_func: Callable | None) -> Path:
    """Stitch one tracklet pickle's ``data`` with the resolved ``tracking`` ``settings``; write ``out``."""
    from madlc.io import array_to_tracks, write_tracks
    from madlc.core.tracking.stitch import stitch_tracklets_array

    note = _tracker_note(src)
    settings = choice_settings(settings, note.get("settings") or {})  # what track_method auto chose for this video
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
    use_id = use_identity_choice(settings["use_identity"], n_ids)
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
    write_tracks(df, out, csv=bool(settings["save_as_csv"]))
    log.info("%s: %d tracks over %d frames -> %s (%s)", src, n_tracks, n_frames, out, result.solver)
    write_quality(arr, result, out, note)
    return out


def _tracker_note(tracklets_file: Path) -> dict[str, Any]:
    """The ``<tracklets>_tracker.json`` that ``track --method auto`` wrote beside the tracklets ({} if none)."""
    import json

    from madlc.stages.track import tracker_note_file

    note = tracker_note_file(tracklets_file)
    if not note.exists():
        return {}
    try:
        return dict(json.loads(note.read_text()))
    except (ValueError, TypeError) as err:
        log.warning("%s: unreadable (%s); stitching with the default settings", note, err)
        return {}


def quality_file(tracks_file: str | Path) -> Path:
    """``X_el.h5`` -> ``X_el_quality.json``: the ground-truth-free tracking summary beside the tracks."""
    tracks_file = Path(tracks_file)
    return tracks_file.with_name(tracks_file.stem + "_quality.json")


def write_quality(arr: np.ndarray, result: Any, tracks_file: Path, tracker: Mapping[str, Any] | None = None) -> Path:
    """Print the tracking-quality summary of stitched tracks and write it as ``<tracks>_quality.json``."""
    import json

    from madlc.core.tracking.quality import format_summary, quality_summary
    from madlc.io.atomic import atomic_path

    handovers = [[t.start for t in track[1:]] for track in result.tracks]
    undecided = result.undecided_joins() if hasattr(result, "undecided_joins") else []
    summary = quality_summary(arr, handovers, undecided=undecided)
    summary["tracks_file"] = Path(tracks_file).name
    summary["stitcher"] = result.solver
    if tracker:
        summary["tracker"] = {k: tracker[k] for k in ("picked", "crowding", "reason") if k in tracker}
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
