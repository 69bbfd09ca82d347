"""NWB files with ``ndx-pose`` pose data <-> :class:`madlc.io.sleap_formats.PoseData`.

Layout written (the one sleap-io reads back with ``sleap_io.load_nwb``, and DANDI expects):
``processing/SLEAP_VIDEO_000_<video stem>/track=<individual>`` is one ``PoseEstimation`` per
individual, holding one ``PoseEstimationSeries`` per body part (``data`` = x, y in pixels,
``confidence`` = likelihood, time in seconds = frame / fps), linked to the ``Skeleton`` that
sleap-io's ``create_skeleton_container`` writes into ``processing/behavior/Skeletons``. The
file's subject and session metadata come from the caller (with defaults).

Why the series are built here with ndx-pose rather than by ``sleap_io.save_nwb`` (0.9.5):
its writer truncates the sampling rate to an integer (29.97 fps -> 29, and 1/(1/15 s) ->
14 in about one series of five) and its reader multiplies by the rate instead of dividing,
numbers frames by their rank among all timestamps, holds coordinates as float32 and names
the tracks ``track0..``. madlc therefore writes explicit ``timestamps`` (frame / fps, the same
float for a frame in every series, so sleap-io's ranks follow the frames) and reads names,
frame numbers and float64 values with pynwb; sleap-io still reads the files madlc writes
(tested: same poses in the same frame order, to float32 precision).
"""
from __future__ import annotations

import datetime as _dt
import uuid
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from madlc.errors import FormatError, file_error
from madlc.io.labels import UNIQUE_INDIVIDUAL
from madlc.io.sleap_formats import DEFAULT_SCORER, PoseData, pose_from_labels, pose_to_labels

TRACK_PREFIX = "track="
DEFAULT_FPS = 30.0
_REFERENCE_FRAME = "(x, y) in pixels from the top-left corner of the video frame"
_NO_POSE_FIX = ("pass an NWB file holding ndx-pose data (a PoseEstimation or PoseTraining container), "
                "e.g. one written by `madlc convert tracks.h5 out.nwb` or by DeepLabCut/SLEAP")


def _series(name: str, xy: np.ndarray, conf: np.ndarray, frames: np.ndarray, fps: float):
    from ndx_pose import PoseEstimationSeries

    kwargs: dict[str, Any] = dict(name=name, description=f"Trajectory of {name}.", data=xy, unit="pixels",
                                  reference_frame=_REFERENCE_FRAME, confidence=conf,
                                  confidence_definition="likelihood of the keypoint (0-1)")
    kwargs["timestamps"] = frames.astype(np.float64) / fps  # same float for a frame in every series
    return PoseEstimationSeries(**kwargs)


