"""Pose data of other tools (SLEAP, NWB, COCO, YOLO) <-> madlc's arrays, through ``sleap-io``.

madlc's array contract for the poses of ONE video is :class:`PoseData`::

    coords      (n_frames, n_individuals, n_bodyparts, 3) float64: x, y, likelihood; NaN = missing
    frames      (n_frames,) int: video frame numbers of the rows
    individuals names (``single`` last when there are unique body parts)
    bodyparts   multi-animal parts, then unique parts
    + scorer, video path, skeleton edges (pairs of names), fps, per-instance scores, user flags

It is what :func:`madlc.io.tracks_to_array` gives for a DeepLabCut tracks file, plus what
other formats carry. The mapping to ``sleap_io.Labels``:

=========================  =============================================================
madlc                      SLEAP (sleap-io)
=========================  =============================================================
body parts                 skeleton nodes (same order); ``skeleton`` edges <-> edges
individuals                tracks (``Track(name)``), instance order = individuals order
likelihood                 point ``score`` of a ``PredictedInstance``
(mean likelihood)          instance ``score`` (kept as read when the data came from SLEAP)
human label                ``Instance`` (user); its likelihood reads as 1.0
unique body parts          the track named ``single`` holding only those nodes
scorer, unique parts       ``Labels.provenance`` (``madlc_scorer``, ``madlc_unique_bodyparts``)
=========================  =============================================================

Files are read and written by sleap-io (``.slp``, SLEAP analysis ``.h5``, COCO ``.json``,
Ultralytics/YOLO folders). NWB lives in :mod:`madlc.io.nwb_pose`. What a format cannot hold is
named in a :class:`UserWarning` when writing it, never dropped silently.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from madlc.errors import FormatError, VideoError, file_error
from madlc.io.labels import UNIQUE_INDIVIDUAL

#: names of the formats :func:`detect_format` recognises
FORMATS = ("dlc", "slp", "nwb", "analysis", "coco", "yolo")
_EXT_FORMATS = {".slp": "slp", ".nwb": "nwb", ".csv": "dlc", ".json": "coco"}
PROVENANCE_SCORER = "madlc_scorer"
PROVENANCE_UNIQUE = "madlc_unique_bodyparts"
PROVENANCE_FRAMES = "madlc_n_frames"
DEFAULT_SCORER = "SLEAP"


@dataclass
class PoseData:
    """Poses of one video in madlc's array contract (see module doc)."""

    coords: np.ndarray
    frames: np.ndarray
    individuals: list[str]
    bodyparts: list[str]
    unique_bodyparts: list[str] = field(default_factory=list)
    scorer: str = DEFAULT_SCORER
    video: str | None = None
    edges: list[tuple[str, str]] = field(default_factory=list)
    fps: float | None = None
    instance_scores: np.ndarray | None = None  # (n_frames, n_individuals), NaN = none
    user: np.ndarray | None = None  # (n_frames, n_individuals) bool: a human label
    n_frames: int | None = None  # frames of the video (rows 0..n_frames-1 when written as tracks)

    def __post_init__(self) -> None:
        self.coords = np.asarray(self.coords, dtype=np.float64)
        self.frames = np.asarray(self.frames, dtype=np.int64)
        if self.coords.ndim != 4 or self.coords.shape[3] != 3:
            raise ValueError(f"coords of shape {self.coords.shape}; expected (frames, individuals, bodyparts, 3)")
        if self.coords.shape[1:3] != (len(self.individuals), len(self.bodyparts)) or len(self.frames) != len(self.coords):
            raise ValueError(f"coords {self.coords.shape} do not match {len(self.frames)} frames, "
                             f"{len(self.individuals)} individuals, {len(self.bodyparts)} bodyparts")

    @property
    def multi_bodyparts(self) -> list[str]:
        return [b for b in self.bodyparts if b not in self.unique_bodyparts]

    def present(self) -> np.ndarray:
        """``(n_frames, n_individuals)`` bool: the individual has at least one point in that frame."""
        return np.isfinite(self.coords[..., :2]).all(-1).any(-1)


