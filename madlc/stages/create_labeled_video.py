"""``create_labeled_video``: tracked points (and skeleton, trails) drawn onto a project's videos.

From a video's tracks ``.h5`` (or ``_filtered.h5``) to ``<tracks stem>_bp_p60_labeled.mp4`` (colour by
body part) or ``<tracks stem>_id_p60_labeled.mp4`` (colour by individual; ``p60`` = pcutoff 0.6), e.g.
``videoDLC_..._el_filtered_id_p60_labeled.mp4``, as DeepLabCut 3.0.2 names them. Drawing and streaming are
:mod:`madlc.viz.labeled_video`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from madlc.project.config import config_pcutoff
from madlc.project.paths import select_names
from madlc.viz.colors import named_color
from madlc.viz.labeled_video import point_colors, render_video


def labeled_video_path(tracks_file: str | Path, color_by: str = "bodypart", destfolder: str | Path | None = None,
                       multianimal: bool = True, pcutoff: float = 0.6) -> Path:
    """DeepLabCut 3.0's name: ``<tracks stem>_bp_p60_labeled.mp4`` / ``_id_p60_labeled.mp4`` (single-animal:
    ``_p60_labeled.mp4``; ``60`` = ``int(100 * pcutoff)``) in destfolder (default: beside the tracks)."""
    tracks_file = Path(tracks_file)
    tag = ("_id" if color_by == "individual" else "_bp") if multianimal else ""
    return Path(destfolder or tracks_file.parent) / f"{tracks_file.stem}{tag}_p{int(100 * pcutoff)}_labeled.mp4"


def create_labeled_video(
    config: str | Path,
    videos: list[str],
    videotype: str = "",
    shuffle: int = 1,
    trainingsetindex: int = 0,
    filtered: bool = False,
    fastmode: bool = True,
    draw_skeleton: bool = False,
    trailpoints: int = 0,
    displayedbodyparts: list[str] | str = "all",
    displayedindividuals: list[str] | str = "all",
    color_by: str = "bodypart",
    codec: str = "mp4v",
    outputframerate: float | None = None,
    destfolder: str | None = None,
    keypoints_only: bool = False,
    pcutoff: float | None = None,
    overwrite: bool = True,
    track_method: str = "",
) -> list[str]:
    """Draw the tracked body parts onto each video and save ``…_bp_p60_labeled.mp4`` / ``…_id_p60_labeled.mp4``.

    ``color_by`` is ``bodypart`` or ``individual``; ``draw_skeleton`` joins config.yaml's
    ``skeleton`` pairs; ``trailpoints`` draws the last n positions; ``pcutoff`` (default:
    config.yaml's) hides uncertain points; ``keypoints_only`` draws on black. ``fastmode`` is
    accepted for compatibility (drawing is always OpenCV). An existing video is redrawn unless
    ``overwrite=False`` (DeepLabCut keeps it), so changed plotting settings take effect. Returns
    the labeled video paths.
    """
    from madlc.errors import MadlcError
    from madlc.io.tracks_array import load_tracks
    from madlc.project.config import load_config
    from madlc.project.discovery import find_tracks_file, list_videos
    from madlc.viz.colors import config_colormap

    cfg = load_config(config)
    video_list = list_videos(videos, videotype)
    if not video_list:
        raise MadlcError(f"no videos found in {videos} (videotype={videotype!r}). "
                         "What to do: pass video files, or a folder and the right videotype.")
    cutoff = config_pcutoff(cfg, pcutoff)
    outputs = []
    for video in video_list:
        tracks_file = find_tracks_file(cfg, video, shuffle, trainingsetindex, track_method, filtered, destfolder)
        output = labeled_video_path(tracks_file, color_by, destfolder, bool(cfg.get("multianimalproject")), cutoff)
        if output.exists() and not overwrite:
            print(f"{output} exists; keeping it (overwrite=False).")
            outputs.append(str(output))
            continue
        tracks = load_tracks(tracks_file)
        inds = [tracks.ind(n) for n in select_names(displayedindividuals, tracks.individuals)]
        bpts = [tracks.bpt(b) for b in select_names(displayedbodyparts, tracks.bodyparts)]
        data = tracks.data[:, inds][:, :, bpts]
        names = [tracks.bodyparts[b] for b in bpts]
        colors = point_colors(len(inds), len(bpts), color_by, config_colormap(cfg))
        edges = []
        if draw_skeleton:
            edges = [(names.index(a), names.index(b)) for a, b in (cfg.get("skeleton") or [])
                     if a in names and b in names]
        row_of = {int(f): r for r, f in enumerate(tracks.frames)}

        def points_of(index: int, data=data, row_of=row_of) -> np.ndarray | None:
            r = row_of.get(index)
            return None if r is None else data[r]

        render_video(video, output, points_of, colors, cutoff, int(cfg.get("dotsize", 6) or 6), edges,
                     named_color(cfg.get("skeleton_color", "black")), trailpoints, codec, outputframerate,
                     keypoints_only, desc=f"labeling {Path(video).name}")
        outputs.append(str(output))
    return outputs
