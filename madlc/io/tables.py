"""Shared HDF5/CSV plumbing for DeepLabCut's DataFrame files (labels, tracks, filtered, machinelabels).

Semantics and traps (FORMATS.md §3.2, §7.3, §10):

* Every DeepLabCut DataFrame file holds ONE pandas object, but under different keys:
  labels ``df_with_missing`` (DLC) or ``keypoints`` (napari-deeplabcut), stitched tracks ``tracks``,
  filtered/refined tracks ``df_with_missing``, an old test fixture ``df``. Readers never rely on the
  key: a file with one key is read whole; with several, the preferred keys are tried in order.
* Two PyTables layouts exist: ``fixed`` (default) and ``table`` (DLC writes tracks and filtered files
  as table). Both read transparently. madlc WRITES ``fixed`` everywhere: a ``table`` file written by
  pandas 3 does not open in pandas 2.2 (DeepLabCut 3.0.x), a ``fixed`` one does (verified in
  tests/test_io_compat.py). This is madlc's one deliberate deviation from DLC's tracks layout.
* An HDF5 file written by something other than pandas (h5py, a video) has no pandas storer;
  reading it raises :class:`~madlc.errors.FormatError` instead of a PyTables traceback.
* Column level names are checked by the callers (labels.py, tracks.py).
* The CSV twins have one header row per column level (first cell = level name) and 1 or 3 index
  columns; missing values are empty fields.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from madlc.errors import file_error
from madlc.io.atomic import atomic_path


def require_file(path: str | Path, what: str, fix: str = "") -> Path:
    path = Path(path)
    if not path.is_file():
        raise file_error(path, f"no such {what}", fix or "check the path (and that the step producing it ran)")
    return path


def read_h5_frame(path: str | Path, what: str, preferred_keys: Sequence[str] = ()) -> pd.DataFrame:
    """Read the DataFrame stored in a pandas HDF5 file, whatever its key and layout."""
    path = require_file(path, what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pd.HDFStore(path, mode="r") as store:
                keys = [k.lstrip("/") for k in store.keys()]
                key = next((k for k in preferred_keys if k in keys), keys[0]) if keys else None
                obj = store.get(key) if key is not None else None
    except Exception as err:  # OSError, tables.HDF5ExtError, pandas' TypeError/ValueError on odd storers
        raise file_error(path, f"cannot read this {what}: it is not a pandas HDF5 file, or it is truncated "
                         f"({type(err).__name__}: {err})",
                         "pass a .h5 written by DeepLabCut or madlc; re-run the step that wrote it, "
                         "or restore it from a backup") from err
    if key is None:
        raise file_error(path, f"this HDF5 file contains no pandas DataFrame, so it is not a {what}",
                         "pass a file written by DeepLabCut or madlc (pandas .h5)")
    if isinstance(obj, pd.Series):
        obj = obj.to_frame()
    if not isinstance(obj, pd.DataFrame):
        raise file_error(path, f"key {key!r} holds a {type(obj).__name__}, not a DataFrame, so it is not a {what}",
                         "pass a DeepLabCut .h5 file")
    return obj


def write_h5_frame(df: pd.DataFrame, path: str | Path, key: str) -> Path:
    """Write ``df`` alone (``mode="w"``, ``fixed`` format) under ``key``, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PerformanceWarning for object levels
            df.to_hdf(tmp, key=key, mode="w", format="fixed")
    return path


def write_csv_frame(df: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        df.to_csv(tmp)
    return path


def read_csv_frame(path: str | Path, what: str) -> pd.DataFrame:
    """Read a DeepLabCut CSV (3 or 4 header rows, 1 or 3 index columns), as DLC's converter detects them."""
    path = require_file(path, what)
    try:
        with open(path, newline="") as fh:
            lines = [fh.readline() for _ in range(5)]
    except (OSError, UnicodeDecodeError) as err:
        raise file_error(path, f"cannot read this {what} as text ({err})", "pass a DeepLabCut .csv file") from err
    if not lines[0].startswith("scorer"):
        raise file_error(path, f"the first cell is {lines[0][:20]!r}, not 'scorer', so this is not a DeepLabCut {what}",
                         "pass a CSV written by DeepLabCut or madlc (4 header rows: scorer, individuals, bodyparts, coords)")
    n_header = 4 if lines[1].startswith("individuals") else 3
    first_data = lines[n_header].split(",")[0] if len(lines) > n_header else ""
    n_index = 3 if first_data.strip() == "labeled-data" else 1
    try:
        df = pd.read_csv(path, header=list(range(n_header)), index_col=list(range(n_index)))
    except (ValueError, IndexError, pd.errors.ParserError) as err:
        raise file_error(path, f"cannot parse this {what} ({err})", "pass a DeepLabCut .csv file") from err
    if n_index == 1 and df.index.name is not None and str(df.index.name).startswith("Unnamed"):
        df.index.name = None
    if n_index == 3:
        df.index.names = [None, None, None]
    return df


def check_column_levels(df: pd.DataFrame, path: str | Path, what: str, allowed: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Check the column MultiIndex level names; unnamed levels of the right count are named."""
    cols = df.columns
    names = list(cols.names) if isinstance(cols, pd.MultiIndex) else [cols.name]
    for option in allowed:
        if names == list(option):
            return df
    for option in allowed:
        if len(names) == len(option) and all(n is None for n in names):
            df = df.copy()
            df.columns = df.columns.set_names(list(option))
            return df
    expected = " or ".join(str(list(o)) for o in allowed)
    raise file_error(path, f"its columns have levels {names}, but a {what} needs {expected}",
                     "pass a DeepLabCut file of this kind (re-export it from the labeling GUI or re-run the step)")


def check_coords(df: pd.DataFrame, path: str | Path, what: str, allowed: Sequence[str]) -> None:
    coords = list(dict.fromkeys(df.columns.get_level_values("coords")))
    bad = [c for c in coords if c not in allowed]
    if bad:
        raise file_error(path, f"its 'coords' column level has {bad}, but a {what} only has {list(allowed)}",
                         "pass a DeepLabCut file of this kind")


def to_float_frame(df: pd.DataFrame, path: str | Path, what: str) -> pd.DataFrame:
    try:
        return df.astype(np.float64)
    except (ValueError, TypeError) as err:
        raise file_error(path, f"its values are not numbers ({err}), so it is not a {what}",
                         "pass a DeepLabCut file of this kind") from err