# ---------------------------------------------------------------- DeepLabCut tracks <-> PoseData
def pose_from_tracks(df: pd.DataFrame, video: str | None = None, edges: Sequence[Sequence[str]] = (),
                     fps: float | None = None) -> PoseData:
    """A DeepLabCut tracks DataFrame (:func:`madlc.io.read_tracks`) -> :class:`PoseData`."""
    from madlc.io.tracks import tracks_to_array

    arr, scorer, individuals, bodyparts = tracks_to_array(df)
    cols = df.columns
    unique: list[str] = []
    if cols.nlevels == 4 and UNIQUE_INDIVIDUAL in individuals:
        ind_of = cols.get_level_values("individuals")
        multi = {b for i, b in zip(ind_of, cols.get_level_values("bodyparts")) if i != UNIQUE_INDIVIDUAL}
        unique = [b for b in bodyparts if b not in multi]
    frames = np.asarray(df.index, dtype=np.int64)
    return PoseData(arr, frames, individuals, bodyparts, unique, scorer or DEFAULT_SCORER, video,
                    [tuple(map(str, e)) for e in edges], fps, n_frames=int(frames.max()) + 1 if len(frames) else 0)


def pose_to_tracks(pose: PoseData, all_frames: bool = True) -> pd.DataFrame:
    """:class:`PoseData` -> a DeepLabCut tracks DataFrame (rows ``0..last frame`` with ``all_frames``)."""
    from madlc.io.tracks import array_to_tracks

    coords, frames = pose.coords, pose.frames
    if all_frames:
        n = max(int(frames.max()) + 1 if len(frames) else 0, int(pose.n_frames or 0))
        full = np.full((n,) + coords.shape[1:], np.nan)
        full[frames] = coords
        coords, frames = full, np.arange(n)
    individuals = list(pose.individuals)
    if pose.unique_bodyparts and UNIQUE_INDIVIDUAL not in individuals:
        raise ValueError(f"unique bodyparts {pose.unique_bodyparts} need an individual named 'single'")
    return array_to_tracks(coords, pose.scorer, individuals, pose.bodyparts, pose.unique_bodyparts, frames)


# ---------------------------------------------------------------- sleap_io.Labels <-> PoseData
def _skeleton(pose: PoseData):
    import sleap_io as sio

    known = set(pose.bodyparts)
    edges = [(a, b) for a, b in pose.edges if a in known and b in known]
    return sio.Skeleton(nodes=list(pose.bodyparts), edges=edges, name="madlc")


def pose_to_labels(pose: PoseData, user: bool | None = None):
    """:class:`PoseData` -> ``sleap_io.Labels`` (one video, one skeleton, one track per individual).

    ``user``: write human labels (``Instance``) instead of predictions; ``None`` follows
    ``pose.user`` (predictions when it is absent).
    """
    import sleap_io as sio

    skeleton = _skeleton(pose)
    video = sio.Video(filename=str(pose.video or "video.mp4"), open_backend=False)
    tracks = [sio.Track(name=str(name)) for name in pose.individuals]
    present = pose.present()
    frames = []
    for row, frame in enumerate(pose.frames):
        instances = []
        for k in np.flatnonzero(present[row]):
            pts = pose.coords[row, k]
            xy = pts[:, :2].copy()
            is_user = bool(pose.user[row, k]) if (user is None and pose.user is not None) else bool(user)
            if is_user:
                instances.append(sio.Instance.from_numpy(xy, skeleton=skeleton, track=tracks[k]))
                continue
            scores = pts[:, 2].copy()
            inst_score = np.nan
            if pose.instance_scores is not None:
                inst_score = float(pose.instance_scores[row, k])
            if not np.isfinite(inst_score):
                seen = scores[np.isfinite(xy).all(1) & np.isfinite(scores)]
                inst_score = float(seen.mean()) if len(seen) else 0.0
            instances.append(sio.PredictedInstance.from_numpy(xy, skeleton=skeleton, point_scores=scores,
                                                               score=inst_score, track=tracks[k]))
        if instances:
            frames.append(sio.LabeledFrame(video=video, frame_idx=int(frame), instances=instances))
    labels = sio.Labels(labeled_frames=frames, videos=[video], skeletons=[skeleton], tracks=tracks)
    labels.provenance.update({PROVENANCE_SCORER: pose.scorer, PROVENANCE_UNIQUE: list(pose.unique_bodyparts),
                              "source_software": "madlc"})
    if pose.n_frames:
        labels.provenance[PROVENANCE_FRAMES] = int(pose.n_frames)
    return labels


