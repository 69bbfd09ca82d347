"""``madlc convert INPUT OUTPUT``: pose data from one format to another.

Formats (chosen by extension, or ``--format`` / ``--input-format``): DeepLabCut tracks
(``.h5``/``.csv``, madlc's readers and writers), SLEAP ``.slp``, NWB ``.nwb`` (ndx-pose),
SLEAP analysis HDF5 (``.analysis.h5``, or any ``.h5`` with SLEAP's datasets), COCO keypoints
``.json`` and Ultralytics/YOLO dataset folders (written from poses; YOLO needs the video).
Body parts <-> nodes, individuals <-> tracks, likelihood <-> point score
(:mod:`madlc.io.sleap_formats`). What the output format cannot hold is named in a warning.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from madlc.errors import ConfigError, MadlcError, file_error
from madlc.io.sleap_formats import PoseData

log = logging.getLogger(__name__)


def read_pose(path: str | Path, format: str | None = None, video: str | None = None, fps: float | None = None,
              video_index: int | None = None, predicted: bool = True, user: bool = True) -> PoseData:
    """Read the poses of one video from any supported file into :class:`PoseData`."""
    from madlc.io.sleap_formats import detect_format, load_labels_file, pose_from_labels, pose_from_tracks

    path = Path(path)
    if not path.exists():
        raise file_error(path, "no such file", "check the path")
    fmt = detect_format(path, format)
    if fmt == "dlc":
        from madlc.io.tracks import read_tracks

        return pose_from_tracks(read_tracks(path), video=video, fps=fps)
    if fmt == "nwb":
        from madlc.io.nwb_pose import load_nwb

        if fps is None and video:
            from madlc.video.reader import video_info

            fps = video_info(video).fps
        return load_nwb(path, video=video_index, fps=fps)
    labels = load_labels_file(path, fmt)
    pose = pose_from_labels(labels, path, video=video_index, predicted=predicted, user=user)
    if not len(pose.frames):
        kinds = " and ".join(k for k, on in (("predicted", predicted), ("user", user)) if on)
        raise file_error(path, f"it holds no {kinds} instances", "pass --predicted for a predictions file, "
                         "or check that the file has poses")
    return pose


def fit_to_config(pose: PoseData, config: str | Path, path: str | Path, mapping: dict[str, str] | None = None
                  ) -> tuple[PoseData, dict[str, Any]]:
    """Rename/reorder body parts to the project's (``mapping`` node -> body part); refuse unknown names.

    Returns the pose (body parts in the config's order, unique parts from config.yaml, skeleton
    from config.yaml when the file has none) and the config dict.
    """
    from madlc.project.config import load_config
    from madlc.project.paths import multianimal_bodyparts, unique_bodyparts

    cfg = load_config(config)
    multi, unique = multianimal_bodyparts(cfg), unique_bodyparts(cfg)
    wanted = multi + unique
    mapping = dict(mapping or {})
    bad_targets = sorted({v for v in mapping.values() if v not in wanted})
    if bad_targets:
        raise ConfigError(f"map: {bad_targets} are not body parts of {config} (it has {wanted}). "
                          "What to do: map each node to one of the project's body parts.")
    names = [mapping.get(b, b) for b in pose.bodyparts]
    unknown = [f"{b} -> {n}" if b != n else b for b, n in zip(pose.bodyparts, names) if n not in wanted]
    if unknown:
        raise ConfigError(
            f"{path}: nodes {unknown} are not body parts of {config}. File nodes: {pose.bodyparts}; project body "
            f"parts: {wanted}. What to do: pass --map a YAML file of 'node: bodypart' lines (a node mapped to a "
            "body part is kept, others refused), or edit multianimalbodyparts in config.yaml.")
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise ConfigError(f"{path}: several nodes map to the body parts {dups}. What to do: map each node to a different body part.")
    coords = np.full(pose.coords.shape[:2] + (len(wanted), 3), np.nan)
    for j, name in enumerate(names):
        coords[:, :, wanted.index(name)] = pose.coords[:, :, j]
    rename = dict(zip(pose.bodyparts, names))
    edges = [(rename[a], rename[b]) for a, b in pose.edges if a in rename and b in rename]
    if not edges:
        edges = [tuple(map(str, e)) for e in cfg.get("skeleton") or []]
    fitted = PoseData(coords, pose.frames, pose.individuals, wanted, [b for b in unique], pose.scorer, pose.video,
                      edges, pose.fps, pose.instance_scores, pose.user, pose.n_frames)
    return fitted, cfg


def _video_facts(pose: PoseData, video: str | None, fps: float | None) -> tuple[PoseData, tuple[int, int] | None]:
    from dataclasses import replace

    dims = None
    if video:
        from madlc.video.reader import video_info

        info = video_info(video)
        pose = replace(pose, video=str(Path(video).resolve()), fps=fps or info.fps,
                       n_frames=max(int(pose.n_frames or 0), info.nframes))
        dims = (info.height, info.width)
    elif fps:
        pose = replace(pose, fps=float(fps))
    return pose, dims


def write_pose(pose: PoseData, path: str | Path, format: str | None = None, dimensions: tuple[int, int] | None = None,
               nwb_metadata: dict[str, Any] | None = None) -> Path:
    """Write :class:`PoseData` in the format of ``path`` (or ``format``)."""
    from madlc.io.sleap_formats import detect_format, save_pose

    path = Path(path)
    fmt = detect_format(path, format)
    if fmt == "dlc":
        from madlc.io.sleap_formats import pose_to_tracks
        from madlc.io.tracks import write_tracks, write_tracks_csv

        lost = []
        if pose.edges:
            lost.append("the skeleton edges (keep them in config.yaml 'skeleton')")
        if _own_instance_scores(pose):
            lost.append("instance scores (point likelihoods are kept)")
        if pose.user is not None and pose.user.any():
            lost.append("which poses are human labels (their likelihood is 1.0)")
        if lost:
            warnings.warn(f"{path}: DeepLabCut tracks cannot hold {'; '.join(lost)}", UserWarning, stacklevel=2)
        df = pose_to_tracks(pose)
        if path.suffix.lower() == ".csv":
            write_tracks_csv(df, path)
        else:
            write_tracks(df, path)
        return path
    if fmt == "nwb":
        from madlc.io.nwb_pose import save_nwb

        if pose.user is not None and pose.user.any():
            warnings.warn(f"{path}: NWB PoseEstimation cannot mark human labels: they are written as poses "
                          "with likelihood 1.0", UserWarning, stacklevel=2)
        from madlc import __version__

        return save_nwb(pose, path, dimensions=dimensions, software_version=__version__, **(nwb_metadata or {}))
    return save_pose(pose, path, fmt)


def _own_instance_scores(pose: PoseData) -> bool:
    """Whether the instance scores say more than the mean likelihood of the visible points."""
    scores = pose.instance_scores
    if scores is None or not np.isfinite(scores).any():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        seen = np.where(np.isfinite(pose.coords[..., 0]), pose.coords[..., 2], np.nan)
        mean = np.nanmean(seen, axis=-1)
    has = np.isfinite(scores)
    return not np.allclose(scores[has], mean[has], rtol=1e-5, atol=1e-6, equal_nan=True)


def convert(input: str, output: str, video: str | None = None, config: str | None = None, format: str | None = None,
            input_format: str | None = None, fps: float | None = None, video_index: int | None = None,
            subject_id: str | None = None, species: str | None = None, session_description: str | None = None,
            session_start_time: str | None = None, experimenter: str | None = None, lab: str | None = None,
            institution: str | None = None, overwrite: bool = False) -> str:
    """Convert pose data between DeepLabCut tracks (.h5/.csv), SLEAP .slp, NWB, SLEAP analysis .h5, COCO, YOLO.

    Formats come from the extensions (``.analysis.h5`` for SLEAP's analysis file; a ``.h5``
    input is recognised by its content) or ``--format`` (output) / ``--input-format``
    (dlc, slp, nwb, analysis, coco, yolo). ``video``: the video the poses belong to (its
    path is stored, its fps and size used; needed for YOLO). ``config``: a madlc/DeepLabCut
    project whose body parts the nodes must match (skeleton and unique body parts taken
    from it). NWB metadata: ``subject_id``, ``species``, ``session_description``,
    ``session_start_time`` (ISO), ``experimenter``, ``lab``, ``institution`` (defaults:
    'subject', 'unknown', a description naming the scorer, now). ``video_index``: which
    video of a multi-video file. Refuses to overwrite ``output`` unless ``overwrite``.
    Returns the output path.
    """
    src, dst = Path(input), Path(output)
    if dst.exists() and not overwrite:
        raise file_error(dst, "already exists", "pass --overwrite to replace it, or choose another output name",
                         MadlcError)
    if src.resolve() == dst.resolve():
        raise file_error(dst, "is the input file", "choose another output name", MadlcError)
    pose = read_pose(src, input_format, video=video, fps=fps, video_index=video_index)
    if config:
        pose, _ = fit_to_config(pose, config, src)
    pose, dims = _video_facts(pose, video, fps)
    meta = dict(fps=pose.fps, subject_id=subject_id, species=species, session_description=session_description,
                session_start_time=session_start_time, experimenter=experimenter, lab=lab, institution=institution)
    write_pose(pose, dst, format, dims, meta)
    n_inst = int(pose.present().sum())
    log.info("%s -> %s: %d frames, %d individuals, %d instances", src, dst, len(pose.frames), len(pose.individuals), n_inst)
    print(f"{src} -> {dst}: {len(pose.frames)} frames, {len(pose.individuals)} individuals, "
          f"{len(pose.bodyparts)} body parts, {n_inst} poses")
    return str(dst)
