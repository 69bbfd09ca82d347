"""Human labels ``labeled-data/<video>/CollectedData_<scorer>.h5`` (+ ``.csv``) and machine labels.

Semantics (FORMATS.md §3, §9):

* One ``pd.DataFrame`` per labeled video (and one merged file per training dataset). Columns are a
  4-level MultiIndex ``(scorer, individuals, bodyparts, coords)`` with ``coords`` in ``x, y``; each
  individual of ``cfg["individuals"]`` carries every multi-animal bodypart, then the individual
  ``single`` carries ONLY the unique bodyparts (it is not a product). Values are float64 pixel
  coordinates (origin top-left), ``NaN`` = not labeled.
* Rows are images, indexed by the 3-tuple ``("labeled-data", <video stem>, "img0038.png")`` (level
  names ``None``).

Traps the reader handles:

* Older files (DLC < 2.3) use a flat string index ``"labeled-data/vid/img0038.png"``, possibly with
  Windows ``\\`` separators: normalised to the 3-tuple (the video level is cast to ``str``).
* The HDF key is ``df_with_missing`` (DLC), ``keypoints`` (napari-deeplabcut) or anything else;
  layout ``fixed`` or the very old ``table``.
* Single-animal files have 3 column levels ``(scorer, bodyparts, coords)``; the reader inserts an
  ``individuals`` level with the one individual ``animal`` (``madlc.project.paths.individuals``), and
  the writer drops it again, so single-animal files stay DeepLabCut's layout.
* Stray ``likelihood`` columns (from promoted machine labels) are dropped by :func:`read_labels`,
  kept by :func:`read_machinelabels`.
* Wrong level names / coords / non-numeric values -> :class:`~madlc.errors.FormatError`.

Writers: ``key="df_with_missing"``, ``fixed`` format, ``mode="w"``, rows sorted, plus the CSV twin
beside the ``.h5`` (``machinelabels-iter<N>.h5`` gets ``machinelabels.csv``). Evaluation predictions
(``<DLCSCORER>.h5`` in the evaluation folder, FORMATS.md §8.1) share the layout with likelihood and
no CSV: :func:`read_evaluation_predictions` / :func:`write_evaluation_predictions`. :func:`write_labels`
keeps a ``.bak`` copy of an existing labels file before overwriting it (user work).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from madlc.errors import file_error
from madlc.io.atomic import backup
from madlc.io.tables import (
    check_column_levels,
    check_coords,
    read_csv_frame,
    read_h5_frame,
    to_float_frame,
    write_csv_frame,
    write_h5_frame,
)

LEVELS = ["scorer", "individuals", "bodyparts", "coords"]
SINGLE_ANIMAL_LEVELS = ["scorer", "bodyparts", "coords"]
SINGLE_ANIMAL_INDIVIDUAL = "animal"
UNIQUE_INDIVIDUAL = "single"
H5_KEY = "df_with_missing"
_LABEL_KEYS = ("keypoints", "df_with_missing")


def labels_index(entries: Iterable[Any], path: str | Path = "<labels>") -> pd.MultiIndex:
    """Normalise image names (tuples or ``labeled-data/vid/img.png`` strings, ``\\`` or ``/``) to the 3-level index."""
    tuples = []
    for entry in entries:
        if isinstance(entry, tuple):
            parts = [str(p) for p in entry]
        else:
            parts = [p for p in str(entry).replace("\\", "/").split("/") if p]
        if len(parts) < 3:
            raise file_error(path, f"row {entry!r} is not an image path of the form labeled-data/<video>/<image>",
                             "fix the row index (it must name labeled-data/<video>/<image file>)")
        tuples.append(tuple(parts[-3:]))
    if tuples:
        return pd.MultiIndex.from_tuples(tuples, names=[None, None, None])
    return pd.MultiIndex(levels=[[], [], []], codes=[[], [], []], names=[None, None, None])


def _normalise(df: pd.DataFrame, path: str | Path, what: str, keep_likelihood: bool) -> pd.DataFrame:
    df = check_column_levels(df, path, what, [LEVELS, SINGLE_ANIMAL_LEVELS])
    check_coords(df, path, what, ("x", "y", "likelihood"))
    if not keep_likelihood and "likelihood" in df.columns.get_level_values("coords"):
        df = df.drop(columns="likelihood", level="coords")
    if df.columns.nlevels == 3:
        df = add_individuals_level(df)
    df = to_float_frame(df, path, what)
    df.index = labels_index(df.index, path)
    return df


def add_individuals_level(df: pd.DataFrame, name: str = SINGLE_ANIMAL_INDIVIDUAL) -> pd.DataFrame:
    """Single-animal columns ``(scorer, bodyparts, coords)`` -> 4 levels with individual ``name``."""
    df = df.copy()
    df.columns = pd.MultiIndex.from_tuples([(s, name, b, c) for s, b, c in df.columns], names=LEVELS)
    return df


def drop_single_animal_level(df: pd.DataFrame) -> pd.DataFrame:
    """Inverse of :func:`add_individuals_level` when the only individual is ``animal``."""
    if df.columns.nlevels == 4 and list(df.columns.get_level_values("individuals").unique()) == [SINGLE_ANIMAL_INDIVIDUAL]:
        df = df.copy()
        df.columns = df.columns.droplevel("individuals")
    return df


def read_labels(path: str | Path, keep_likelihood: bool = False) -> pd.DataFrame:
    """Read a ``CollectedData_<scorer>.h5`` (or its ``.csv``) into the labels DataFrame (see module doc)."""
    path = Path(path)
    what = "labels file (CollectedData)"
    if path.suffix.lower() == ".csv":
        df = read_csv_frame(path, what)
    else:
        df = read_h5_frame(path, what, _LABEL_KEYS)
    return _normalise(df, path, what, keep_likelihood)


def _prepare_for_writing(df: pd.DataFrame, path: Path, what: str, sort: bool) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{path}: cannot write a {type(df).__name__} as {what}; pass a pandas DataFrame")
    df = check_column_levels(df, path, what, [LEVELS, SINGLE_ANIMAL_LEVELS])
    out = df.astype(np.float64)
    out.index = labels_index(out.index, path)
    if sort:
        out = out.sort_index()
    return drop_single_animal_level(out)


def write_labels(df: pd.DataFrame, path: str | Path, csv: bool = True, backup_existing: bool = True,
                 sort: bool = True) -> Path:
    """Write labels as DeepLabCut does: ``.h5`` (key ``df_with_missing``, fixed) + the ``.csv`` twin.

    An existing ``path`` is first copied to ``path.bak`` (``backup_existing``).
    """
    path = Path(path).with_suffix(".h5")
    out = _prepare_for_writing(df, path, "labels file", sort)
    if backup_existing:
        backup(path)
    write_h5_frame(out, path, H5_KEY)
    if csv:
        write_csv_frame(out, path.with_suffix(".csv"))
    return path


def read_machinelabels(path: str | Path) -> pd.DataFrame:
    """Read ``machinelabels-iter<N>.h5`` (or ``machinelabels.csv``): like labels, ``likelihood`` kept."""
    path = Path(path)
    what = "machine labels file"
    df = read_csv_frame(path, what) if path.suffix.lower() == ".csv" else read_h5_frame(path, what, (H5_KEY,))
    return _normalise(df, path, what, keep_likelihood=True)


def write_machinelabels(df: pd.DataFrame, path: str | Path, csv: bool = True) -> Path:
    """Write ``machinelabels-iter<N>.h5`` (key ``df_with_missing``, fixed) and ``machinelabels.csv`` beside it."""
    path = Path(path).with_suffix(".h5")
    out = _prepare_for_writing(df, path, "machine labels file", sort=False)
    write_h5_frame(out, path, H5_KEY)
    if csv:
        write_csv_frame(out, path.with_name("machinelabels.csv"))
    return path


def read_evaluation_predictions(path: str | Path) -> pd.DataFrame:
    """Read evaluation predictions ``evaluation-results-pytorch/.../<DLCSCORER>.h5`` (labels index, x/y/likelihood)."""
    path = Path(path)
    what = "evaluation predictions file"
    return _normalise(read_h5_frame(path, what, (H5_KEY,)), path, what, keep_likelihood=True)


def write_evaluation_predictions(df: pd.DataFrame, path: str | Path) -> Path:
    """Write evaluation predictions (FORMATS.md §8.1): key ``df_with_missing``, fixed, rows as given, no csv."""
    path = Path(path)
    write_h5_frame(_prepare_for_writing(df, path, "evaluation predictions file", sort=False), path, H5_KEY)
    return path


def labels_to_array(df: pd.DataFrame, individuals: Sequence[str] | None = None,
                    bodyparts: Sequence[str] | None = None) -> np.ndarray:
    """Labels DataFrame -> ``(n_images, n_individuals, n_bodyparts, 2)`` float64 (x, y), NaN where absent.

    ``individuals``/``bodyparts`` default to those of the columns in order (``single`` included,
    unique bodyparts after the multi-animal ones). A (individual, bodypart) pair without columns
    (e.g. ``single`` x a multi-animal part) is NaN. A 3-level single-animal frame is one individual.
    """
    if df.columns.nlevels == 3:
        df = add_individuals_level(df)
    cols = df.columns
    if individuals is None:
        individuals = list(dict.fromkeys(cols.get_level_values("individuals")))
    if bodyparts is None:
        bodyparts = list(dict.fromkeys(cols.get_level_values("bodyparts")))
    ind_pos = {name: i for i, name in enumerate(individuals)}
    bpt_pos = {name: i for i, name in enumerate(bodyparts)}
    out = np.full((len(df), len(individuals), len(bodyparts), 2), np.nan)
    values = df.to_numpy(dtype=np.float64, na_value=np.nan)
    coord_pos = {"x": 0, "y": 1}
    for j, (_, ind, bpt, coord) in enumerate(cols):
        if ind in ind_pos and bpt in bpt_pos and coord in coord_pos:
            out[:, ind_pos[ind], bpt_pos[bpt], coord_pos[coord]] = values[:, j]
    return out


def label_columns(scorer: str, individuals: Sequence[str], multi_bodyparts: Sequence[str],
                  unique_bodyparts: Sequence[str] = (), coords: Sequence[str] = ("x", "y")) -> pd.MultiIndex:
    """DeepLabCut's column layout: individuals x multi bodyparts x coords, then ``single`` x unique parts."""
    cols = [(scorer, ind, bpt, c) for ind in individuals if ind != UNIQUE_INDIVIDUAL
            for bpt in multi_bodyparts for c in coords]
    cols += [(scorer, UNIQUE_INDIVIDUAL, bpt, c) for bpt in unique_bodyparts for c in coords]
    return pd.MultiIndex.from_tuples(cols, names=LEVELS)