def save_nwb(pose: PoseData, path: str | Path, fps: float | None = None, subject_id: str | None = None,
             species: str | None = None, session_description: str | None = None,
             session_start_time: str | _dt.datetime | None = None, experimenter: str | None = None,
             lab: str | None = None, institution: str | None = None, identifier: str | None = None,
             dimensions: tuple[int, int] | None = None, software_version: str | None = None) -> Path:
    """Write ``pose`` as an NWB file (see module doc); written to a temporary name, then renamed.

    ``fps``: frames per second of the video (default: ``pose.fps``, else 30 with a warning).
    ``session_start_time``: ISO date-time (default: now, UTC). ``dimensions``: (height, width).
    ``software_version``: madlc's version, stored as the pose estimates' source software version.
    """
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.file import Subject
    from sleap_io.io.nwb_predictions import create_skeleton_container

    from madlc.io.atomic import atomic_path

    path = Path(path)
    fps = float(fps or pose.fps or 0)
    if fps <= 0:
        fps = DEFAULT_FPS
        warnings.warn(f"{path}: video frame rate unknown; times in the NWB file assume {DEFAULT_FPS:g} fps "
                      "(pass --fps or --video)", UserWarning, stacklevel=2)
    if isinstance(session_start_time, str):
        session_start_time = _dt.datetime.fromisoformat(session_start_time)
    start = session_start_time or _dt.datetime.now(_dt.timezone.utc)
    if start.tzinfo is None:
        start = start.replace(tzinfo=_dt.timezone.utc)
    subject = Subject(subject_id=subject_id or "subject", species=species or "unknown",
                      description="animals tracked by madlc: " + ", ".join(pose.individuals))
    nwbfile = NWBFile(session_description=session_description or f"pose estimation ({pose.scorer})",
                      identifier=identifier or str(uuid.uuid4()), session_start_time=start, subject=subject,
                      experimenter=[experimenter] if experimenter else None, lab=lab, institution=institution)
    labels = pose_to_labels(pose, user=False)
    skeleton = create_skeleton_container(labels, nwbfile)[labels.skeleton.name]
    video_name = str(pose.video or "video.mp4")
    module = nwbfile.create_processing_module(name=f"SLEAP_VIDEO_000_{Path(video_name).stem}",
                                              description=f"poses of {Path(video_name).name}")
    device = nwbfile.create_device(name="camera_0", description=f"camera of {Path(video_name).name}")
    finite = np.isfinite(pose.coords[..., :2]).all(-1)
    for k, individual in enumerate(pose.individuals):
        series = []
        for j, bpt in enumerate(pose.bodyparts):
            rows = np.flatnonzero(finite[:, k, j])
            series.append(_series(bpt, pose.coords[rows, k, j, :2], pose.coords[rows, k, j, 2], pose.frames[rows], fps))
        extra = {"dimensions": np.array([dimensions], dtype="uint16")} if dimensions else {}
        module.add(_pose_estimation(name=f"{TRACK_PREFIX}{individual}", pose_estimation_series=series,
                                  description=f"poses of {individual} in {Path(video_name).name} at {float(fps)!r} fps",
                                  original_videos=[video_name], labeled_videos=[video_name], scorer=pose.scorer,
                                  source_software="madlc", source_software_version=software_version, skeleton=skeleton,
                                  devices=[device], **extra))
    with atomic_path(path) as tmp:
        with NWBHDF5IO(str(tmp), "w") as io:
            io.write(nwbfile)
    return path


def _pose_estimation(**kwargs):
    """ndx-pose ``PoseEstimation`` with the arguments sleap-io's reader expects (``original_videos``,
    ``devices``), which ndx-pose 0.4 deprecates: its DeprecationWarnings are silenced here."""
    from ndx_pose import PoseEstimation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return PoseEstimation(**kwargs)


def _times(series) -> np.ndarray:
    if series.timestamps is not None:
        return np.asarray(series.timestamps[:], dtype=np.float64)
    n = series.data.shape[0]
    return float(series.starting_time or 0.0) + np.arange(n) / float(series.rate)


def _containers(nwb) -> list[tuple[str, Any]]:
    out = []
    for module in nwb.processing.values():
        for name, obj in module.data_interfaces.items():
            if type(obj).__name__ == "PoseEstimation":
                out.append((module.name, obj))
    return out


def _has_training(nwb) -> bool:
    return any(type(obj).__name__ == "PoseTraining" for module in nwb.processing.values()
               for obj in module.data_interfaces.values())


def load_nwb(path: str | Path, video: str | int | None = None, fps: float | None = None) -> PoseData:
    """Read the poses of one video from an NWB file (``PoseEstimation``; ``PoseTraining`` via sleap-io).

    Individuals are the containers' names (``track=`` removed), body parts the skeleton's nodes,
    frame numbers ``round(time * fps)`` with ``fps`` from a series' rate or the description madlc
    writes (else ``fps``, e.g. the video's, else the smallest time step, with a warning).
    """
    from pynwb import NWBHDF5IO

    path = Path(path)
    if not path.exists():
        raise file_error(path, "no such file", "check the path")
    try:
        io = NWBHDF5IO(str(path), "r", load_namespaces=True)
        nwb = io.read()
    except Exception as err:  # noqa: BLE001 - pynwb raises many types on foreign files
        raise file_error(path, f"it cannot be read as an NWB file ({type(err).__name__}: {err})", _NO_POSE_FIX) from err
    try:
        containers = _containers(nwb)
        if not containers:
            if _has_training(nwb):
                import sleap_io as sio

                return pose_from_labels(sio.load_nwb(str(path)), path, video=video)
            raise file_error(path, "it holds no pose data (no ndx-pose PoseEstimation or PoseTraining)", _NO_POSE_FIX)
        by_video: dict[str, list[Any]] = {}
        for module_name, obj in containers:
            vids = list(obj.original_videos[:]) if obj.original_videos is not None else []
            by_video.setdefault(str(vids[0]) if vids else module_name, []).append(obj)
        keys = list(by_video)
        if video is None and len(keys) > 1:
            raise file_error(path, f"it holds poses of {len(keys)} videos: {keys}", "choose one with --video NAME")
        if video is None:
            key = keys[0]
        elif isinstance(video, int) or str(video).isdigit():
            key = keys[int(video)]
        else:
            match = [k for k in keys if Path(k).name == Path(str(video)).name or Path(k).stem == Path(str(video)).stem]
            if not match:
                raise file_error(path, f"no poses of a video named {video!r} (it has {keys})", "pass one of these")
            key = match[0]
        return _read_containers(path, by_video[key], key, fps)
    finally:
        io.close()


