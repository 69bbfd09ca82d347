"""``track``: link the animals of an ``X_assemblies.pickle`` (or ``X_full.pickle``) into ``X_el.pickle``.

File-level (DeepLabCut's files, no madlc project needed); the project-level entry point is
:mod:`madlc.stages.convert_detections2tracklets`. Settings: the ``inference`` and ``tracking``
groups, resolved once by :func:`madlc.stages._settings.stage_settings` (defaults < the
``inference_cfg.yaml`` as madlc wrote it < the project's madlc.yaml < a hand-edited
inference_cfg.yaml < ``overrides`` such as ``tracking.max_age=5``; docs/architecture.md, Settings).
The project is ``config`` or the folder with a config.yaml the pickle lies in (or up to 3 above).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from madlc.errors import ConfigError, MadlcError, file_error
from madlc.stages._settings import choice_settings, project_of, stage_settings, tracker_config, use_identity_choice

log = logging.getLogger(__name__)


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


# ---------------------------------------------------------------- the stage
def track(pickle_file: str, method: str = "auto", identity_only: bool = False, inference_cfg: str | None = None,
          bodyparts: str | None = None, output: str | None = None, config: str | None = None,
          overrides: Sequence[str] = (), settings: Mapping[str, Any] | None = None) -> str:
    """Link the animals of an _assemblies.pickle (or a _full.pickle) into a tracklet pickle.

    ``method``: auto (default: picked per video from how crowded the animals are, see
    :mod:`madlc.core.tracking.auto`), box, ellipse or skeleton; ``identity_only`` links by the network's identity
    predictions instead of motion. A _full.pickle is assembled first (its _assemblies.pickle
    is written beside it). Body-part names come from the _meta.pickle/_full.pickle beside the
    input, or from ``bodyparts`` (comma-separated, multi-animal then unique parts).
    ``output`` defaults to the input's prefix + ``_bx``/``_el``/``_sk``.pickle. ``config``: the
    project whose madlc.yaml applies (default: found from the pickle's folder). ``settings``: the
    already-resolved ``inference`` and ``tracking`` groups (then nothing is resolved again).
    Returns the path.
    """
    from madlc.io import read_assemblies, tracklet_header, write_tracklets
    from madlc.project.paths import tracker_suffix
    from madlc.core.tracking.trackers import link_by_identity, track_assemblies

    src = Path(pickle_file)
    if not src.exists():
        raise file_error(src, "no such file", "pass a <video><scorer>_assemblies.pickle or _full.pickle")
    if method != "auto":
        try:
            tracker_suffix(method)
        except ValueError as err:
            raise ConfigError(f"{err}. What to do: pass --method auto, box, ellipse or skeleton.") from None
    prefix = _prefix(src)
    if settings is None:
        if inference_cfg is not None and not Path(inference_cfg).exists():
            raise file_error(inference_cfg, "the inference_cfg.yaml does not exist",
                             "pass the model's test/inference_cfg.yaml or leave the option out", ConfigError)
        settings = stage_settings("tracklets", config or project_of(src), overrides,
                                  dlc_files=[inference_cfg] if inference_cfg else None)
    else:
        settings = stage_settings("tracklets", settings=settings)
    tracking = settings["tracking"]
    choice = None
    if src.name.endswith("_full.pickle"):
        from madlc.stages.assemble import assemble

        src = Path(assemble(str(src), inference_cfg=inference_cfg, output=prefix + "_assemblies.pickle",
                            settings={"inference": settings["inference"]}))
    assemblies = read_assemblies(src)
    frames = [k for k in assemblies if k != "single"]
    n_multi = next((np.asarray(assemblies[k]).shape[1] for k in frames if np.asarray(assemblies[k]).ndim == 3), 0)
    single = assemblies.get("single") or {}
    n_unique = next((np.asarray(v).reshape(-1, 3).shape[0] for v in single.values()), 0)
    multi_names, unique_names, scorer = _bodypart_names(prefix, bodyparts, n_multi or None, n_unique)
    n_ids = _has_identity(assemblies)
    use_id = use_identity_choice(tracking["use_identity"], n_ids)
    n_frames = _n_frames(prefix, frames)
    if identity_only:
        if n_ids == 0:
            raise file_error(src, "its animals carry no identity predictions (identity column -1)",
                             "train with identity: true in config.yaml, or track without --identity-only")
        tracklets = link_by_identity(assemblies, n_ids, float(tracking["pcutoff"]), n_frames)
    else:
        if method == "auto":
            choice = _choose_tracker(assemblies, tracking, src)
            tracking = choice_settings(tracking, choice.settings)
            method = choice.method
        cfg = tracker_config(tracking, method, n_ids, use_id)
        tracklets = track_assemblies(assemblies, cfg, n_frames, progress=True)
    out_data: dict[Any, Any] = {"header": tracklet_header(scorer, multi_names + unique_names)}
    out_data.update(tracklets)
    if single:
        out_data["single"] = dict(single)
    if method == "auto":  # identity-only linking: named after the default tracker
        method = "ellipse"
    out = Path(output) if output else Path(prefix + tracker_suffix(method) + ".pickle")
    write_tracklets(out_data, out, n_frames)
    _write_tracker_note(out, choice)
    log.info("%s: %d tracklets -> %s", src, len(tracklets), out)
    return str(out)


def _choose_tracker(assemblies: Mapping[Any, Any], tracking: Mapping[str, Any], src: Path):
    """``track_method: auto``: pick the tracker (and its settings) for these assemblies; say why."""
    from madlc.core.tracking.auto import choose_tracker

    choice = choose_tracker(assemblies, float(tracking["pcutoff"]))
    message = f"{src.name}: track_method auto -> {choice.method} ({choice.reason})"
    log.info(message)
    print(message)
    return choice


def tracker_note_file(tracklets_file: str | Path) -> Path:
    """``X_sk.pickle`` -> ``X_sk_tracker.json``: what ``track_method auto`` picked, read back by ``stitch``."""
    tracklets_file = Path(tracklets_file)
    return tracklets_file.with_name(tracklets_file.stem + "_tracker.json")


def _write_tracker_note(tracklets_file: Path, choice: Any) -> None:
    """Write what auto picked (method, crowding, reason, settings) beside the tracklets; drop a stale note."""
    import json

    from madlc.io.atomic import atomic_path

    note = tracker_note_file(tracklets_file)
    if choice is None:
        note.unlink(missing_ok=True)  # tracked with an explicit method: an older auto note no longer applies
        return
    data = {"track_method": "auto", "picked": choice.method, "crowding": round(choice.crowding, 4),
            "reason": choice.reason, "settings": choice.settings}
    with atomic_path(note) as tmp:
        tmp.write_text(json.dumps(data, indent=1))


def _n_frames(prefix: str, frames: Sequence[int]) -> int | None:
    meta = _read_meta(prefix)
    n = meta.get("nframes")
    try:
        n = int(n) if n is not None else None
    except (TypeError, ValueError):
        n = None
    last = max(frames) + 1 if frames else 0
    return max(n, last) if n else (last or None)