def array_to_labels(arr: np.ndarray, scorer: str, individuals: Sequence[str], multi_bodyparts: Sequence[str],
                    unique_bodyparts: Sequence[str] = (), index: Iterable[Any] | None = None) -> pd.DataFrame:
    """Inverse of :func:`labels_to_array`: ``(n_images, n_ind, n_bpt, 2)`` -> labels DataFrame.

    ``n_bpt`` is ``len(multi) + len(unique)`` (or ``len(multi)`` without unique parts); ``n_ind`` is the
    number of animals, plus one trailing ``single`` row when unique parts exist (``individuals`` may
    or may not list ``single``). ``index``: image tuples/paths (default ``0..n-1``, not DLC-valid).
    """
    arr = np.asarray(arr, dtype=np.float64)
    multi, unique = list(multi_bodyparts), list(unique_bodyparts)
    animals = [i for i in individuals if i != UNIQUE_INDIVIDUAL]
    n_ind_expected = len(animals) + (1 if unique else 0)
    if arr.ndim != 4 or arr.shape[-1] < 2 or arr.shape[1] not in (len(animals), n_ind_expected) \
            or arr.shape[2] not in (len(multi) + len(unique), len(multi)):
        raise ValueError(f"labels array of shape {arr.shape} does not match {len(animals)} animals"
                         f"{' + single' if unique else ''}, {len(multi)} multi + {len(unique)} unique bodyparts")
    blocks = [arr[:, :len(animals), :len(multi), :2].reshape(len(arr), -1)]
    if unique:
        if arr.shape[1] != n_ind_expected or arr.shape[2] != len(multi) + len(unique):
            raise ValueError(f"labels array of shape {arr.shape} has no slot for the unique bodyparts {unique}")
        blocks.append(arr[:, len(animals), len(multi):, :2].reshape(len(arr), -1))
    data = np.concatenate(blocks, axis=1)
    idx = labels_index(index) if index is not None else pd.RangeIndex(len(arr))
    return pd.DataFrame(data, index=idx, columns=label_columns(scorer, animals, multi, unique))