def _read_containers(path: Path, containers: list[Any], video_key: str, fps: float | None) -> PoseData:
    first = containers[0]
    if first.skeleton is not None:
        bodyparts = [str(n) for n in first.skeleton.nodes[:]]
        edges = [(bodyparts[int(a)], bodyparts[int(b)]) for a, b in np.asarray(first.skeleton.edges[:]).reshape(-1, 2)]
    else:
        bodyparts = list(dict.fromkeys(str(n) for c in containers for n in c.pose_estimation_series))
        edges = []
    individuals = [c.name[len(TRACK_PREFIX):] if c.name.startswith(TRACK_PREFIX) else c.name for c in containers]
    if len(set(individuals)) != len(individuals):
        raise file_error(path, f"two pose containers share a name ({individuals})", "rename them")
    rate = next((float(s.rate) for c in containers for s in c.pose_estimation_series.values() if s.rate), None)
    rate = rate or _fps_from_description(first.description)
    all_times = np.unique(np.concatenate([_times(s) for c in containers for s in c.pose_estimation_series.values()]
                                         or [np.zeros(0)]))
    fps = rate or fps
    if not fps:
        steps = np.diff(all_times)
        steps = steps[steps > 0]
        fps = 1.0 / steps.min() if len(steps) else 1.0
        warnings.warn(f"{path}: no frame rate in the file; frames numbered with {fps:g} fps (pass --fps)",
                      UserWarning, stacklevel=3)
    frames = np.unique(np.rint(all_times * fps).astype(np.int64))
    row_of = {int(f): r for r, f in enumerate(frames)}
    bpt_pos = {b: j for j, b in enumerate(bodyparts)}
    coords = np.full((len(frames), len(individuals), len(bodyparts), 3), np.nan)
    for k, c in enumerate(containers):
        for name, s in c.pose_estimation_series.items():
            if name not in bpt_pos:
                continue
            rows = [row_of[int(f)] for f in np.rint(_times(s) * fps).astype(np.int64)]
            data = np.asarray(s.data[:], dtype=np.float64).reshape(-1, 2)
            coords[rows, k, bpt_pos[name], :2] = data[:, :2]
            conf = np.asarray(s.confidence[:], dtype=np.float64) if s.confidence is not None else np.full(len(data), np.nan)
            coords[rows, k, bpt_pos[name], 2] = conf
    coords[~np.isfinite(coords[..., :2]).all(-1)] = np.nan
    unique: list[str] = []
    if UNIQUE_INDIVIDUAL in individuals:
        k_single = individuals.index(UNIQUE_INDIVIDUAL)
        seen = np.isfinite(coords[..., 0]).any(0)  # (individuals, bodyparts)
        others = np.delete(seen, k_single, axis=0).any(0)
        unique = [b for j, b in enumerate(bodyparts) if seen[k_single, j] and not others[j]]
        order = [k for k in range(len(individuals)) if k != k_single] + [k_single]
        coords, individuals = coords[:, order], [individuals[k] for k in order]
    scorer = str(first.scorer) if getattr(first, "scorer", None) else DEFAULT_SCORER
    return PoseData(coords, frames, individuals, bodyparts, unique, scorer, video_key, edges, float(fps))


def _fps_from_description(text: str | None) -> float | None:
    """madlc writes ``... at <fps> fps`` in each container's description."""
    import re

    match = re.search(r" at ([0-9.]+) fps$", str(text or ""))
    return float(match.group(1)) if match else None


def nwb_has_pose(path: str | Path) -> bool:
    """Whether ``path`` holds ndx-pose data (used to give a clear error before converting)."""
    try:
        load_nwb(path)
    except FormatError:
        return False
    return True
