"""Tracks ``<video><DLCSCORER>_el.h5`` and filtered tracks ``..._el_filtered.h5`` (+ optional ``.csv``).

Semantics (FORMATS.md §6.3, §7.3, §7.4):

* A ``pd.DataFrame``: one row per video frame (int frame numbers ``0..last``; frames after the last
  tracked one may be absent, so ``len(df)`` can be < nframes), columns a 4-level MultiIndex
  ``(scorer, individuals, bodyparts, coords)`` with coords ``x, y, likelihood``. ``scorer`` is the
  network scorer (an opaque string from the file). Each animal carries every multi-animal bodypart;
  the last individual ``single`` carries ONLY the unique bodyparts. float64, NaN = missing.
* Single-animal analysis files have 3 levels ``(scorer, bodyparts, coords)``: the reader inserts the
  individual ``animal`` (see ``madlc.project.paths.individuals``), the writer drops it.

Traps:

* The HDF key varies: ``tracks`` (stitch), ``df_with_missing`` (refined tracks, filtered, analysis),
  ``df`` (an old test fixture). Readers take the only key (or prefer ``tracks``, then
  ``df_with_missing``).
* DLC writes these as ``format="table"``; madlc writes ``fixed`` because a pandas-3 ``table`` file
  does not open in pandas 2.2 (DeepLabCut 3.0.x). ``fixed`` files open in every pandas, and
  DeepLabCut reads them with ``pd.read_hdf(path)`` (no key, no format assumption) - the only
  visible difference is that a ``fixed`` file cannot be appended to or queried with ``where=``.
* PyTorch untracked files encode missing points as ``-1`` (score < 0): :func:`tracks_to_array` with
  ``missing_negative=True`` turns those into NaN.

Writers: :func:`write_tracks` (key ``tracks``) and :func:`write_filtered` (key ``df_with_missing``);
``csv=True`` (or :func:`write_tracks_csv`) adds the ``.csv`` twin (4 header rows + int index column).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from madlc.errors import file_error
from madlc.io.labels import (
    LEVELS,
    SINGLE_ANIMAL_LEVELS,
    UNIQUE_INDIVIDUAL,
    add_individuals_level,
    drop_single_animal_level,
    label_columns,
)
from madlc.io.tables import (
    check_column_levels,
    check_coords,
    read_csv_frame,
    read_h5_frame,
    to_float_frame,
    write_csv_frame,
    write_h5_frame,
)

TRACKS_KEY = "tracks"
FILTERED_KEY = "df_with_missing"
COORDS = ("x", "y", "likelihood")


def _normalise(df: pd.DataFrame, path: Path, what: str) -> pd.DataFrame:
    df = check_column_levels(df, path, what, [LEVELS, SINGLE_ANIMAL_LEVELS])
    check_coords(df, path, what, COORDS)
    if df.columns.nlevels == 3:
        df = add_individuals_level(df)
    df = to_float_frame(df, path, what)
    try:
        df.index = pd.Index(np.asarray(df.index, dtype=np.int64))
    except (ValueError, TypeError) as err:
        raise file_error(path, f"its rows are not frame numbers (first: {df.index[:1].tolist()}), so it is not a {what}",
                         "pass a tracks/analysis .h5 whose index is the video frame number") from err
    return df


def read_tracks(path: str | Path) -> pd.DataFrame:
    """Read a tracks ``.h5`` (any key, fixed or table) or its ``.csv`` into the tracks DataFrame."""
    path = Path(path)
    what = "tracks file"
    if path.suffix.lower() == ".csv":
        df = read_csv_frame(path, what)
    else:
        df = read_h5_frame(path, what, (TRACKS_KEY, FILTERED_KEY))
    return _normalise(df, path, what)


def read_filtered(path: str | Path) -> pd.DataFrame:
    """Read a ``*_filtered.h5`` (or ``.csv``): the same layout as tracks."""
    return read_tracks(path)


def _prepare(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{path}: cannot write a {type(df).__name__} as tracks; pass a pandas DataFrame")
    df = check_column_levels(df, path, "tracks file", [LEVELS, SINGLE_ANIMAL_LEVELS])
    out = df.astype(np.float64)
    out.index = pd.Index(np.asarray(out.index, dtype=np.int64))
    return drop_single_animal_level(out)


def write_tracks(df: pd.DataFrame, path: str | Path, csv: bool = False, key: str = TRACKS_KEY) -> Path:
    """Write a tracks DataFrame to ``path`` (``.h5``, key ``tracks``, fixed); ``csv=True`` adds the ``.csv`` twin."""
    path = Path(path)
    out = _prepare(df, path)
    write_h5_frame(out, path, key)
    if csv:
        write_csv_frame(out, path.with_suffix(".csv"))
    return path


def write_filtered(df: pd.DataFrame, path: str | Path, csv: bool = False) -> Path:
    """Write filtered tracks (``*_filtered.h5``, key ``df_with_missing``, fixed); ``csv=True`` adds the ``.csv``."""
    return write_tracks(df, path, csv=csv, key=FILTERED_KEY)


def write_tracks_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write only the ``.csv`` twin of a tracks DataFrame (``path`` may end in ``.h5``; ``.csv`` is used)."""
    path = Path(path).with_suffix(".csv")
    return write_csv_frame(_prepare(df, path), path)


