"""Refinement operations on tracks: what the tracklet-refinement GUI calls.

Pure functions work on a tracks array ``data (n_frames, n_individuals, n_bodyparts, 3)``
(x, y, likelihood; NaN = missing; see :mod:`madlc.io.tracks_array`) and return new arrays
or findings. :class:`TrackEditor` wraps one video's tracks with the same operations in place,
an undo stack, and a thin load/save::

    ed = TrackEditor.load("videoDLC_..._el.pickle", individuals=["m1", "m2"], nframes=1800)
    ed.drop_short_tracklets(min_tracklet_len=2)
    for s in ed.find_swaps(min_swap_len=2):        # candidate identity swaps, to show the user
        print(s.individual_a, s.individual_b, s.start, s.stop)
    ed.swap("m1", "m2", start=120, stop=200)         # frames 120..199
    ed.fill_gaps(max_gap=0)                          # interpolate every gap, likelihood 0.01
    ed.move_point(frame=130, individual="m1", bodypart="snout", x=10.5, y=20.0)
    ed.undo()
    ed.save()                                        # <stem><DLCSCORER>_el.h5

Frame ranges are ``start`` inclusive, ``stop`` exclusive (``stop=None``: to the end), in
video frame numbers. Individuals and body parts are given by name or index.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from madlc.io.tracks_array import Tracks

FILLED_LIKELIHOOD = 0.01


# ---------------------------------------------------------------- pure functions on arrays

def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` runs of True in a 1-D boolean mask."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def visible(data: np.ndarray) -> np.ndarray:
    """``(n_frames, n_individuals)``: True where an individual has at least one point."""
    return ~np.all(np.isnan(data[..., 0]), axis=2)


def swap_individuals(data: np.ndarray, a: int, b: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Exchange all points of individuals ``a`` and ``b`` on rows ``start..stop-1`` (returns a new array)."""
    out = data.copy()
    out[start:stop, [a, b]] = data[start:stop, [b, a]]
    return out


def fill_gaps(data: np.ndarray, max_gap: int = 0, likelihood: float = FILLED_LIKELIHOOD) -> tuple[np.ndarray, np.ndarray]:
    """Linearly interpolate x, y over gaps between two known points of the same body part.

    Gaps of at most ``max_gap`` frames are filled (``max_gap=0``: every gap); leading and
    trailing gaps are not (there is nothing to interpolate from). Filled points get
    ``likelihood``. Returns the new array and the ``(n_frames, n_individuals, n_bodyparts)``
    mask of filled points.
    """
    out = data.copy()
    filled = np.zeros(data.shape[:3], dtype=bool)
    t = np.arange(len(data))
    for i in range(data.shape[1]):
        for b in range(data.shape[2]):
            known = ~np.isnan(data[:, i, b, 0]) & ~np.isnan(data[:, i, b, 1])
            idx = np.flatnonzero(known)
            if idx.size < 2:
                continue
            gaps = ~known
            gaps[: idx[0]] = False  # leading and trailing gaps stay empty
            gaps[idx[-1] + 1:] = False
            if max_gap:
                for start, stop in runs(gaps):
                    if stop - start > max_gap:
                        gaps[start:stop] = False
            if not gaps.any():
                continue
            for c in (0, 1):
                out[gaps, i, b, c] = np.interp(t[gaps], idx, data[idx, i, b, c])
            out[gaps, i, b, 2] = likelihood
            filled[gaps, i, b] = True
    return out, filled


def drop_short_runs(data: np.ndarray, min_len: int, skip: Sequence[int] = ()) -> tuple[np.ndarray, int]:
    """Delete stretches where an individual is visible for fewer than ``min_len`` frames.

    Individuals in ``skip`` (e.g. ``single``, whose unique parts come and go) are left alone.
    Returns the new array and the number of stretches deleted.
    """
    out = data.copy()
    dropped = 0
    vis = visible(data)
    for i in range(data.shape[1]):
        if i in skip:
            continue
        for start, stop in runs(vis[:, i]):
            if stop - start < min_len:
                out[start:stop, i] = np.nan
                dropped += 1
    return out, dropped


@dataclass(frozen=True)
class SwapCandidate:
    """Frames ``start..stop-1`` where individuals ``a`` and ``b`` look exchanged."""

    individual_a: str
    individual_b: str
    start: int
    stop: int
    a: int
    b: int


