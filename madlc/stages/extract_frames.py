"""Selecting frames to label: ``extract_frames`` (uniform or k-means), writing labeled-data/<video>/img<idx>.png.

- ``uniform``: one random frame in each of ``numframes2pick`` equal slices of the
  ``[start, stop]`` part of the video (random, yet spread over time).
- ``kmeans``: frames of ``[start, stop]`` (every ``cluster_step``-th) are shrunk to
  ``cluster_resizewidth`` pixels wide (grey unless ``cluster_color``), clustered into
  ``numframes2pick`` groups with MiniBatchKMeans, and one random frame is taken from each group,
  so the picked frames look different. The video is streamed: only the thumbnails are kept
  (a few hundred bytes per frame; ``cluster_step`` grows automatically past 20,000 samples).

Frames are read frame-accurately (:class:`madlc.video.reader.VideoReader`) and written as
``img<idx>.png`` with ``idx`` zero-padded to ``ceil(log10(nframes))`` digits (FORMATS.md §1.2).
Existing images are never overwritten (they may already be labeled). With ``crop=True`` the
``video_sets`` crop box ``x1, x2, y1, y2`` of each video is applied.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable

import numpy as np

from madlc.errors import ConfigError, MadlcError, VideoError

MAX_KMEANS_SAMPLES = 20000
#: the web GUI's frame-extraction page, opened by ``mode="manual"`` (imported then: stages do not import the GUI)
MANUAL_GUI = "madlc.webapp.server:extract_frames_manual"


def frame_range(nframes: int, start: float, stop: float) -> tuple[int, int]:
    """``[first, last)`` frame indices of the ``start..stop`` fractions of a video (at least one frame)."""
    first = int(math.floor(float(start) * nframes))
    last = int(math.ceil(float(stop) * nframes))
    first = min(max(first, 0), max(nframes - 1, 0))
    last = min(max(last, first + 1), nframes)
    return first, last


def pick_uniform(first: int, last: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct sorted frame indices in ``[first, last)``: one random frame per equal slice."""
    total = last - first
    if n >= total:
        return np.arange(first, last)
    edges = np.linspace(first, last, n + 1)
    lo = np.ceil(edges[:-1]).astype(int)
    hi = np.maximum(np.ceil(edges[1:]).astype(int), lo + 1)
    return np.sort(np.unique(np.minimum(rng.integers(lo, hi), last - 1)))


def pick_kmeans(features: np.ndarray, indices: np.ndarray, n: int, rng: np.random.Generator,
                batch_size: int = 256) -> np.ndarray:
    """One random frame per k-means cluster of ``features`` ``(n_samples, d)``; returns sorted frame indices.

    ``indices`` ``(n_samples,)``: the frame index of each feature row.
    """
    from sklearn.cluster import MiniBatchKMeans

    if n >= len(indices):
        return np.sort(np.asarray(indices))
    data = features.astype(np.float32)
    data -= data.mean(axis=0)
    model = MiniBatchKMeans(n_clusters=n, tol=1e-3, batch_size=max(batch_size, n), max_iter=50,
                            n_init=3, random_state=int(rng.integers(2**31 - 1)))
    labels = model.fit_predict(data)
    picks = []
    for cluster in range(n):
        members = np.flatnonzero(labels == cluster)
        if len(members):
            picks.append(int(indices[rng.choice(members)]))
    picks = sorted(set(picks))
    if len(picks) < n:  # empty clusters: top up with spread-out frames not yet picked
        rest = np.setdiff1d(indices, picks)
        extra = rest[np.linspace(0, len(rest) - 1, min(n - len(picks), len(rest))).astype(int)] if len(rest) else []
        picks = sorted(set(picks) | {int(i) for i in extra})
    return np.asarray(picks, dtype=int)