def _pick_video(labels, video: str | int | None, path: Any):
    videos = list(labels.videos)
    if not videos:
        raise file_error(path, "it holds no video (and so no poses)", "pass a file with labeled frames")
    if video is None:
        used = {id(lf.video) for lf in labels.labeled_frames}
        candidates = [v for v in videos if id(v) in used] or videos
        if len(candidates) > 1:
            names = [str(v.filename) for v in candidates]
            raise file_error(path, f"it holds poses of {len(candidates)} videos: {names}",
                             "choose one with --video-index N (0-based) or --video NAME")
        return candidates[0]
    if isinstance(video, int) or (isinstance(video, str) and video.isdigit()):
        idx = int(video)
        if not 0 <= idx < len(videos):
            raise file_error(path, f"video index {idx} out of range (it holds {len(videos)} videos)",
                             "pass an index from 0 to number of videos - 1")
        return videos[idx]
    wanted = Path(str(video))
    for v in videos:
        fn = Path(str(v.filename if isinstance(v.filename, str) else v.filename[0]))
        if fn == wanted or fn.name == wanted.name or fn.stem == wanted.stem:
            return v
    names = [str(v.filename) for v in videos]
    raise file_error(path, f"no video named {video!r} in it (it has {names})", "pass one of these names")


def pose_from_labels(labels, path: Any = "<labels>", video: str | int | None = None, predicted: bool = True,
                     user: bool = True, scorer: str | None = None,
                     unique_bodyparts: Sequence[str] | None = None) -> PoseData:
    """``sleap_io.Labels`` -> :class:`PoseData` for one video (see the mapping in the module doc).

    Instances of the same track in a frame: a human label wins over a prediction. Untracked
    instances fill slots ``untracked1..N`` in their frame's order. ``predicted``/``user`` pick the
    instance kinds. ``video``: index or file name when the labels hold several videos.
    """
    chosen = _pick_video(labels, video, path)
    skeletons = list(labels.skeletons)
    if not skeletons:
        raise file_error(path, "it has no skeleton", "pass a SLEAP/NWB/COCO file with pose data")
    if len(skeletons) > 1:
        names = [s.node_names for s in skeletons]
        if any(n != names[0] for n in names[1:]):
            warnings.warn(f"{path}: {len(skeletons)} skeletons; using the nodes of the first one "
                          f"({skeletons[0].name}); instances of the others are matched by node name", stacklevel=2)
    skeleton = skeletons[0]
    bodyparts = [str(n) for n in skeleton.node_names]
    edges = [(str(a), str(b)) for a, b in ((e.source.name, e.destination.name) for e in skeleton.edges)]
    lfs = sorted((lf for lf in labels.labeled_frames if lf.video is chosen), key=lambda lf: lf.frame_idx)
    picked: list[tuple[int, list[tuple[Any, Any]]]] = []
    track_order: dict[str, int] = {t.name: i for i, t in enumerate(labels.tracks)}
    used_tracks: set[str] = set()
    max_untracked = 0
    for lf in lfs:
        chosen_inst: dict[Any, Any] = {}
        untracked = []
        users = [i for i in lf.user_instances] if user else []
        preds = [i for i in lf.predicted_instances] if predicted else []
        replaced = {id(u.from_predicted) for u in users if getattr(u, "from_predicted", None) is not None}
        for inst in users + [p for p in preds if id(p) not in replaced]:
            if inst.track is None:
                untracked.append(inst)
            elif inst.track.name not in chosen_inst:
                chosen_inst[inst.track.name] = inst
        used_tracks.update(chosen_inst)
        max_untracked = max(max_untracked, len(untracked))
        items = list(chosen_inst.items()) + [(f"untracked{j + 1}", inst) for j, inst in enumerate(untracked)]
        if items:
            picked.append((int(lf.frame_idx), items))
    tracked = sorted(used_tracks, key=lambda n: (track_order.get(n, len(track_order)), n))
    individuals = tracked + [f"untracked{j + 1}" for j in range(max_untracked)]
    if max_untracked and tracked:
        warnings.warn(f"{path}: some instances have no track; they fill slots untracked1..{max_untracked}", stacklevel=2)
    prov = dict(labels.provenance or {})
    unique = list(unique_bodyparts if unique_bodyparts is not None else prov.get(PROVENANCE_UNIQUE) or [])
    unique = [b for b in unique if b in bodyparts]
    if unique and UNIQUE_INDIVIDUAL in individuals:  # 'single' goes last (DeepLabCut's column order)
        individuals = [i for i in individuals if i != UNIQUE_INDIVIDUAL] + [UNIQUE_INDIVIDUAL]
    elif unique:
        unique = []
    ind_pos = {name: k for k, name in enumerate(individuals)}
    bpt_pos = {name: k for k, name in enumerate(bodyparts)}
    n = len(picked)
    coords = np.full((n, len(individuals), len(bodyparts), 3), np.nan)
    inst_scores = np.full((n, len(individuals)), np.nan)
    is_user = np.zeros((n, len(individuals)), bool)
    for row, (_, items) in enumerate(picked):
        for name, inst in items:
            k = ind_pos[name]
            pts = inst.points
            xy = np.asarray(pts["xy"], dtype=np.float64)
            if inst.skeleton is skeleton:
                cols = np.arange(len(bodyparts))
            else:
                cols = np.array([bpt_pos.get(str(nm), -1) for nm in inst.skeleton.node_names])
                xy = xy[cols >= 0]
                cols = cols[cols >= 0]
            visible = np.asarray(pts["visible"], bool)[: len(xy)] if "visible" in pts.dtype.names else np.ones(len(xy), bool)
            xy = np.where(visible[:, None], xy, np.nan)
            coords[row, k, cols, :2] = xy
            if type(inst).__name__.startswith("Predicted"):
                coords[row, k, cols, 2] = np.asarray(pts["score"], dtype=np.float64)[: len(cols)]
                inst_scores[row, k] = float(inst.score)
            else:
                coords[row, k, cols, 2] = 1.0
                is_user[row, k] = True
    coords[~np.isfinite(coords[..., :2]).all(-1)] = np.nan
    frames = np.array([f for f, _ in picked], dtype=np.int64)
    fps = None
    if getattr(chosen, "backend_metadata", None):
        fps = chosen.backend_metadata.get("fps") or None
    fn = chosen.filename if isinstance(chosen.filename, str) else None
    n_frames = prov.get(PROVENANCE_FRAMES)
    return PoseData(coords, frames, individuals, bodyparts, unique,
                    str(scorer or prov.get(PROVENANCE_SCORER) or DEFAULT_SCORER), fn, edges,
                    float(fps) if fps else None, inst_scores, is_user, int(n_frames) if n_frames else None)


