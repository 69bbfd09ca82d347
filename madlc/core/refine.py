"""Refinement operations on tracks: what the tracklet-refinement GUI calls.

Pure functions on a tracks array ``data (n_frames, n_individuals, n_bodyparts, 3)``
(x, y, likelihood; NaN = missing; see :mod:`madlc.io.tracks_array`) that return new arrays
or findings. :class:`madlc.stages.refine_tracklets.TrackEditor` applies them in place to one
video's tracks, with undo, load and save.

Frame ranges are ``start`` inclusive, ``stop`` exclusive (``stop=None``: to the end).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


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
