"""Active learning: pick frames where tracking looks wrong, and start the next iteration.

:func:`extract_outlier_frames` scores every frame of a video's tracks (FORMATS.md §9):

- ``jump``: a point (likelihood >= ``p_bound``) moved more than ``epsilon`` pixels since the
  previous frame;
- ``uncertain``: a point has likelihood below ``p_bound``;
- ``fitting``: a point is more than ``epsilon`` pixels from a SARIMAX(ARdegree, 0, MAdegree)
  model's estimate of its trajectory;
- ``manual``: the frames given in ``frames2use``.

From the flagged frames (within config.yaml's ``start``/``stop`` fraction of the video) it
takes ``numframes2extract`` spread evenly over time, saves them as
``labeled-data/<video stem>/img<idx>.png`` and appends their predictions to
``machinelabels-iter<N>.h5`` (+ ``machinelabels.csv``) so they can be corrected, then adds
the video to ``video_sets`` if needed. :func:`merge_datasets` then raises ``iteration`` so
that the next training set includes the corrected labels.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from madlc.core.outliers import OUTLIER_ALGORITHMS, outlier_frames, spread_evenly
from madlc.errors import ConfigError
from madlc.project.config import config_pcutoff

# ---------------------------------------------------------------- picking frames


def kmeans_pick(reader: Any, candidates: Sequence[int], n: int, resize_width: int = 30,
                max_frames: int = 500, seed: int = 0) -> list[int]:
    """Up to ``n`` visually different frames among ``candidates``: k-means on small grey thumbnails.

    At most ``max_frames`` candidates (evenly spread) are decoded; from each cluster the frame
    nearest its centre is taken. ``reader`` is a :class:`madlc.video.reader.VideoReader`.
    """
    import cv2
    from sklearn.cluster import KMeans

    cands = spread_evenly(candidates, max_frames)
    if len(cands) <= n:
        return cands
    thumbs = []
    for f in cands:
        grey = cv2.cvtColor(reader.read(int(f)), cv2.COLOR_RGB2GRAY)
        height = max(1, round(grey.shape[0] * resize_width / grey.shape[1]))
        thumbs.append(cv2.resize(grey, (resize_width, height), interpolation=cv2.INTER_AREA).ravel() / 255.0)
    x = np.stack(thumbs)
    km = KMeans(n_clusters=n, n_init=3, random_state=seed).fit(x)
    picks = []
    for k in range(n):
        members = np.flatnonzero(km.labels_ == k)
        if members.size:
            d = np.linalg.norm(x[members] - km.cluster_centers_[k], axis=1)
            picks.append(cands[int(members[np.argmin(d)])])
    return sorted(picks)


# ---------------------------------------------------------------- API

def within_start_stop(cfg: dict[str, Any], frames: Sequence[int], nframes: int) -> list[int]:
    """The ``frames`` inside config.yaml's ``start``/``stop`` fraction of the video."""
    lo, hi = float(cfg.get("start", 0) or 0) * nframes, float(cfg.get("stop", 1) or 1) * nframes
    return [int(f) for f in frames if lo <= f < hi]


def pick_frames(reader: Any, candidates: Sequence[int], n: int, algorithm: str = "kmeans") -> list[int]:
    """Up to ``n`` of ``candidates``: ``kmeans`` (visually different) or ``uniform`` (spread over time)."""
    if algorithm == "kmeans":
        return kmeans_pick(reader, candidates, n)
    if algorithm == "uniform":
        return spread_evenly(candidates, n)
    raise ConfigError(f"extraction algorithm {algorithm!r}. What to do: use 'kmeans' or 'uniform'.")


def add_frames_for_labeling(cfg: dict[str, Any], config_path: Path, video: Path, reader: Any, picked: Sequence[int],
                            nframes: int, machine_labels: Any = None, labeled_drawing: Any = None) -> list[str]:
    """Save ``picked`` frames of ``video`` as ``labeled-data/<stem>/img<idx>.png`` for labeling.

    Images that exist already are never replaced (they may be labeled). ``machine_labels``: a
    tracks-layout DataFrame indexed by frame number (the picked frames), appended to
    ``machinelabels-iter<N>.h5`` (rows already there are kept). ``labeled_drawing``: optional
    ``(tracks, pcutoff)`` to also save each frame with its predictions drawn. The video is added
    to config.yaml's ``video_sets`` if needed. Returns the images written.
    """
    import pandas as pd
    from PIL import Image

    from madlc.io.atomic import atomic_path
    from madlc.io.labels import read_machinelabels, write_machinelabels
    from madlc.project import paths

    folder = Path(cfg["project_path"]) / "labeled-data" / video.stem
    folder.mkdir(parents=True, exist_ok=True)
    written, names = [], []
    for f in picked:
        name = paths.image_name(int(f), nframes)
        names.append(name)
        target = folder / name
        if target.exists():  # never replace an image that may already be labeled
            continue
        frame = reader.read(int(f))
        with atomic_path(target) as tmp:  # an interrupted run leaves no half image to be "kept" later
            Image.fromarray(frame).save(tmp)
        written.append(str(target))
        if labeled_drawing is not None:
            from madlc.viz.labeled_video import draw_points, point_colors

            tracks, pcutoff = labeled_drawing
            if int(f) in set(tracks.frames.tolist()):
                pts = tracks.data[tracks.row(int(f))]
                colors = point_colors(pts.shape[0], pts.shape[1], "bodypart")
                with atomic_path(folder / name.replace(".png", "labeled.png")) as tmp:
                    Image.fromarray(draw_points(frame.copy(), pts, colors, pcutoff)).save(tmp)
    if machine_labels is not None and len(names):
        df = machine_labels.copy()
        df.index = pd.MultiIndex.from_tuples([("labeled-data", video.stem, n) for n in names])
        ml_path = folder / f"machinelabels-iter{cfg.get('iteration', 0)}.h5"
        if ml_path.exists():
            old = read_machinelabels(ml_path)
            df = pd.concat([old, df])
            df = df[~df.index.duplicated(keep="first")]
        write_machinelabels(df, ml_path)
    _register_video(config_path, video)
    return written


