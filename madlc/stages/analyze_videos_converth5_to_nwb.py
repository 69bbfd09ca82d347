"""``analyze_videos_converth5_to_nwb``: DeepLabCut's name and arguments, NWB beside every result .h5.

For each video of ``video_folder`` (or each video of the list, with ``listofvideos``), every
``<video stem>DLC….h5`` tracks/analysis file in the videos' folder is written as
``<same name>.nwb`` (ndx-pose; :mod:`madlc.io.nwb_pose`) with the project's metadata.
"""
from __future__ import annotations

import logging
from pathlib import Path

from madlc.errors import MadlcError, file_error

log = logging.getLogger(__name__)


def _h5_files(video_folder: str | list[str], videotype: str, listofvideos: bool) -> list[tuple[Path, Path]]:
    """(video, h5 file) pairs DeepLabCut would convert: name = video stem + a DLC/DeepCut scorer + ...h5."""
    from madlc.project.discovery import list_videos

    if listofvideos:
        videos = [Path(v) for v in ([video_folder] if isinstance(video_folder, str) else video_folder)]
    else:
        folder = Path(video_folder[0] if isinstance(video_folder, (list, tuple)) else video_folder)
        if not folder.is_dir():
            raise file_error(folder, "is not a folder", "pass the folder that holds the videos and their .h5 results "
                             "(or a list of videos with --listofvideos)", MadlcError)
        videos = list_videos(folder, videotype.lstrip("."))
    pairs = []
    for video in videos:
        if "_labeled" in video.stem:
            continue
        for h5 in sorted(video.parent.glob(f"{video.stem}*.h5")):
            rest = h5.name[len(video.stem):]
            if (rest.startswith("DLC") or rest.startswith("DeepCut")) and not h5.name.endswith(".analysis.h5") \
                    and "skeleton" not in rest:
                pairs.append((video, h5))
    return pairs


def analyze_videos_converth5_to_nwb(config: str, video_folder: str, videotype: str = ".mp4",
                                    listofvideos: bool = False, subject_id: str | None = None,
                                    species: str | None = None, session_description: str | None = None,
                                    session_start_time: str | None = None, overwrite: bool = False) -> list[str]:
    """Write every DeepLabCut result .h5 of the videos in ``video_folder`` as NWB (ndx-pose) beside it.

    ``listofvideos``: ``video_folder`` is a list of videos (their folders are searched).
    NWB metadata: experimenter = config.yaml's scorer, session description from the project's
    Task (or ``session_description``), ``subject_id``/``species``/``session_start_time`` when given.
    Existing .nwb files are kept unless ``overwrite``. Returns the NWB files written.
    """
    from madlc.io.tracks import read_tracks
    from madlc.project.config import load_config
    from madlc.stages.convert import _video_facts, write_pose
    from madlc.io.sleap_formats import pose_from_tracks

    cfg = load_config(config)
    edges = [tuple(map(str, e)) for e in cfg.get("skeleton") or []]
    written = []
    for video, h5 in _h5_files(video_folder, videotype, listofvideos):
        out = h5.with_suffix(".nwb")
        if out.exists() and not overwrite:
            log.info("%s exists; pass overwrite=True to redo it", out)
            continue
        try:
            df = read_tracks(h5)
        except MadlcError as err:
            log.info("skipping %s: %s", h5, err)
            continue
        pose = pose_from_tracks(df, video=str(video.resolve()), edges=edges)
        pose, dims = _video_facts(pose, str(video) if video.exists() else None, None)
        meta = dict(fps=pose.fps, subject_id=subject_id, species=species, session_start_time=session_start_time,
                    session_description=session_description or f"{cfg['Task']}: poses of {video.name} ({pose.scorer})",
                    experimenter=str(cfg.get("scorer") or "") or None)
        write_pose(pose, out, "nwb", dims, meta)
        print(f"Converted {h5.name} -> {out}")
        written.append(str(out))
    if not written:
        log.warning("no DeepLabCut .h5 results to convert for %s", video_folder)
    return written
