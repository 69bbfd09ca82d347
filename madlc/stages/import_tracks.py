"""``madlc import-tracks FILE VIDEO``: another tool's tracked poses as a madlc tracklet pickle.

Each track of a SLEAP ``.slp`` (or NWB, SLEAP analysis ``.h5``, DeepLabCut tracks file) becomes
one tracklet (``{frame: (n_bodyparts, 4) x, y, likelihood, identity=-1}``); an untracked
instance becomes a one-frame tracklet. The pickle has DeepLabCut's tracklet layout, so
``madlc stitch`` (then filters, plots, labeled videos, ``evaluate-tracking``) work on it,
e.g. ``madlc stitch centered_pairSLEAP_el.pickle --n-tracks 2``.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from madlc.errors import MadlcError, file_error
from madlc.io.labels import UNIQUE_INDIVIDUAL

log = logging.getLogger(__name__)


def pose_to_tracklets(pose) -> dict[Any, Any]:
    """:class:`~madlc.io.sleap_formats.PoseData` -> tracklets dict (madlc.io.tracklets contract)."""
    from madlc.io.tracklets import tracklet_header

    multi = pose.multi_bodyparts
    multi_idx = [pose.bodyparts.index(b) for b in multi]
    present = pose.present()
    out: dict[Any, Any] = {"header": tracklet_header(pose.scorer, multi + list(pose.unique_bodyparts))}
    next_id = 0
    for k, name in enumerate(pose.individuals):
        if name == UNIQUE_INDIVIDUAL:
            continue
        rows = np.flatnonzero(present[:, k])
        if not len(rows):
            continue

        def entry(r: int) -> np.ndarray:
            arr = np.full((len(multi_idx), 4), np.nan)
            arr[:, :3] = pose.coords[r, k, multi_idx]
            arr[:, 3] = -1.0
            return arr

        if name.startswith("untracked"):  # slots, not identities: one tracklet per instance
            for r in rows:
                out[next_id] = {int(pose.frames[r]): entry(r)}
                next_id += 1
        else:
            out[next_id] = {int(pose.frames[r]): entry(r) for r in rows}
            next_id += 1
    if pose.unique_bodyparts and UNIQUE_INDIVIDUAL in pose.individuals:
        k = pose.individuals.index(UNIQUE_INDIVIDUAL)
        u_idx = [pose.bodyparts.index(b) for b in pose.unique_bodyparts]
        out["single"] = {int(pose.frames[r]): pose.coords[r, k, u_idx].copy() for r in np.flatnonzero(present[:, k])}
    return out


def import_tracks(file: str, video: str, output: str | None = None, format: str | None = None,
                  scorer: str | None = None, video_index: int | None = None, overwrite: bool = False) -> str:
    """Turn another tool's tracked poses (SLEAP .slp, NWB, SLEAP analysis .h5) into a tracklet pickle.

    One tracklet per track (an untracked instance is a one-frame tracklet); likelihoods are the
    point scores. ``video``: the video the poses belong to (names the output, gives the frame count;
    the file's own video reference is often stale). ``output`` defaults to ``<video folder>/<video stem><scorer>_el.pickle``
    (``scorer`` default: the file's, e.g. ``SLEAP``). Stitch it with ``madlc stitch OUTPUT --n-tracks N``.
    Returns the pickle's path.
    """
    from dataclasses import replace

    from madlc.io.tracklets import write_tracklets
    from madlc.stages.convert import read_pose

    src = Path(file)
    pose = read_pose(src, format, video=video, video_index=video_index)
    if scorer:
        pose = replace(pose, scorer=str(scorer))
    video_path = Path(video) if video else Path(str(pose.video or src.with_suffix(".mp4").name))
    if output:
        out = Path(output)
    else:
        folder = video_path.parent if video and video_path.parent.exists() else src.parent
        out = folder / f"{video_path.stem}{pose.scorer}_el.pickle"
    if out.exists() and not overwrite:
        raise file_error(out, "already exists", "pass --overwrite to replace it, or --output another name", MadlcError)
    tracklets = pose_to_tracklets(pose)
    n_frames = pose.n_frames
    if video:
        from madlc.video.reader import video_info

        n_frames = max(int(n_frames or 0), video_info(video).nframes)
    n_frames = max(int(n_frames or 0), int(pose.frames.max()) + 1 if len(pose.frames) else 1)
    write_tracklets(tracklets, out, n_frames)
    n = sum(1 for k in tracklets if k not in ("header", "single"))
    print(f"{src}: {n} tracklets, {len(pose.frames)} frames -> {out}")
    log.info("%s: %d tracklets -> %s", src, n, out)
    return str(out)