def tracks_to_array(df: pd.DataFrame, missing_negative: bool = False
                    ) -> tuple[np.ndarray, str, list[str], list[str]]:
    """Tracks DataFrame -> ``(arr, scorer, individuals, bodyparts)``.

    ``arr``: ``(n_frames, n_individuals, n_bodyparts, 3)`` float64 (x, y, likelihood); individuals in
    column order (``single`` last if present), bodyparts = multi-animal parts then unique parts;
    slots without columns (animal x unique part, ``single`` x multi part) are NaN.
    ``missing_negative``: treat likelihood < 0 (PyTorch untracked files) as missing (NaN).
    """
    if df.columns.nlevels == 3:
        df = add_individuals_level(df)
    cols = df.columns
    scorer = str(cols.get_level_values("scorer")[0]) if len(cols) else ""
    individuals = [str(i) for i in dict.fromkeys(cols.get_level_values("individuals"))]
    ind_of = cols.get_level_values("individuals")
    bpts = cols.get_level_values("bodyparts")
    multi = list(dict.fromkeys(b for i, b in zip(ind_of, bpts) if i != UNIQUE_INDIVIDUAL))
    unique = list(dict.fromkeys(b for i, b in zip(ind_of, bpts) if i == UNIQUE_INDIVIDUAL and b not in multi))
    bodyparts = [str(b) for b in multi + unique]
    ind_pos = {name: k for k, name in enumerate(individuals)}
    bpt_pos = {name: k for k, name in enumerate(bodyparts)}
    coord_pos = {c: k for k, c in enumerate(COORDS)}
    out = np.full((len(df), len(individuals), len(bodyparts), 3), np.nan)
    values = df.to_numpy(dtype=np.float64, na_value=np.nan)
    for j, (_, ind, bpt, coord) in enumerate(cols):
        if coord in coord_pos:
            out[:, ind_pos[ind], bpt_pos[bpt], coord_pos[coord]] = values[:, j]
    if missing_negative:
        out[out[..., 2] < 0] = np.nan
    return out, scorer, individuals, bodyparts


def array_to_tracks(arr: np.ndarray, scorer: str, individuals: Sequence[str], bodyparts: Sequence[str],
                    unique_bodyparts: Sequence[str] = (), frames: Iterable[int] | None = None) -> pd.DataFrame:
    """Inverse of :func:`tracks_to_array`, building DeepLabCut's exact column layout.

    ``arr``: ``(n_frames, n_individuals, n_bodyparts, 3)``. ``bodyparts`` indexes axis 2; those in
    ``unique_bodyparts`` go ONLY under ``single``, the others under every animal. ``single`` is taken
    from ``individuals`` if listed, else from one extra trailing row of ``arr``. ``frames``: the
    index (default ``0..n_frames-1``).
    """
    arr = np.asarray(arr, dtype=np.float64)
    bodyparts, unique = list(bodyparts), list(unique_bodyparts)
    missing = [b for b in unique if b not in bodyparts]
    if missing:
        raise ValueError(f"unique bodyparts {missing} are not in bodyparts {bodyparts}")
    animals = [i for i in individuals if i != UNIQUE_INDIVIDUAL]
    multi = [b for b in bodyparts if b not in unique]
    if arr.ndim != 4 or arr.shape[2] != len(bodyparts) or arr.shape[3] < 3:
        raise ValueError(f"tracks array of shape {arr.shape} does not match (frames, individuals, "
                         f"{len(bodyparts)} bodyparts, 3)")
    n_needed = len(animals) + (1 if unique else 0)
    if arr.shape[1] < n_needed:
        raise ValueError(f"tracks array has {arr.shape[1]} individuals, expected {n_needed} "
                         f"({len(animals)} animals{' + single' if unique else ''})")
    single_row = list(individuals).index(UNIQUE_INDIVIDUAL) if UNIQUE_INDIVIDUAL in individuals else len(animals)
    animal_rows = [k for k, name in enumerate(individuals) if name != UNIQUE_INDIVIDUAL]
    multi_idx = [bodyparts.index(b) for b in multi]
    n_frames = len(arr)
    blocks = [arr[:, animal_rows][:, :, multi_idx, :3].reshape(n_frames, len(animal_rows) * len(multi_idx) * 3)]
    if unique:
        unique_idx = [bodyparts.index(b) for b in unique]
        blocks.append(arr[:, single_row, unique_idx, :3].reshape(n_frames, len(unique_idx) * 3))
    data = np.concatenate(blocks, axis=1)
    index = pd.Index(np.asarray(list(frames) if frames is not None else np.arange(len(arr)), dtype=np.int64))
    return pd.DataFrame(data, index=index, columns=label_columns(scorer, animals, multi, unique, COORDS))
