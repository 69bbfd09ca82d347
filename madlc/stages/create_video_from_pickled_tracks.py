"""``create_video_from_pickled_tracks``: a tracklet pickle drawn onto its video, one colour per tracklet.

Writes ``<video stem>DLClabeled.mp4``: a check of tracking before stitching.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from madlc.viz.colors import colormap_colors
from madlc.viz.labeled_video import render_video


def create_video_from_pickled_tracks(
    video: str | Path,
    pickle_file: str | Path,
    destfolder: str = "",
    output_name: str = "",
    pcutoff: float = 0.6,
) -> str:
    """Draw the tracklets of a tracklet pickle onto the video, one colour per tracklet.

    Writes ``<video stem>DLClabeled.mp4`` (or ``output_name``) in ``destfolder`` (default: the
    video's folder). Returns the output path.
    """
    from madlc.io.tracks_array import read_tracklets_dict

    video = Path(video)
    tracklets = read_tracklets_dict(pickle_file)
    ids = sorted(k for k in tracklets if isinstance(k, (int, np.integer)))
    n_multi = max((len(arr) for k in ids for arr in tracklets[k].values()), default=0)
    by_frame: dict[int, list[tuple[int, np.ndarray]]] = {}
    for slot, k in enumerate(ids):
        for f, arr in tracklets[k].items():
            by_frame.setdefault(int(f), []).append((slot, np.asarray(arr, dtype=float)[:, :3]))
    # spread consecutive tracklet ids over the colormap so that neighbours differ
    palette = colormap_colors(max(len(ids), 1), "rainbow")
    order = np.argsort((np.arange(len(ids)) * 0.618034) % 1.0) if ids else np.array([], dtype=int)
    slot_color = {int(s): palette[int(np.flatnonzero(order == s)[0])] for s in range(len(ids))}
    colors = np.zeros((max(len(ids), 1), max(n_multi, 1), 3), dtype=int)
    for s, c in slot_color.items():
        colors[s] = c

    def points_of(index: int) -> tuple[np.ndarray, np.ndarray] | None:
        present = by_frame.get(index)
        if not present:
            return None
        pts = np.full((len(present), max(n_multi, 1), 3), np.nan)
        for row, (_, arr) in enumerate(present):
            pts[row, : len(arr)] = arr
        return pts, colors[[slot for slot, _ in present]]

    name = output_name or f"{video.stem}DLClabeled.mp4"
    if not Path(name).suffix:
        name += ".mp4"
    output = Path(destfolder or video.parent) / name
    render_video(video, output, points_of, colors, float(pcutoff), desc=f"tracklets of {video.name}")
    return str(output)