def _register_video(config_path: Path, video: Path) -> None:
    """Add ``video`` to config.yaml's ``video_sets`` unless a video with that stem is there."""
    from madlc.io.config import read_config, write_config
    from madlc.video.reader import video_info

    cfg = read_config(config_path)
    video_sets = cfg.get("video_sets") or {}
    if any(Path(str(k).replace("\\", "/")).stem == video.stem for k in video_sets):
        return
    video_sets[str(video.absolute())] = {"crop": video_info(video).crop_string}
    cfg["video_sets"] = video_sets
    write_config(cfg, config_path)


def extract_outlier_frames(
    config: str | Path,
    videos: list[str],
    videotype: str = "",
    shuffle: int = 1,
    trainingsetindex: int = 0,
    outlieralgorithm: str = "jump",
    comparisonbodyparts: list[str] | str = "all",
    epsilon: float = 20,
    p_bound: float = 0.01,
    ARdegree: int = 3,
    MAdegree: int = 1,
    alpha: float = 0.01,
    numframes2extract: int | None = None,
    extractionalgorithm: str = "kmeans",
    frames2use: list[int] | None = None,
    destfolder: str | None = None,
    savelabeled: bool = False,
    track_method: str = "",
    automatic: bool = True,
) -> list[str]:
    """Find frames where tracking looks wrong and add them to labeled-data for correction.

    ``outlieralgorithm``: ``jump`` (a point moved more than ``epsilon`` px in one frame),
    ``uncertain`` (likelihood below ``p_bound``), ``fitting`` (more than ``epsilon`` px from a
    SARIMAX fit) or ``manual`` (the frames in ``frames2use``). Up to ``numframes2extract``
    frames (default config.yaml's ``numframes2pick``) are chosen among the flagged ones --
    ``extractionalgorithm`` ``kmeans`` (visually different frames) or ``uniform`` (spread over
    time) -- and saved as ``img<idx>.png`` with their predictions in ``machinelabels-iter<N>.h5``.
    ``automatic`` is accepted for DeepLabCut compatibility (madlc never asks). Returns the image
    paths written.
    """
    import pandas as pd

    from madlc.io.tracks_array import load_tracks, tracks_to_dataframe
    from madlc.project.config import load_config
    from madlc.project.discovery import find_tracks_file, list_videos
    from madlc.video.reader import VideoReader

    cfg = load_config(config)
    config_path = Path(config) if not isinstance(config, dict) else Path(cfg["project_path"]) / "config.yaml"
    if config_path.is_dir():
        config_path = config_path / "config.yaml"
    if outlieralgorithm not in OUTLIER_ALGORITHMS:
        raise ConfigError(f"outlieralgorithm={outlieralgorithm!r}. What to do: use one of {', '.join(OUTLIER_ALGORITHMS)}.")
    if outlieralgorithm == "manual" and not frames2use:
        raise ConfigError("outlieralgorithm='manual' needs the frames to extract. What to do: pass frames2use=[12, 345, ...].")
    n_pick = int(numframes2extract if numframes2extract is not None else cfg.get("numframes2pick", 20) or 20)
    written: list[str] = []
    for video in list_videos(videos, videotype):
        video = Path(video)
        tracks = load_tracks(find_tracks_file(cfg, video, shuffle, trainingsetindex, track_method, False, destfolder))
        bpts = [b for b in tracks.bodyparts if comparisonbodyparts in ("all", ["all"]) or b in list(comparisonbodyparts)]
        data = tracks.data[:, :, [tracks.bpt(b) for b in bpts]]
        with VideoReader(video) as reader:
            nframes = reader.info.nframes or int(tracks.frames.max()) + 1
            if outlieralgorithm == "manual":
                flagged = [int(f) for f in frames2use or [] if 0 <= int(f) < nframes]
            else:
                rows = outlier_frames(data, outlieralgorithm, epsilon, p_bound, ARdegree, MAdegree, alpha)
                flagged = tracks.frames[rows].tolist()
            flagged = within_start_stop(cfg, flagged, nframes)
            if outlieralgorithm == "manual":
                picked = sorted(set(flagged))
            else:
                picked = pick_frames(reader, flagged, n_pick, extractionalgorithm)
            print(f"{video.name}: {len(flagged)} frames flagged by '{outlieralgorithm}', extracting {len(picked)}.")
            if not picked:
                continue
            labels = tracks_to_dataframe(tracks).reindex(pd.Index(picked, dtype="int64"))
            labeled_drawing = None
            if savelabeled:
                labeled_drawing = (tracks, config_pcutoff(cfg))
            written += add_frames_for_labeling(cfg, config_path, video, reader, picked, nframes, labels,
                                               labeled_drawing)
    return written