# ---------------------------------------------------------------- files
def _is_sleap_analysis_h5(path: Path) -> bool:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            return "tracks" in f and "track_occupancy" in f
    except OSError:
        return False


def detect_format(path: str | Path, format: str | None = None) -> str:
    """The pose format of ``path``: ``format`` if given, else from the extension/content (see :data:`FORMATS`)."""
    path = Path(path)
    if format:
        fmt = format.lower().lstrip(".")
        fmt = {"h5": "dlc", "csv": "dlc", "deeplabcut": "dlc", "sleap": "slp", "ultralytics": "yolo",
               "sleap_analysis": "analysis", "analysis_h5": "analysis"}.get(fmt, fmt)
        if fmt not in FORMATS:
            raise FormatError(f"{path}: unknown format {format!r}. What to do: use one of {', '.join(FORMATS)}.")
        return fmt
    name = path.name.lower()
    if name.endswith(".analysis.h5"):
        return "analysis"
    suffix = path.suffix.lower()
    if suffix in _EXT_FORMATS:
        return _EXT_FORMATS[suffix]
    if suffix in (".h5", ".hdf5"):
        return "analysis" if path.exists() and _is_sleap_analysis_h5(path) else "dlc"
    if path.is_dir() or name in ("data.yaml", "dataset.yaml"):
        return "yolo"
    raise FormatError(f"{path}: cannot tell the format from the name. What to do: name it .h5/.csv (DeepLabCut), "
                      ".slp, .nwb, .analysis.h5, .json (COCO) or a folder (YOLO), or pass --format.")


