"""Labels of one ``labeled-data/<video>/`` folder for the labeling page: load, edit one point, save.

Layout is FORMATS.md §3 (``CollectedData_<scorer>.h5`` + ``.csv`` twin), read and written by
``madlc.io.labels.read_labels`` / ``write_labels`` (atomic, DeepLabCut-3-compatible). Every edit is written at once
(atomically, h5 then csv); the file found when the session started is backed up (``.bak``) once
before the first overwrite, so a labeling session can always be undone as a whole.
"""
from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from madlc.io.atomic import backup
from madlc.io.labels import LEVELS, label_columns, read_labels, write_labels

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
COLUMN_NAMES = list(LEVELS)


def list_images(folder: Path) -> list[str]:
    """Extracted frames of a labeled-data folder (``img*.png``; ``*labeled.png`` previews skipped)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.suffix.lower() in IMAGE_SUFFIXES and not p.stem.endswith("labeled") and not p.name.startswith("."))


def expected_columns(cfg: dict[str, Any]) -> pd.MultiIndex:
    """The column MultiIndex config.yaml asks for (individuals × multi parts, then single × unique parts)."""
    from madlc.project import paths

    return label_columns(str(cfg["scorer"]), paths.individuals(cfg), paths.multianimal_bodyparts(cfg),
                         paths.unique_bodyparts(cfg))


def read_labels_file(path: Path) -> pd.DataFrame:
    """A CollectedData file (madlc.io.labels: one reader for every labels file)."""
    return read_labels(path)


def write_labels_file(df: pd.DataFrame, h5: Path) -> None:
    """Write ``df`` to ``h5`` and its csv twin atomically."""
    write_labels(df, h5, csv=True, backup_existing=False)  # the session backs up once, before its first write


class LabelSession:
    """The labels of one folder, kept in memory and written to disk after every edit."""

    def __init__(self, cfg: dict[str, Any], folder: Path):
        self.cfg = cfg
        self.folder = folder
        self.scorer = str(cfg["scorer"])
        self.h5 = folder / f"CollectedData_{self.scorer}.h5"
        self.lock = threading.Lock()
        self.backed_up = False
        self.extra_columns: list[tuple] = []
        self._mtime: float | None = None
        self.df = self._load()

    # -- loading ---------------------------------------------------------------------------
    def _load(self) -> pd.DataFrame:
        expected = expected_columns(self.cfg)
        if self.h5.exists():
            df = read_labels_file(self.h5)
            self._mtime = self.h5.stat().st_mtime
            if df.columns.nlevels == 3:  # single-animal file: (scorer, bodyparts, coords)
                tuples = [(self.scorer, "animal", b, c) for _, b, c in df.columns]
            else:
                tuples = [(self.scorer, *c[1:]) for c in df.columns]
            df.columns = pd.MultiIndex.from_tuples(tuples, names=COLUMN_NAMES)
            df = df.loc[:, [c for c in df.columns if c[3] in ("x", "y")]]
            extra = [c for c in df.columns if c not in set(expected)]
            self.extra_columns = extra
            # body parts added to config.yaml since the file was written appear as NaN columns
            df = df.reindex(columns=pd.MultiIndex.from_tuples(list(expected) + extra, names=COLUMN_NAMES))
        else:
            df = pd.DataFrame(np.zeros((0, len(expected))), columns=expected, dtype="float64")
            df.index = pd.MultiIndex.from_tuples([], names=[None, None, None])
        return self._with_all_images(df)

    def _with_all_images(self, df: pd.DataFrame) -> pd.DataFrame:
        """One row per frame in the folder; rows of removed frames go too, unless they hold labels."""
        stem = self.folder.name
        images = set(list_images(self.folder))
        gone = [idx for idx in df.index if idx[2] not in images and df.loc[[idx]].isna().all(axis=None)]
        if gone:
            df = df.drop(index=gone)
        have = {idx[2] for idx in df.index}
        new = [("labeled-data", stem, name) for name in sorted(images) if name not in have]
        if new:
            add = pd.DataFrame(np.nan, index=pd.MultiIndex.from_tuples(new), columns=df.columns)
            df = pd.concat([df, add]) if len(df) else add
        df.index = pd.MultiIndex.from_tuples([tuple(i) for i in df.index], names=[None, None, None])
        return df.sort_index()

    def refresh(self) -> None:
        """Pick up frames extracted since the session started, and outside changes to the file."""
        with self.lock:
            if self.h5.exists() and self._mtime is not None and self.h5.stat().st_mtime != self._mtime:
                self.df = self._load()
            else:
                self.df = self._with_all_images(self.df)

    def is_labeled(self, image: str) -> bool:
        key = ("labeled-data", self.folder.name, image)
        with self.lock:
            return key in self.df.index and bool(self.df.loc[[key]].notna().any(axis=None))

    # -- edits -----------------------------------------------------------------------------
    def _row(self, image: str) -> tuple:
        key = ("labeled-data", self.folder.name, image)
        if key not in self.df.index:
            raise KeyError(f"{image!r} is not a frame of labeled-data/{self.folder.name}")
        return key

    def set_point(self, image: str, individual: str, bodypart: str, xy: tuple[float, float] | None) -> None:
        """Place/move (``xy``) or delete (``None``) one label, then save."""
        col_x = (self.scorer, individual, bodypart, "x")
        col_y = (self.scorer, individual, bodypart, "y")
        with self.lock:
            row = self._row(image)
            if col_x not in self.df.columns:
                raise KeyError(f"{individual}/{bodypart} is not a labeled part of this project (see config.yaml)")
            x, y = (math.nan, math.nan) if xy is None else (float(xy[0]), float(xy[1]))
            self.df.loc[row, col_x] = x
            self.df.loc[row, col_y] = y
            self._save()

    def _save(self) -> None:
        if not self.backed_up:
            backup(self.h5)
            if self.h5.with_suffix(".csv").exists():
                backup(self.h5.with_suffix(".csv"))
            self.backed_up = True
        df = self.df.sort_index()
        write_labels_file(df, self.h5)
        self._mtime = self.h5.stat().st_mtime

    def save(self) -> None:
        with self.lock:
            self._save()

    # -- views -----------------------------------------------------------------------------
    def as_json(self) -> dict[str, dict[str, dict[str, list[float]]]]:
        """{image: {individual: {bodypart: [x, y]}}} with only the labeled points."""
        out: dict[str, dict[str, dict[str, list[float]]]] = {}
        with self.lock:
            values = self.df.to_numpy()
            cols = list(self.df.columns)
            ycol = {c[:3]: j for j, c in enumerate(cols) if c[3] == "y"}
            pairs = [(i, ycol[c[:3]]) for i, c in enumerate(cols) if c[3] == "x" and c[:3] in ycol]
            for r, idx in enumerate(self.df.index):
                frame: dict[str, dict[str, list[float]]] = {}
                for i, j in pairs:
                    x, y = values[r, i], values[r, j]
                    if np.isfinite(x) and np.isfinite(y):
                        frame.setdefault(cols[i][1], {})[cols[i][2]] = [float(x), float(y)]
                out[idx[2]] = frame
        return out
