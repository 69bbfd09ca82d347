"""Assemblies ``<video><DLCSCORER>_assemblies.pickle``: detections grouped into animals, per frame.

Semantics (FORMATS.md §7.1). In memory (madlc's contract)::

    {frame (int): np.ndarray (n_animals, n_multibodyparts, 4) float64,   # x, y, likelihood, identity
     "single": {frame (int): np.ndarray (n_unique, 3) float64}}          # only with unique bodyparts

A missing keypoint is a row of NaN (all four values); ``identity`` is the argmax identity of the
detection or ``-1`` without an identity head. Frames without any animal may be absent.

On disk, two producers disagree - the reader normalises both:

* DLC TF: frame -> ``list`` of ``(n_multibodyparts, 4)`` arrays, missing keypoints NaN, frames
  without assemblies absent, keys in arbitrary order.
* DLC 3 PyTorch: frame -> one ``(n_assemblies, n_multibodyparts, 4)`` array, missing keypoints
  encoded ``-1`` (only ``likelihood < 0`` is reliable: rescaling moves padded x, y), every frame present.
* Keys may be numpy ints or ``"frame012"`` strings; ``single`` arrays may be ``(3,)`` for one part.

The writer emits the TF layout (lists of float64 arrays, empty frames omitted): iterating a frame
yields the same per-animal arrays as the PyTorch layout, so DLC 2.x and 3.0 both consume it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from madlc.errors import file_error
from madlc.io.compat import dump_pickle, load_pickle

SINGLE = "single"
_DIGITS = re.compile(r"\d+")
_FIX = "pass the <video><scorer>_assemblies.pickle written by analyze_videos/assemble"


def frame_number(key: Any) -> int:
    """Frame index of a pickle key: ints as is, ``"frame012"`` -> 12 (first digit run)."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return int(key)
    m = _DIGITS.search(str(key))
    if m is None:
        raise ValueError(f"key {key!r} is not a frame number")
    return int(m.group())


def _missing_to_nan(arr: np.ndarray, score_col: int = 2) -> np.ndarray:
    """Rows with a negative score (DLC 3's -1 padding) become all-NaN."""
    bad = arr[..., score_col] < 0
    if bad.any():
        arr = arr.copy()
        arr[bad] = np.nan
    return arr


def _as_frame_array(value: Any, n_parts: int | None) -> np.ndarray:
    if isinstance(value, np.ndarray) and value.ndim == 3:
        arr = value.astype(np.float64)
    else:
        items = [np.asarray(a, dtype=np.float64) for a in (value if isinstance(value, (list, tuple)) else [value])]
        if not items:
            return np.zeros((0, n_parts or 0, 4))
        arr = np.stack(items)
    if arr.ndim == 2:  # one assembly stored bare
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[-1] not in (3, 4):
        raise ValueError(f"assembly array of shape {arr.shape}; expected (n_animals, n_bodyparts, 4)")
    if arr.shape[-1] == 3:  # no identity column
        arr = np.concatenate([arr, np.full(arr.shape[:2] + (1,), -1.0)], axis=-1)
    return _missing_to_nan(arr)


def normalise_assemblies(raw: dict[Any, Any], path: str | Path = "<assemblies>") -> dict[Any, Any]:
    """DLC TF / PyTorch assemblies dict -> madlc's contract (see module doc)."""
    if not isinstance(raw, dict):
        raise file_error(path, f"it holds a {type(raw).__name__}, not a dict of frames, so it is not an assemblies pickle", _FIX)
    out: dict[Any, Any] = {}
    n_parts = None
    frames = []
    for key, value in raw.items():
        if key == SINGLE:
            continue
        try:
            frames.append((frame_number(key), value))
        except ValueError:
            raise file_error(path, f"key {key!r} is neither a frame number nor 'single', so this is not an assemblies pickle",
                             _FIX) from None
    for frame, value in sorted(frames, key=lambda kv: kv[0]):
        try:
            arr = _as_frame_array(value, n_parts)
        except (ValueError, TypeError) as err:
            raise file_error(path, f"frame {frame}: {err}", _FIX) from err
        if len(arr):
            n_parts = arr.shape[1]
        out[frame] = arr
    if n_parts is not None:  # fix the width of empty frames seen before the first assembly
        for frame, arr in out.items():
            if len(arr) == 0 and arr.shape[1] != n_parts:
                out[frame] = np.zeros((0, n_parts, 4))
    if SINGLE in raw:
        single = {}
        for key, value in raw[SINGLE].items():
            arr = np.asarray(value, dtype=np.float64)
            if arr.ndim == 1:
                arr = arr.reshape(-1, 3)
            if arr.ndim != 2 or arr.shape[1] < 3:
                raise file_error(path, f"single[{key!r}] has shape {arr.shape}; expected (n_unique, 3)", _FIX)
            single[frame_number(key)] = _missing_to_nan(arr[:, :3])
        out[SINGLE] = dict(sorted(single.items()))
    return out


def read_assemblies(path: str | Path) -> dict[Any, Any]:
    """Read an ``_assemblies.pickle`` (DLC TF, DLC 3 or madlc) into madlc's contract (see module doc)."""
    path = Path(path)
    return normalise_assemblies(load_pickle(path, "assemblies pickle", _FIX), path)


def write_assemblies(assemblies: dict[Any, Any], path: str | Path) -> Path:
    """Write assemblies (contract dict) in DLC's TF layout: frame -> list of (n_bodyparts, 4) float64."""
    out: dict[Any, Any] = {}
    for key, value in assemblies.items():
        if key == SINGLE:
            continue
        arr = _as_frame_array(value, None)
        if len(arr):
            out[frame_number(key)] = [np.ascontiguousarray(a) for a in arr]
    if SINGLE in assemblies:
        out[SINGLE] = {frame_number(k): np.asarray(v, dtype=np.float64).reshape(-1, 3)
                       for k, v in assemblies[SINGLE].items()}
    return dump_pickle(out, path)
