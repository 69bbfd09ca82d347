"""Labeled videos: points (and skeleton, trails) drawn onto a video, frame by frame.

:func:`render_video` streams a video (decode, draw, encode; memory does not grow with video
length) through :func:`draw_points`; the output has the input's frame count and, unless
``outputframerate`` is given, its fps. Points with likelihood below ``pcutoff`` are not drawn
(filled gaps have likelihood 0.01: set pcutoff to 0 to see them). Drawing uses OpenCV
(antialiased circles and lines). The stages that use it: ``create_labeled_video``,
``create_video_from_pickled_tracks``, ``create_video_with_all_detections``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from madlc.viz.colors import colormap_colors


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


