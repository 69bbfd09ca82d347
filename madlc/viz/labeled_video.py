"""Labeled videos: tracked points (and skeleton, trails) drawn onto the video, frame by frame.

- :func:`create_labeled_video`: from a video's tracks ``.h5`` (or ``_filtered.h5``) to
  ``<tracks stem>_bp_p60_labeled.mp4`` (colour by body part) or ``<tracks stem>_id_p60_labeled.mp4``
  (colour by individual; ``p60`` = pcutoff 0.6), e.g. ``videoDLC_..._el_filtered_id_p60_labeled.mp4``, as
  DeepLabCut 3.0.2 names them.
- :func:`create_video_from_pickled_tracks`: from a tracklet pickle, one colour per tracklet,
  to ``<video stem>DLClabeled.mp4`` -- a check of tracking before stitching.

Frames are streamed (decode, draw, encode; memory does not grow with video length); the
output has the input's frame count and, unless ``outputframerate`` is given, its fps.
Points with likelihood below ``pcutoff`` are not drawn (filled gaps have likelihood 0.01:
set pcutoff to 0 to see them). Drawing uses OpenCV (antialiased circles and lines).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from madlc.viz.colors import colormap_colors, named_color


def draw_points(
    frame: np.ndarray,
    points: np.ndarray,
    colors: np.ndarray,
    pcutoff: float = 0.6,
    dotsize: int = 6,
    edges: Sequence[tuple[int, int]] = (),
    edge_color: tuple[int, int, int] | None = None,
    trails: np.ndarray | None = None,
) -> np.ndarray:
    """Draw poses onto an RGB frame (in place) and return it.

    ``points (n_individuals, n_bodyparts, 3)`` x, y, likelihood; ``colors (n_individuals,
    n_bodyparts, 3)`` RGB 0..255; ``edges``: body-part index pairs joined within an individual
    (in ``edge_color``, else the first part's colour); ``trails (n_past, n_individuals,
    n_bodyparts, 3)``: earlier points, drawn as small dots.
    """
    import cv2

    if not frame.flags["C_CONTIGUOUS"] or not frame.flags["WRITEABLE"]:
        raise ValueError("draw_points needs a writeable, C-contiguous frame")
    radius = max(1, int(round(dotsize)))
    small = max(1, radius // 3)
    palette = [[tuple(int(v) for v in c) for c in row] for row in np.asarray(colors)]  # OpenCV draws RGB as given

    def shown(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(p[..., 0]) & np.isfinite(p[..., 1]) & (p[..., 2] >= pcutoff)
        xy = np.zeros(p.shape[:-1] + (2,), dtype=np.int64)
        xy[ok] = np.round(p[..., :2][ok]).astype(np.int64)
        return ok, xy

    if trails is not None:
        for past in trails:
            ok, xy = shown(past)
            for i, b in zip(*np.nonzero(ok)):
                cv2.circle(frame, (int(xy[i, b, 0]), int(xy[i, b, 1])), small, palette[i][b], -1, cv2.LINE_AA)
    ok, xy = shown(points)
    for i in range(points.shape[0]):
        for b1, b2 in edges:
            if ok[i, b1] and ok[i, b2]:
                color = tuple(int(v) for v in edge_color) if edge_color is not None else palette[i][b1]
                cv2.line(frame, (int(xy[i, b1, 0]), int(xy[i, b1, 1])), (int(xy[i, b2, 0]), int(xy[i, b2, 1])),
                         color, small, cv2.LINE_AA)
    for i, b in zip(*np.nonzero(ok)):
        cv2.circle(frame, (int(xy[i, b, 0]), int(xy[i, b, 1])), radius, palette[i][b], -1, cv2.LINE_AA)
    return frame


def point_colors(n_individuals: int, n_bodyparts: int, color_by: str = "bodypart",
                 colormap: str = "rainbow") -> np.ndarray:
    """``(n_individuals, n_bodyparts, 3)`` RGB colours: one per body part, or one per individual."""
    if color_by not in ("bodypart", "individual"):
        from madlc.errors import ConfigError

        raise ConfigError(f"color_by={color_by!r}. What to do: use 'bodypart' or 'individual'.")
    out = np.zeros((n_individuals, n_bodyparts, 3), dtype=int)
    if color_by == "bodypart":
        out[:] = np.array(colormap_colors(n_bodyparts, colormap)).reshape(1, n_bodyparts, 3) if n_bodyparts else 0
    else:
        out[:] = np.array(colormap_colors(n_individuals, colormap)).reshape(n_individuals, 1, 3) if n_individuals else 0
    return out


def render_video(
    video: str | Path,
    output: str | Path,
    points_of: Any,
    colors: np.ndarray,
    pcutoff: float,
    dotsize: int = 6,
    edges: Sequence[tuple[int, int]] = (),
    edge_color: tuple[int, int, int] | None = None,
    trailpoints: int = 0,
    codec: str = "mp4v",
    outputframerate: float | None = None,
    keypoints_only: bool = False,
    desc: str = "labeled video",
) -> Path:
    """Stream ``video`` to ``output``, drawing ``points_of(frame_index)`` on each frame.

    ``points_of`` returns ``(n_ind, n_bpt, 3)`` points (drawn in ``colors``), a tuple
    ``(points, colors)`` for per-frame colours, or None for a frame without points.
    """
    from collections import deque

    from tqdm import tqdm

    from madlc.video.reader import VideoReader
    from madlc.video.writer import VideoWriter

    history: deque = deque(maxlen=max(0, int(trailpoints)))
    with VideoReader(video) as reader:
        info = reader.info
        fps = float(outputframerate) if outputframerate else info.fps
        with VideoWriter(output, fps=fps, size=(info.width, info.height), codec=codec) as writer:
            for index, frame in tqdm(reader.frames(0), total=info.nframes or None, desc=desc, unit="frame"):
                if keypoints_only:
                    frame = np.zeros_like(frame)
                got = points_of(index)
                pts, cols = got if isinstance(got, tuple) else (got, colors)
                trails = np.stack(list(history)) if history and pts is not None else None
                if pts is not None:
                    draw_points(frame, pts, cols, pcutoff, dotsize, edges, edge_color, trails)
                    if history.maxlen:
                        history.append(pts)
                writer.write(frame)
    return Path(output)


def _selection(requested: Any, available: Sequence[str]) -> list[str]:
    if requested is None or requested == "all" or list(requested) == ["all"]:
        return list(available)
    names = [requested] if isinstance(requested, str) else list(requested)
    return [n for n in names if n in available]


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
    from madlc.postprocess.discovery import find_tracks_file, list_videos
    from madlc.postprocess.tracks import load_tracks
    from madlc.project.config import load_config
    from madlc.viz.colors import config_colormap

    cfg = load_config(config)
    video_list = list_videos(videos, videotype)
    if not video_list:
        raise MadlcError(f"no videos found in {videos} (videotype={videotype!r}). "
                         "What to do: pass video files, or a folder and the right videotype.")
    cutoff = float(cfg.get("pcutoff", 0.6) if pcutoff is None else pcutoff)
    outputs = []
    for video in video_list:
        tracks_file = find_tracks_file(cfg, video, shuffle, trainingsetindex, track_method, filtered, destfolder)
        output = labeled_video_path(tracks_file, color_by, destfolder, bool(cfg.get("multianimalproject")), cutoff)
        if output.exists() and not overwrite:
            print(f"{output} exists; keeping it (overwrite=False).")
            outputs.append(str(output))
            continue
        tracks = load_tracks(tracks_file)
        inds = [tracks.ind(n) for n in _selection(displayedindividuals, tracks.individuals)]
        bpts = [tracks.bpt(b) for b in _selection(displayedbodyparts, tracks.bodyparts)]
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
    from madlc.postprocess.tracks import read_tracklets_dict

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