def load_labels_file(path: str | Path, format: str | None = None, video: str | None = None):
    """Read a SLEAP/analysis/COCO/YOLO file with sleap-io into ``sleap_io.Labels`` (clear errors)."""
    import sleap_io as sio

    path = Path(path)
    fmt = detect_format(path, format)
    if not path.exists():
        raise file_error(path, "no such file", "check the path")
    try:
        if fmt == "slp":
            return sio.load_slp(str(path), open_videos=False)
        if fmt == "analysis":
            return sio.load_analysis_h5(str(path), video=video)
        if fmt == "coco":
            return sio.load_coco(str(path))
        if fmt == "yolo":
            root = path.parent if path.is_file() else path
            return sio.load_ultralytics(str(root))
        if fmt == "nwb":
            return sio.load_nwb(str(path))
    except (OSError, KeyError, ValueError, TypeError) as err:
        fix = {"nwb": "pass an NWB file holding ndx-pose data (PoseEstimation or PoseTraining)",
               "coco": "pass a COCO keypoints .json (with 'images', 'annotations', 'categories')",
               }.get(fmt, f"check that it is a valid {fmt} file (open it in SLEAP)")
        raise file_error(path, f"sleap-io could not read it as {fmt}: {err}", fix) from err
    raise FormatError(f"{path}: format {fmt!r} is not a sleap-io labels format here. What to do: use madlc.io "
                      "readers for DeepLabCut files.")


def _warn_lost(path: Path, fmt: str, pose: PoseData, lost: list[str]) -> None:
    if lost:
        warnings.warn(f"{path}: the {fmt} format cannot hold {'; '.join(lost)}: not written", UserWarning, stacklevel=3)


def save_pose(pose: PoseData, path: str | Path, format: str | None = None, user: bool | None = None) -> Path:
    """Write :class:`PoseData` as ``.slp``, SLEAP analysis ``.h5``, COCO ``.json`` or a YOLO folder (sleap-io).

    Written to a temporary name and renamed. What the format cannot hold is named in a warning.
    """
    import sleap_io as sio

    from madlc.io.atomic import atomic_path

    path = Path(path)
    fmt = detect_format(path, format) if format or path.suffix else "yolo"
    labels = pose_to_labels(pose, user=user)
    has_scores = bool(np.isfinite(pose.coords[..., 2]).any())
    if fmt == "slp":
        with atomic_path(path) as tmp:
            sio.save_slp(labels, str(tmp), verbose=False)
        return path
    if fmt == "analysis":
        lost = [f"the scorer name ({pose.scorer})"] if pose.scorer != DEFAULT_SCORER else []
        if pose.user is not None and pose.user.any():
            lost.append("which instances are human labels (all become predictions)")
            labels = pose_to_labels(pose, user=False)
        _warn_lost(path, "SLEAP analysis HDF5", pose, lost)
        with atomic_path(path) as tmp:
            sio.save_analysis_h5(labels, str(tmp), all_frames=bool(pose.n_frames), save_metadata=True)
        return path
    if fmt in ("coco", "yolo"):
        lost = []
        if has_scores:
            lost.append("likelihoods (points become labeled/unlabeled)")
        lost.append(f"individual names ({', '.join(pose.individuals)})")
        if pose.scorer != DEFAULT_SCORER:
            lost.append(f"the scorer name ({pose.scorer})")
        _warn_lost(path, fmt.upper(), pose, lost)
        user_labels = pose_to_labels(pose, user=True)
        if fmt == "coco":
            images = [f"{Path(str(pose.video or 'video')).stem}/img{int(f):06d}.png" for f in pose.frames
                      if pose.present()[list(pose.frames).index(f)].any()]
            with atomic_path(path) as tmp:
                sio.save_coco(user_labels, str(tmp), image_filenames=images)
            return path
        _require_video(pose, path, "YOLO datasets hold the images")
        sio.save_ultralytics(user_labels, str(path), split_ratios={"train": 1.0})
        return path
    raise FormatError(f"{path}: cannot write format {fmt!r} here. What to do: use madlc.io (DeepLabCut) or "
                      "madlc.io.nwb_pose (NWB).")


def _require_video(pose: PoseData, path: Path, why: str) -> None:
    if not pose.video or not Path(pose.video).exists():
        raise VideoError(f"{path}: {why}, but the video {pose.video!r} is not found. "
                         "What to do: pass the video file with --video.")


def with_video(pose: PoseData, video: str | None) -> PoseData:
    """A copy of ``pose`` pointing at ``video`` (when given)."""
    return replace(pose, video=str(video)) if video else pose