def _carried_positions(data: np.ndarray) -> np.ndarray:
    """``(n_frames, n_individuals, n_bodyparts, 2)`` x, y with each point's last known value carried forward."""
    xy = data[..., :2].reshape(len(data), -1)
    known = ~np.isnan(xy)
    last = np.where(known, np.arange(len(xy))[:, None], 0)
    np.maximum.accumulate(last, axis=0, out=last)
    carried = xy[last, np.arange(xy.shape[1])[None, :]]
    return carried.reshape(*data.shape[:3], 2)


def _pose_distance(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Mean distance over body parts known in both: ``(n, n_bodyparts, 2)`` x2 -> ``(n,)``."""
    d = np.linalg.norm(p - q, axis=-1)
    with np.errstate(invalid="ignore"):
        n = np.sum(~np.isnan(d), axis=-1)
        return np.where(n > 0, np.nansum(d, axis=-1) / np.maximum(n, 1), np.nan)


def find_swaps(data: np.ndarray, individuals: Sequence[str], min_swap_len: int = 2,
               ratio: float = 0.5) -> list[SwapCandidate]:
    """Candidate identity swaps between pairs of individuals.

    At frame t, individuals a and b *cross* when matching each one's pose to the other's
    previous pose (last known positions) costs less than ``ratio`` times keeping them. Between
    two crossings (or from a crossing to the end) the pair is exchanged; stretches shorter than
    ``min_swap_len`` frames are ignored as flicker. ``single`` is never considered.
    """
    animals = [k for k, name in enumerate(individuals) if name != "single"]
    if len(data) < 2 or len(animals) < 2:
        return []
    prev = _carried_positions(data)[:-1]
    cur = data[1:, :, :, :2]
    vis = visible(data)[1:]
    found: list[SwapCandidate] = []
    for ia, a in enumerate(animals):
        for b in animals[ia + 1:]:
            keep = _pose_distance(cur[:, a], prev[:, a]) + _pose_distance(cur[:, b], prev[:, b])
            cross = _pose_distance(cur[:, a], prev[:, b]) + _pose_distance(cur[:, b], prev[:, a])
            with np.errstate(invalid="ignore"):
                crossing = vis[:, a] & vis[:, b] & (cross < ratio * keep)
            frames = (np.flatnonzero(crossing) + 1).tolist()  # row t of cur is frame t+1
            bounds = frames + [len(data)]
            for k in range(0, len(frames), 2):
                start, stop = bounds[k], bounds[k + 1]
                if stop - start >= min_swap_len:
                    found.append(SwapCandidate(individuals[a], individuals[b], start, stop, a, b))
    return sorted(found, key=lambda s: (s.start, s.a, s.b))


# ---------------------------------------------------------------- the editor

class TrackEditor:
    """One video's tracks under refinement: in-place operations with undo, load and save.

    ``tracks.data`` is the edited array. When loaded from a tracklet pickle, ``tracklets``
    holds each tracklet's frames and points and ``owner[frame, individual]`` says which
    tracklet a track's point came from (-1: none / edited).
    """

    def __init__(self, tracks: Tracks, tracklets: dict[int, dict[int, np.ndarray]] | None = None,
                 placed: dict[int, int] | None = None, source: str | Path | None = None, max_undo: int = 20):
        self.tracks = tracks
        self.source = Path(source) if source else None
        self.tracklets = tracklets or {}
        self.owner = np.full((tracks.n_frames, len(tracks.individuals)), -1, dtype=np.int64)
        known = set(tracks.frames.tolist())
        for tid, ind in (placed or {}).items():
            rows = [tracks.row(f) for f in self.tracklets.get(tid, {}) if f in known]
            self.owner[rows, ind] = tid
        self._undo: list[tuple[Any, np.ndarray, np.ndarray]] = []
        self.max_undo = max_undo

    # -- loading and saving
    @classmethod
    def load(cls, path: str | Path, individuals: Sequence[str] | None = None, nframes: int | None = None,
             unique_bodyparts: Sequence[str] | None = None) -> "TrackEditor":
        """Open a tracks ``.h5`` or a tracklet ``.pickle`` (tracklets placed on ``individuals``)."""
        from madlc.io.tracks_array import load_tracks, read_tracklets_dict, tracks_from_tracklets

        path = Path(path)
        if path.suffix == ".pickle":
            raw = read_tracklets_dict(path)
            ids = [k for k in raw if isinstance(k, (int, np.integer))]
            names = list(individuals) if individuals else [f"ind{k + 1}" for k in range(max(1, len(ids)))]
            tracks, placed = tracks_from_tracklets(raw, names, nframes, list(unique_bodyparts or []))
            n_multi = len(tracks.multi_bodyparts)
            tracklets = {int(k): {int(f): np.asarray(v)[:n_multi, :3] for f, v in raw[k].items()} for k in ids}
            return cls(tracks, tracklets, placed, source=path)
        tracks = load_tracks(path)
        if nframes:
            tracks = tracks.reindexed(int(nframes))
        return cls(tracks, source=path)

    def default_output(self) -> Path:
        """Where :meth:`save` writes by default: the source with ``.pickle`` -> ``.h5`` (FORMATS.md §7.3)."""
        if self.source is None:
            raise ValueError("these tracks were not loaded from a file; pass a path to save()")
        return self.source.with_suffix(".h5")

    def save(self, path: str | Path | None = None, save_as_csv: bool = False, keep_backup: bool = True) -> Path:
        """Write the tracks (key ``df_with_missing``); an overwritten file is kept as ``.bak``."""
        from madlc.io.atomic import backup
        from madlc.io.tracks_array import save_tracks

        target = Path(path) if path else self.default_output()
        if keep_backup and target.exists():
            backup(target)
        return save_tracks(self.tracks, target, save_as_csv)

    # -- undo
    def _checkpoint(self, rows: slice | np.ndarray | None = None) -> None:
        """Remember the rows an operation is about to change (all rows if None)."""
        rows = slice(None) if rows is None else rows
        self._undo.append((rows, self.tracks.data[rows].copy(), self.owner[rows].copy()))
        if len(self._undo) > self.max_undo:
            self._undo.pop(0)

    @property
    def undo_depth(self) -> int:
        """How many operations :meth:`undo` can still revert."""
        return len(self._undo)

    def undo(self) -> bool:
        """Revert the last operation; False if there is nothing to undo."""
        if not self._undo:
            return False
        rows, data, owner = self._undo.pop()
        self.tracks.data[rows] = data
        self.owner[rows] = owner
        return True

    # -- helpers
    @property
    def data(self) -> np.ndarray:
        return self.tracks.data

    def _rows(self, start: int | None, stop: int | None) -> slice:
        frames = self.tracks.frames
        lo = 0 if start is None else int(np.searchsorted(frames, start, "left"))
        hi = len(frames) if stop is None else int(np.searchsorted(frames, stop, "left"))
        return slice(lo, hi)

    def _frame_rows(self, frames: int | Iterable[int]) -> np.ndarray:
        frames = [frames] if isinstance(frames, (int, np.integer)) else list(frames)
        return np.array([self.tracks.row(int(f)) for f in frames], dtype=int)

    # -- operations
    def swap(self, individual_a: str | int, individual_b: str | int, start: int = 0, stop: int | None = None) -> None:
        """Exchange two individuals on frames ``start..stop-1`` (the same call again restores them)."""
        a, b = self.tracks.ind(individual_a), self.tracks.ind(individual_b)
        if a == b:
            return
        rows = self._rows(start, stop)
        self._checkpoint(rows)
        self.tracks.data[rows, [a, b]] = self.tracks.data[rows, [b, a]]
        self.owner[rows, [a, b]] = self.owner[rows, [b, a]]

    def reassign_tracklet(self, tracklet: int, individual: str | int) -> None:
        """Give a tracklet (from the pickle) to ``individual`` on all its frames.

        If the tracklet sat on another individual, the two exchange their points on those
        frames (nothing is lost); otherwise the target's points there are replaced.
        """
        if tracklet not in self.tracklets:
            raise KeyError(f"no tracklet {tracklet}; known tracklets: {sorted(self.tracklets)}")
        target = self.tracks.ind(individual)
        pts = self.tracklets[tracklet]
        known = set(self.tracks.frames.tolist())
        frames = sorted(f for f in pts if f in known)
        rows = self._frame_rows(frames)
        self._checkpoint(rows)
        holders = {int(k) for k in np.unique(np.nonzero(self.owner[rows] == tracklet)[1])}
        for h in holders - {target}:
            mine = rows[self.owner[rows, h] == tracklet]
            self.tracks.data[np.ix_(mine, [h, target])] = self.tracks.data[np.ix_(mine, [target, h])]
            self.owner[np.ix_(mine, [h, target])] = self.owner[np.ix_(mine, [target, h])]
        free = rows[self.owner[rows, target] != tracklet]
        if free.size:
            n_multi = len(self.tracks.multi_bodyparts)
            block = np.stack([pts[int(f)] for f in self.tracks.frames[free]])
            self.tracks.data[free, target] = np.nan
            self.tracks.data[free[:, None], target, np.arange(n_multi)[None, :]] = block
            self.owner[free, target] = tracklet

    def delete_points(self, individual: str | int, frames: int | Iterable[int],
                      bodyparts: Sequence[str | int] | None = None) -> None:
        """Remove points of ``individual`` on ``frames`` (all body parts unless given)."""
        i = self.tracks.ind(individual)
        rows = self._frame_rows(frames)
        bpts = range(len(self.tracks.bodyparts)) if bodyparts is None else [self.tracks.bpt(b) for b in bodyparts]
        self._checkpoint(rows)
        self.tracks.data[rows[:, None], i, np.array(list(bpts))[None, :]] = np.nan
        if bodyparts is None:
            self.owner[rows, i] = -1

    def move_point(self, frame: int, individual: str | int, bodypart: str | int, x: float, y: float,
                   likelihood: float = 1.0) -> None:
        """Place one point (a human correction gets likelihood 1 by default)."""
        row, i, b = self.tracks.row(int(frame)), self.tracks.ind(individual), self.tracks.bpt(bodypart)
        self._checkpoint(np.array([row]))
        self.tracks.data[row, i, b] = (float(x), float(y), float(likelihood))

    def fill_gaps(self, max_gap: int = 0) -> int:
        """Interpolate gaps up to ``max_gap`` frames (0: all) with likelihood 0.01; returns points filled."""
        self._checkpoint()
        self.tracks.data, filled = fill_gaps(self.tracks.data, max_gap)
        return int(filled.sum())

    def drop_short_tracklets(self, min_tracklet_len: int = 2) -> int:
        """Delete stretches (and pickle tracklets) shorter than ``min_tracklet_len`` frames; returns how many.

        ``single`` (unique body parts) is not a tracklet and is kept.
        """
        self._checkpoint()
        short = [k for k, v in self.tracklets.items() if len(v) < min_tracklet_len]
        for k in short:  # a short pickle tracklet goes even where it touches another one
            rows, cols = np.nonzero(self.owner == k)
            self.tracks.data[rows, cols] = np.nan
            self.owner[rows, cols] = -1
            del self.tracklets[k]
        single = [k for k, name in enumerate(self.tracks.individuals) if name == "single"]
        self.tracks.data, dropped = drop_short_runs(self.tracks.data, int(min_tracklet_len), skip=single)
        self.owner[np.all(np.isnan(self.tracks.data[..., 0]), axis=2)] = -1
        return dropped + len(short)

    def find_swaps(self, min_swap_len: int = 2) -> list[SwapCandidate]:
        """Candidate identity swaps (see :func:`find_swaps`), in video frame numbers."""
        found = find_swaps(self.tracks.data, self.tracks.individuals, min_swap_len)
        fr = self.tracks.frames
        return [SwapCandidate(s.individual_a, s.individual_b, int(fr[s.start]),
                              int(fr[s.stop - 1]) + 1, s.a, s.b) for s in found]

    def tracklet_segments(self) -> dict[str, list[tuple[int, int]]]:
        """Per individual, the ``[start, stop)`` frame stretches where it is visible (for display)."""
        vis = visible(self.tracks.data)
        fr = self.tracks.frames
        return {name: [(int(fr[s]), int(fr[e - 1]) + 1) for s, e in runs(vis[:, i])]
                for i, name in enumerate(self.tracks.individuals)}

    def summary(self) -> dict[str, Any]:
        """Counts for a status line: frames, individuals, tracklets, visible fraction per individual."""
        vis = visible(self.tracks.data)
        return {"frames": self.tracks.n_frames, "individuals": list(self.tracks.individuals),
                "tracklets": len(self.tracklets),
                "visible": {n: float(vis[:, i].mean()) if len(vis) else 0.0 for i, n in enumerate(self.tracks.individuals)}}
