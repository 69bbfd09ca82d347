"""Tracks in memory: one array plus its names, and the DataFrame/file conversions.

The array contract shared by filtering, plotting, labeled videos and refinement::

    data: float64 (n_frames, n_individuals, n_bodyparts, 3)   # x, y, likelihood; NaN = missing

``individuals`` includes ``single`` (last) when the project has unique body parts;
``bodyparts`` is the full list (multi-animal parts, then unique parts); a real animal holds
NaN for unique parts and ``single`` holds NaN for multi-animal parts. ``frames`` are the
int frame numbers of the rows (a stitched file may stop before the video's last frame).

File side (FORMATS.md §7.3/§7.4): a pandas DataFrame with columns (scorer, individuals,
bodyparts, coords[x, y, likelihood]) and an int frame index. The readers/writers of
``madlc.io`` are used when present (they take care of DeepLabCut 3.0.x compatibility);
the pandas fallbacks here write the same layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from madlc.errors import file_error

COORDS = ("x", "y", "likelihood")
LEVELS = ["scorer", "individuals", "bodyparts", "coords"]


@dataclass
class Tracks:
    """Tracked poses of one video (see the module docstring for the array contract)."""

    data: np.ndarray
    scorer: str
    individuals: list[str]
    bodyparts: list[str]
    unique_bodyparts: list[str] = field(default_factory=list)
    frames: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.data = np.asarray(self.data, dtype=float)
        if self.data.ndim != 4 or self.data.shape[1:] != (len(self.individuals), len(self.bodyparts), 3):
            raise ValueError(f"tracks array of shape {self.data.shape} does not match "
                             f"{len(self.individuals)} individuals x {len(self.bodyparts)} bodyparts x 3")
        if self.frames is None:
            self.frames = np.arange(len(self.data))
        self.frames = np.asarray(self.frames, dtype=int)

    @property
    def n_frames(self) -> int:
        return len(self.data)

    @property
    def animals(self) -> list[str]:
        """Individuals other than ``single``."""
        return [i for i in self.individuals if i != "single"]

    @property
    def multi_bodyparts(self) -> list[str]:
        return [b for b in self.bodyparts if b not in self.unique_bodyparts]

    def copy(self) -> "Tracks":
        return Tracks(self.data.copy(), self.scorer, list(self.individuals), list(self.bodyparts),
                      list(self.unique_bodyparts), self.frames.copy())

    def ind(self, individual: str | int) -> int:
        """Column index of an individual given by name or index."""
        if isinstance(individual, (int, np.integer)):
            if not 0 <= int(individual) < len(self.individuals):
                raise IndexError(f"individual index {individual} out of range 0..{len(self.individuals) - 1}")
            return int(individual)
        try:
            return self.individuals.index(individual)
        except ValueError:
            raise KeyError(f"unknown individual {individual!r}; the tracks have {self.individuals}") from None

    def bpt(self, bodypart: str | int) -> int:
        if isinstance(bodypart, (int, np.integer)):
            return int(bodypart)
        try:
            return self.bodyparts.index(bodypart)
        except ValueError:
            raise KeyError(f"unknown body part {bodypart!r}; the tracks have {self.bodyparts}") from None

    def row(self, frame: int) -> int:
        """Row of the array holding video frame ``frame`` (IndexError if absent)."""
        n = len(self.frames)
        if n and self.frames[0] == 0 and self.frames[-1] == n - 1 and 0 <= frame < n:
            return int(frame)
        hit = np.flatnonzero(self.frames == frame)
        if not hit.size:
            raise IndexError(f"frame {frame} is not in the tracks (frames {self.frames[:1]}..{self.frames[-1:]})")
        return int(hit[0])

    def reindexed(self, nframes: int) -> "Tracks":
        """The same tracks on rows ``0..nframes-1`` (absent frames NaN, extra frames dropped)."""
        out = np.full((nframes, *self.data.shape[1:]), np.nan)
        keep = (self.frames >= 0) & (self.frames < nframes)
        out[self.frames[keep]] = self.data[keep]
        return Tracks(out, self.scorer, list(self.individuals), list(self.bodyparts),
                      list(self.unique_bodyparts), np.arange(nframes))


def tracks_from_dataframe(df: pd.DataFrame, path: str | Path = "tracks") -> Tracks:
    """Array + names of a DeepLabCut tracks DataFrame (4-level, or 3-level single-animal columns)."""
    cols = df.columns
    if not isinstance(cols, pd.MultiIndex) or cols.nlevels not in (3, 4):
        raise file_error(path, "its columns are not DeepLabCut's (scorer, individuals, bodyparts, coords)",
                         "pass a tracks .h5 written by stitch_tracklets, refine_tracklets or filterpredictions")
    if cols.nlevels == 3:
        cols = pd.MultiIndex.from_tuples([(s, "animal", b, c) for s, b, c in cols], names=LEVELS)
        df = df.set_axis(cols, axis=1)
    scorer = str(cols.get_level_values(0)[0])
    individuals = list(dict.fromkeys(cols.get_level_values(1)))
    coords = set(cols.get_level_values(3))
    if not {"x", "y"} <= coords:
        raise file_error(path, f"its coords level has {sorted(coords)}, not x, y, likelihood",
                         "pass a tracks file, not a labels file")
    per_ind = {i: list(dict.fromkeys(cols[cols.get_level_values(1) == i].get_level_values(2))) for i in individuals}
    unique = per_ind.get("single", []) if "single" in individuals else []
    multi = list(dict.fromkeys(b for i in individuals if i != "single" for b in per_ind[i]))
    bodyparts = multi + [b for b in unique if b not in multi]
    data = np.full((len(df), len(individuals), len(bodyparts), 3), np.nan)
    values = df.to_numpy(dtype=float)
    for j, (_, ind, bpt, coord) in enumerate(cols):
        if coord in COORDS:
            data[:, individuals.index(ind), bodyparts.index(bpt), COORDS.index(coord)] = values[:, j]
    if "likelihood" not in coords:  # x/y only (e.g. labels): full confidence where a point exists
        data[..., 2] = np.where(np.isnan(data[..., 0]), np.nan, 1.0)
    try:
        frames = np.asarray(df.index, dtype=int)
    except (TypeError, ValueError):
        frames = np.arange(len(df))
    return Tracks(data, scorer, individuals, bodyparts, unique, frames)


def tracks_to_dataframe(tracks: Tracks) -> pd.DataFrame:
    """DeepLabCut's tracks DataFrame: animals x multi-animal parts, then ``single`` x unique parts."""
    tuples, blocks = [], []
    for i, ind in enumerate(tracks.individuals):
        parts = tracks.unique_bodyparts if ind == "single" else tracks.multi_bodyparts
        for bpt in parts:
            b = tracks.bodyparts.index(bpt)
            for c, coord in enumerate(COORDS):
                tuples.append((tracks.scorer, ind, bpt, coord))
                blocks.append(tracks.data[:, i, b, c])
    columns = pd.MultiIndex.from_tuples(tuples, names=LEVELS)
    values = np.stack(blocks, axis=1) if blocks else np.empty((tracks.n_frames, 0))
    return pd.DataFrame(values, columns=columns, index=pd.Index(tracks.frames, dtype="int64"))


