"""Training-dataset pickles: ``<T>_<S><P>shuffle<k>.pickle`` and ``Documentation_data-<T>_<P>shuffle<k>.pickle``.

Semantics (FORMATS.md §4.2, §4.3):

* Training data: a ``list`` with one ``dict`` per TRAIN image that has at least one valid keypoint::

      {"image": ("labeled-data", "vid1", "img0038.png"),   # str path in files older than DLC 2.3
       "size": np.array([3, height, width]),                # channels first, int
       "joints": {individual index: np.ndarray (n_visible, 3) float32 [bodypart index, x, y]}}

  Unique bodyparts live under the key ``len(individuals)`` (the ``single`` slot) with bodypart
  indices continuing after the multi-animal ones. Coordinates are rounded to 2 decimals; points
  that are NaN or outside the open image rectangle are dropped; empty individuals are omitted.
* Documentation: a 4-element ``list`` ``[data, trainIndices, testIndices, trainFraction]``;
  indices are int64 arrays of row positions in the merged, sorted CollectedData, in RANDOM order
  (do not sort them), ``trainFraction`` a float.

In memory, :func:`read_documentation` returns a dict ``{"data", "train_indices", "test_indices",
"train_fraction"}``; :func:`write_documentation` accepts that dict or the 4-element sequence.

Traps: old files store ``image`` as a ``str`` path (possibly with ``\\``): normalised to the
3-tuple; ``trainFraction`` may be a ruamel ``ScalarFloat`` (becomes ``float``). Writers go through
:mod:`madlc.io.compat` so DeepLabCut 3.0.x (numpy 1.26) can load the files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from madlc.errors import file_error
from madlc.io.compat import dump_pickle, load_pickle

_TRAIN_FIX = "re-create it with create_multianimaltraining_dataset"


def _image_tuple(image: Any, path: Path) -> tuple[str, ...]:
    from madlc.io.labels import labels_index

    return labels_index([image], path)[0]


def _normalise_entries(data: Any, path: Path, what: str) -> list[dict[str, Any]]:
    if not isinstance(data, (list, tuple)):
        raise file_error(path, f"it holds a {type(data).__name__}, not a list of images, so it is not a {what}", _TRAIN_FIX)
    out = []
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or not {"image", "size", "joints"} <= set(entry):
            keys = sorted(map(str, entry)) if isinstance(entry, dict) else type(entry).__name__
            raise file_error(path, f"entry {i} has {keys}, not image/size/joints, so this is not a {what}", _TRAIN_FIX)
        joints = {int(k): np.asarray(v).reshape(-1, 3) for k, v in entry["joints"].items()}
        out.append({**entry, "image": _image_tuple(entry["image"], path),
                    "size": np.asarray(entry["size"]), "joints": joints})
    return out


def read_training_data(path: str | Path) -> list[dict[str, Any]]:
    """Read a per-shuffle training-data pickle: list of {image, size, joints} (see module doc)."""
    path = Path(path)
    what = "training-data pickle"
    return _normalise_entries(load_pickle(path, what, _TRAIN_FIX), path, what)


def write_training_data(data: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write a training-data pickle (list of {image tuple, size, joints}) atomically."""
    path = Path(path)
    entries = [{**e, "image": tuple(e["image"]) if not isinstance(e["image"], str) else e["image"],
                "size": np.asarray(e["size"]),
                "joints": {int(k): np.asarray(v) for k, v in e["joints"].items()}} for e in data]
    return dump_pickle(entries, path)


def read_documentation(path: str | Path) -> dict[str, Any]:
    """Read ``Documentation_data-*.pickle`` -> {data, train_indices, test_indices, train_fraction}."""
    path = Path(path)
    what = "Documentation pickle"
    raw = load_pickle(path, what, _TRAIN_FIX)
    if not isinstance(raw, (list, tuple)) or len(raw) != 4:
        found = f"a {len(raw)}-element {type(raw).__name__}" if isinstance(raw, (list, tuple)) else f"a {type(raw).__name__}"
        raise file_error(path, f"it holds {found}, not [data, trainIndices, testIndices, trainFraction]", _TRAIN_FIX)
    data, train, test, fraction = raw
    try:
        return {
            "data": _normalise_entries(data, path, what),
            "train_indices": np.asarray(train, dtype=np.int64).ravel(),
            "test_indices": np.asarray(test, dtype=np.int64).ravel(),
            "train_fraction": float(fraction),
        }
    except (TypeError, ValueError) as err:
        raise file_error(path, f"its indices or train fraction are not numbers ({err})", _TRAIN_FIX) from err


def write_documentation(doc: dict[str, Any] | Sequence[Any], path: str | Path) -> Path:
    """Write ``Documentation_data-*.pickle`` as DLC's list ``[data, trainIndices, testIndices, trainFraction]``."""
    if isinstance(doc, dict):
        data, train, test, fraction = doc["data"], doc["train_indices"], doc["test_indices"], doc["train_fraction"]
    else:
        data, train, test, fraction = doc
    entries = [{**e, "image": tuple(e["image"]) if not isinstance(e["image"], str) else e["image"]} for e in data]
    payload = [entries, np.asarray(train, dtype=np.int64), np.asarray(test, dtype=np.int64), float(fraction)]
    return dump_pickle(payload, path)
