"""Tracklets ``<video><DLCSCORER>_<tr>.pickle`` (``_el``, ``_bx``, ``_sk``...): short tracks before stitching.

Semantics (FORMATS.md §7.2). In memory (madlc's contract)::

    {"header": pd.MultiIndex (scorer, bodyparts, coords) = scorer x (multi + unique) x (x, y, likelihood),
     tracklet id (int, from 0): {frame (int): np.ndarray (n_multibodyparts, 4)},  # x, y, likelihood, identity
     "single": {frame (int): np.ndarray (n_unique, 3)}}                           # only with unique parts

NaN marks missing / below-pcutoff keypoints. The ``header`` lists ALL bodyparts (``3 * n_joints``
entries), although tracklet arrays only hold the multi-animal ones.

Traps the reader handles:

* Frame keys: current DLC writes ``"frame" + zfill(W)`` strings for tracklets and ints for
  ``single``; older files use ints everywhere. Both -> int (first digit run of a string).
* Tracklet ids are ``np.int64`` keys -> ``int``; key order is arbitrary (``['single', 2, 1, 0, 3,
  'header']`` in a real file).
* When the tracker predicted a position without a matching detection DLC stores a FLAT array
  ``[x1, y1, 1, x2, y2, 1, ...]``; it is reshaped to ``(n, 3)`` and given identity ``-1``.
* The header is a pandas object: a pandas-3 pickle of it does not open in pandas 2.2; the writer
  (through :mod:`madlc.io.compat`) rebuilds it with ``MultiIndex.from_tuples``.

The writer emits DLC's current layout: ``"frame" + zfill(W)`` keys (``W`` from ``nframes``, default
``last frame + 1``) for tracklets, int keys for ``single``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from madlc.errors import file_error
from madlc.io.assemblies import frame_number
from madlc.io.compat import dump_pickle, load_pickle

HEADER = "header"
SINGLE = "single"
HEADER_LEVELS = ["scorer", "bodyparts", "coords"]
_FIX = "pass the <video><scorer>_el.pickle (or _bx/_sk) written by convert_detections2tracklets"


def tracklet_header(scorer: str, bodyparts: list[str]) -> pd.MultiIndex:
    """``scorer x bodyparts x (x, y, likelihood)`` with DLC's level names (bodyparts = multi + unique)."""
    return pd.MultiIndex.from_product([[scorer], list(bodyparts), ["x", "y", "likelihood"]], names=HEADER_LEVELS)


def _as_keypoints(value: Any) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 1:  # flat [x, y, 1, x, y, 1, ...]
        if arr.size % 3:
            raise ValueError(f"flat array of {arr.size} values is not a multiple of 3 (x, y, likelihood)")
        arr = arr.reshape(-1, 3)
    if arr.ndim != 2 or arr.shape[1] not in (3, 4):
        raise ValueError(f"array of shape {arr.shape}; expected (n_bodyparts, 4)")
    if arr.shape[1] == 3:
        arr = np.concatenate([arr, np.full((len(arr), 1), -1.0)], axis=1)
    return arr


def normalise_tracklets(raw: Any, path: str | Path = "<tracklets>") -> dict[Any, Any]:
    """DLC tracklets dict (any version) -> madlc's contract (see module doc)."""
    if not isinstance(raw, dict) or HEADER not in raw:
        found = sorted(map(str, raw))[:6] if isinstance(raw, dict) else type(raw).__name__
        raise file_error(path, f"it holds {found} without a 'header', so it is not a tracklets pickle", _FIX)
    header = raw[HEADER]
    if not isinstance(header, pd.MultiIndex):
        try:
            header = pd.MultiIndex.from_tuples([tuple(t) for t in header], names=HEADER_LEVELS)
        except (TypeError, ValueError) as err:
            raise file_error(path, f"its header is a {type(header).__name__}, not a (scorer, bodyparts, coords) MultiIndex",
                             _FIX) from err
    out: dict[Any, Any] = {HEADER: header}
    ids = []
    for key in raw:
        if key in (HEADER, SINGLE):
            continue
        try:
            ids.append((frame_number(key), key))
        except ValueError:
            raise file_error(path, f"key {key!r} is not a tracklet id", _FIX) from None
    for tid, key in sorted(ids):
        frames = {}
        for fkey, value in raw[key].items():
            try:
                frames[frame_number(fkey)] = _as_keypoints(value)
            except ValueError as err:
                raise file_error(path, f"tracklet {tid}, frame {fkey!r}: {err}", _FIX) from err
        out[tid] = dict(sorted(frames.items()))
    if SINGLE in raw:
        single = {}
        for fkey, value in raw[SINGLE].items():
            arr = np.asarray(value, dtype=np.float64)
            single[frame_number(fkey)] = arr.reshape(-1, 3) if arr.ndim == 1 else arr
        out[SINGLE] = dict(sorted(single.items()))
    return out


def read_tracklets(path: str | Path) -> dict[Any, Any]:
    """Read a tracklet pickle (``_el``/``_bx``/``_sk``) into madlc's contract (see module doc)."""
    path = Path(path)
    return normalise_tracklets(load_pickle(path, "tracklets pickle", _FIX), path)


def write_tracklets(tracklets: dict[Any, Any], path: str | Path, nframes: int | None = None) -> Path:
    """Write tracklets in DLC's current layout (``frameNNN`` keys for tracklets, int keys for ``single``)."""
    from madlc.io.frame_keys import frame_key

    path = Path(path)
    if HEADER not in tracklets:
        raise ValueError(f"{path}: tracklets need a 'header' (see madlc.io.tracklet_header)")
    frames_seen = [frame_number(f) for k, v in tracklets.items() if k not in (HEADER,) for f in v]
    n = nframes if nframes is not None else (max(frames_seen) + 1 if frames_seen else 1)
    header = tracklets[HEADER]
    if not isinstance(header, pd.MultiIndex):
        header = pd.MultiIndex.from_tuples([tuple(t) for t in header], names=HEADER_LEVELS)
    out: dict[Any, Any] = {HEADER: header}
    for key, frames in tracklets.items():
        if key in (HEADER, SINGLE):
            continue
        out[int(frame_number(key))] = {frame_key(frame_number(f), n): np.asarray(v, dtype=np.float64)
                                       for f, v in sorted(frames.items(), key=lambda kv: frame_number(kv[0]))}
    if SINGLE in tracklets:
        out[SINGLE] = {frame_number(f): np.asarray(v, dtype=np.float64)
                       for f, v in sorted(tracklets[SINGLE].items(), key=lambda kv: frame_number(kv[0]))}
    return dump_pickle(out, path)