# ---------------------------------------------------------------- files

def read_tracks_frame(path: str | Path) -> pd.DataFrame:
    """A tracks ``.h5`` (or ``.csv``) as a DataFrame, whatever its HDF key (``tracks`` or ``df_with_missing``)."""
    path = Path(path)
    if not path.exists():
        raise file_error(path, "no such tracks file", "check the path, or run stitch_tracklets first")
    from madlc.io.tracks import read_tracks

    return read_tracks(path)


def write_tracks_frame(df: pd.DataFrame, path: str | Path, save_as_csv: bool = False) -> Path:
    """Write a tracks DataFrame atomically with key ``df_with_missing`` (+ the ``.csv`` twin when asked).

    This is the layout of refined and filtered tracks (FORMATS.md §7.3/§7.4); madlc.io writes
    it so that DeepLabCut 3.0.x (pandas 2) opens it.
    """
    from madlc.io.tracks import write_filtered

    return write_filtered(df, Path(path), csv=save_as_csv)


def load_tracks(path: str | Path) -> Tracks:
    """A tracks ``.h5`` (stitched, refined or filtered) as :class:`Tracks`."""
    return tracks_from_dataframe(read_tracks_frame(path), path)


def save_tracks(tracks: Tracks, path: str | Path, save_as_csv: bool = False) -> Path:
    """Write :class:`Tracks` to ``path`` in DeepLabCut's layout (+ csv when asked)."""
    return write_tracks_frame(tracks_to_dataframe(tracks), path, save_as_csv)


# ---------------------------------------------------------------- tracklet pickles

def read_tracklets_dict(path: str | Path) -> dict[Any, Any]:
    """A tracklet pickle as ``{"header": MultiIndex, id: {frame: (n_multi, 4)}, "single": {frame: (n_unique, 3)}}``."""
    from madlc.io.tracklets import read_tracklets

    return read_tracklets(Path(path))


def tracks_from_tracklets(tracklets: dict[Any, Any], individuals: list[str], nframes: int | None = None,
                          unique_bodyparts: list[str] | None = None) -> tuple[Tracks, dict[int, int]]:
    """Place tracklets onto individual tracks, longest first, where they do not overlap.

    Returns the tracks and ``{tracklet id: individual index}`` for the tracklets placed;
    tracklets that fit nowhere stay out (a refinement user assigns them by hand).
    """
    header = tracklets["header"]
    scorer = str(header.get_level_values(0)[0])
    all_bpts = list(dict.fromkeys(header.get_level_values(1)))
    unique = list(unique_bodyparts or [])
    if not unique and "single" in tracklets:
        n_unique = max((len(v) for v in tracklets["single"].values()), default=0)
        unique = all_bpts[len(all_bpts) - n_unique:] if n_unique else []
    multi = [b for b in all_bpts if b not in unique]
    ids = sorted(k for k in tracklets if isinstance(k, (int, np.integer)))
    last = max((max(tracklets[k]) for k in ids if tracklets[k]), default=-1)
    if "single" in tracklets and tracklets["single"]:
        last = max(last, max(tracklets["single"]))
    n = int(nframes) if nframes else last + 1
    names = list(individuals) + (["single"] if unique else [])
    data = np.full((n, len(names), len(all_bpts), 3), np.nan)
    occupied = np.zeros((n, len(individuals)), dtype=bool)
    placed: dict[int, int] = {}
    for tid in sorted(ids, key=lambda k: -len(tracklets[k])):
        frames = np.array([f for f in tracklets[tid] if 0 <= f < n], dtype=int)
        if not frames.size:
            continue
        for a in range(len(individuals)):
            if not occupied[frames, a].any():
                occupied[frames, a] = True
                block = np.stack([tracklets[tid][f][: len(multi), :3] for f in frames])
                data[frames[:, None], a, np.arange(len(multi))[None, :]] = block
                placed[tid] = a
                break
    if unique:
        s = names.index("single")
        for f, arr in tracklets.get("single", {}).items():
            if 0 <= f < n:
                data[f, s, len(multi):len(multi) + len(arr)] = np.asarray(arr)[:, :3]
    return Tracks(data, scorer, names, all_bpts, unique, np.arange(n)), placed
