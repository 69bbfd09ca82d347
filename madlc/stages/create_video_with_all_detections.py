"""Every raw detection drawn onto the video (``…_full.mp4``): the user's check before tracking.

:func:`create_video_with_all_detections` is DeepLabCut's function of that name. It streams the
video and the detections of its ``_full.pickle`` (written by analyze_videos) and draws each
detection scoring at least ``pcutoff`` as a dot coloured by body part (the config.yaml
colormap), so that missed, doubled or misplaced body parts show before assembly and
tracking. Frames are streamed; the output keeps the input's frame count and fps.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from madlc.project.config import config_pcutoff


def detections_as_points(frame: dict[str, Any] | None, parts: Sequence[int]) -> np.ndarray | None:
    """One frame's detections as drawable points ``(n_rows, len(parts), 3)`` (x, y, score; NaN padding).

    Row ``r`` holds the ``r``-th detection of each body part in ``parts`` (indices into the
    frame's per-part lists); None when the frame has no detection.
    """
    if not frame:
        return None
    coords = frame.get("coordinates")
    coords = coords[0] if isinstance(coords, tuple) else coords
    conf = frame.get("confidence") or []
    counts = [len(conf[p]) if p < len(conf) else 0 for p in parts]
    if not any(counts):
        return None
    out = np.full((max(counts), len(parts), 3), np.nan)
    for col, p in enumerate(parts):
        if not counts[col]:
            continue
        out[: counts[col], col, :2] = np.asarray(coords[p], dtype=float).reshape(-1, 2)
        out[: counts[col], col, 2] = np.asarray(conf[p], dtype=float).reshape(-1)
    return out


def full_video_path(full_pickle: str | Path, destfolder: str | Path | None = None) -> Path:
    """``<video><scorer>_full.mp4`` beside the ``_full.pickle`` (or in ``destfolder``)."""
    full_pickle = Path(full_pickle)
    return Path(destfolder or full_pickle.parent) / full_pickle.name.replace("_full.pickle", "_full.mp4")


def create_video_with_all_detections(
    config: str | Path,
    videos: list[str],
    videotype: str = "",
    shuffle: int = 1,
    trainingsetindex: int = 0,
    displayedbodyparts: list[str] | str = "all",
    destfolder: str | None = None,
    pcutoff: float | None = None,
    dotsize: int | None = None,
    codec: str = "mp4v",
    overwrite: bool = True,
    overrides: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
) -> list[str]:
    """Draw every detection of each analyzed video onto it and save ``<video><scorer>_full.mp4``.

    Reads the video's ``_full.pickle`` (in ``destfolder`` or beside the video); draws the
    detections of ``displayedbodyparts`` scoring at least ``pcutoff`` (default: the
    ``review.detections_video`` settings, else config.yaml's pcutoff), one colour per body
    part. An existing video is redrawn unless ``overwrite=False``. Returns the video paths.
    """
    from madlc.errors import MadlcError
    from madlc.io import read_full_pickle
    from madlc.io.full_pickle import get_frame
    from madlc.project.config import load_config
    from madlc.project.discovery import list_videos, require_analysis_file
    from madlc.stages._settings import review_settings
    from madlc.viz.colors import config_colormap
    from madlc.viz.labeled_video import point_colors, render_video

    cfg = load_config(config)
    settings = review_settings(Path(cfg["project_path"]) / "config.yaml", "detections_video", overrides, settings)
    video_list = list_videos(videos, videotype)
    if not video_list:
        raise MadlcError(f"no videos found in {videos} (videotype={videotype!r}). "
                         "What to do: pass video files, or a folder and the right videotype.")
    if pcutoff is None:
        pcutoff = settings.get("pcutoff")
    cutoff = config_pcutoff(cfg, pcutoff)
    size = dotsize if dotsize is not None else settings.get("dotsize")
    size = int(size if size is not None else (cfg.get("dotsize", 6) or 6))
    outputs = []
    for video in video_list:
        video = Path(video)
        source = require_analysis_file(cfg, video, shuffle, trainingsetindex, "_full.pickle", destfolder)
        output = full_video_path(source, destfolder)
        if output.exists() and not overwrite:
            print(f"{output} exists; keeping it (overwrite=False).")
            outputs.append(str(output))
            continue
        full = read_full_pickle(source)
        names = list((full.get("metadata") or {}).get("all_joints_names") or [])
        if displayedbodyparts in ("all", ["all"], None):
            parts = list(range(len(names)))
        else:
            wanted = [displayedbodyparts] if isinstance(displayedbodyparts, str) else list(displayedbodyparts)
            unknown = [b for b in wanted if b not in names]
            if unknown:
                raise MadlcError(f"{source}: body parts {unknown} are not among its detections {names}. "
                                 "What to do: pass displayedbodyparts from that list, or 'all'.")
            parts = [names.index(b) for b in wanted]
        colors = point_colors(1, len(parts), "bodypart", config_colormap(cfg))[0]

        def points_of(index: int, full=full, parts=parts, colors=colors):
            pts = detections_as_points(get_frame(full, index), parts)
            return None if pts is None else (pts, np.broadcast_to(colors, pts.shape[:2] + (3,)))

        render_video(video, output, points_of, colors[None], cutoff, size, codec=codec,
                     desc=f"detections of {video.name}")
        outputs.append(str(output))
    return outputs