def thumbnails(reader, first: int, last: int, step: int, width: int = 30, color: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
    """Stream ``reader`` over ``range(first, last, step)``: ``(indices (n,), uint8 thumbnails (n, d))``."""
    import cv2

    info = reader.info
    height = max(1, int(round(info.height * width / max(info.width, 1))))
    rows, idx = [], []
    for i, frame in reader.frames(first, last, step):
        small = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
        if not color:
            small = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        rows.append(small.reshape(-1))
        idx.append(i)
    if not rows:
        raise VideoError(f"{info.path}: no frame between {first} and {last} could be decoded. "
                         "What to do: check the video plays, or re-encode it.")
    return np.asarray(idx), np.stack(rows)


def parse_crop(crop: str | list | tuple, video: str | Path, width: int, height: int) -> tuple[int, int, int, int]:
    """``"x1, x2, y1, y2"`` (video_sets crop) -> ints, checked against the frame size."""
    try:
        values = [int(round(float(v))) for v in (crop.split(",") if isinstance(crop, str) else crop)]
        x1, x2, y1, y2 = values
    except (ValueError, TypeError):
        raise ConfigError(f"config.yaml video_sets: crop {crop!r} of {video} is not 'x1, x2, y1, y2'. "
                          f"What to do: write e.g. crop: 0, {width}, 0, {height}.") from None
    if not (0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height):
        raise ConfigError(f"config.yaml video_sets: crop {crop!r} of {video} is outside the {width}x{height} frame "
                          f"or empty. What to do: use 0 <= x1 < x2 <= {width} and 0 <= y1 < y2 <= {height}.")
    return x1, x2, y1, y2


def _select_videos(cfg: dict, videos: Iterable[str] | None) -> list[tuple[Path, str | None]]:
    """(video path, crop string or None) for the project's videos, or the ``videos`` asked for."""
    from madlc.project.manage import project_videos

    sets = cfg.get("video_sets") or {}
    known = list(zip(project_videos(cfg), [(v or {}).get("crop") for v in sets.values()]))
    if videos is None:
        return known
    by_name = {p.name: (p, c) for p, c in known}
    by_stem = {p.stem: (p, c) for p, c in known}
    chosen = []
    for video in videos:
        p = Path(video)
        if p.name in by_name:
            chosen.append(by_name[p.name])
        elif str(video) in by_stem:
            chosen.append(by_stem[str(video)])
        elif p.exists():
            chosen.append((p, None))
        else:
            raise VideoError(f"{video}: not a video of this project (video_sets) and no such file. "
                             f"What to do: pass one of {sorted(by_name)} or an existing video path.")
    return chosen


def _ask(question: str) -> bool:
    answer = input(f"{question} yes/no: ").strip().lower()
    return answer in ("y", "yes")


def extract_frames(config: str, mode: str = "automatic", algo: str = "kmeans", crop: bool = False,
                   userfeedback: bool = False, cluster_step: int = 1, cluster_resizewidth: int = 30,
                   cluster_color: bool = False, videos: list[str] | None = None,
                   seed: int | None = None) -> list[str]:
    """Extract frames to label from the project's videos into labeled-data/<video>/img<idx>.png.

    ``algo``: ``uniform`` (random, spread in time) or ``kmeans`` (visually different frames); uses
    config.yaml's ``start``, ``stop`` and ``numframes2pick``. ``crop``: apply each video's
    ``video_sets`` crop. ``userfeedback``: ask before each video. ``videos``: only these videos (names,
    stems or paths). ``seed``: make the choice reproducible. ``mode='manual'`` is the GUI (``madlc gui``).
    Returns the paths of the images written (existing images are kept, never overwritten).
    """
    import cv2

    from madlc.io.atomic import atomic_path
    from madlc.project.config import load_config
    from madlc.project.paths import image_name
    from madlc.video.reader import VideoReader

    if mode == "manual":  # the frame-extraction page of the web GUI; blocks until Ctrl-C
        import importlib

        module, attr = MANUAL_GUI.split(":")
        first = str(videos[0]) if videos else None
        getattr(importlib.import_module(module), attr)(str(config), video=first)
        return sorted(str(p) for p in (Path(load_config(config)["project_path"]) / "labeled-data").glob("*/img*.png"))
    if mode != "automatic":
        raise ConfigError(f"extract_frames: unknown mode {mode!r}. What to do: use mode='automatic' or 'manual'.")
    if algo not in ("uniform", "kmeans"):
        raise ConfigError(f"extract_frames: unknown algo {algo!r}. What to do: use algo='uniform' or 'kmeans'.")
    cfg = load_config(config)
    project = Path(cfg["project_path"])
    numframes = int(cfg.get("numframes2pick") or 0)
    if numframes <= 0:
        raise ConfigError(f"{project / 'config.yaml'}: numframes2pick is {cfg.get('numframes2pick')!r}. "
                          "What to do: set numframes2pick to the number of frames to extract per video (e.g. 20).")
    start, stop = float(cfg.get("start", 0) or 0), float(cfg.get("stop", 1) if cfg.get("stop") is not None else 1)
    chosen = _select_videos(cfg, videos)
    if not chosen:
        raise ConfigError(f"{project / 'config.yaml'}: video_sets lists no videos. "
                          "What to do: add videos with add_new_videos first.")
    rng = np.random.default_rng(seed)
    written: list[str] = []
    for video, crop_string in chosen:
        if userfeedback and not _ask(f"Extract (perhaps additional) frames from {video}?"):
            continue
        with VideoReader(video) as reader:
            info = reader.info
            if info.nframes <= 0:
                raise VideoError(f"{video}: the video has no frames. What to do: check the file, or remove it from video_sets.")
            box = None
            if crop:
                box = parse_crop(crop_string or info.crop_string, video, info.width, info.height)
            first, last = frame_range(info.nframes, start, stop)
            if algo == "uniform":
                picks = pick_uniform(first, last, numframes, rng)
            else:
                step = max(int(cluster_step), 1, math.ceil((last - first) / MAX_KMEANS_SAMPLES))
                idx, feats = thumbnails(reader, first, last, step, int(cluster_resizewidth), bool(cluster_color))
                picks = pick_kmeans(feats, idx, numframes, rng)
            folder = project / "labeled-data" / video.stem
            folder.mkdir(parents=True, exist_ok=True)
            for index in _progress(picks, video.name):
                target = folder / image_name(int(index), info.nframes)
                if target.exists():
                    continue
                frame = reader.read(int(index))
                if box is not None:
                    x1, x2, y1, y2 = box
                    frame = frame[y1:y2, x1:x2]
                with atomic_path(target) as tmp:
                    if not cv2.imwrite(str(tmp), np.ascontiguousarray(frame[..., ::-1])):
                        raise MadlcError(f"{target}: the image could not be written. What to do: check the disk.")
                written.append(str(target))
    return written


def _progress(items, name: str):
    if len(items) < 50:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=f"extracting {name}", unit="frame")
