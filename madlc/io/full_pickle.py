"""Raw detections ``<video><DLCSCORER>_full.pickle``, ``_meta.pickle`` and TF evaluation pickles.

Semantics (FORMATS.md §6.1, §6.2, §8.2):

* ``_full.pickle``: a ``dict`` with ``"metadata"`` (``nms radius``, ``minimal confidence``, ``sigma``,
  ``PAFgraph`` = list of ``[i, j]`` edges, ``PAFinds`` = edge indices in use, ``all_joints``,
  ``all_joints_names`` = multi + unique bodyparts, ``nframes``, optionally ``key_str_width``) and one
  key per frame ``"frame" + str(i).zfill(W)`` with ``W = ceil(log10(nframes))``. madlc writes the TF
  layout (raw detections before assembly)::

      {"coordinates": ([arr (n_j, 2) per bodypart],),   # a 1-tuple holding a list
       "confidence": [arr (n_j, 1) per bodypart],
       "costs": {edge index: {"m1": (n_src, n_dst), "distance": (n_src, n_dst)}} or None,
       "identity": [arr (n_j, n_individuals)]}         # only with an identity head

  DLC 3 (PyTorch) writes already-assembled arrays with ``-1`` for missing; readers of the detections
  must treat score < 0 as missing.
* ``_meta.pickle``: ``{"data": {"Scorer": ..., "nframes": ..., "fps": ..., ...}}``.
* TF evaluation ``<scorer>-<snapshot>_full.pickle``: ``"metadata"`` + one key per labeled IMAGE
  (the CollectedData index entry, a string path in old files) -> ``{"index": row, "prediction":
  <frame dict above + "groundtruth_costs">, "groundtruth": [identities, coordinates, GT Series]}``.

Traps:

* Frame keys may be missing (TF skips frames without any detection; trimmed files exist) - use
  :func:`get_frame` (returns ``None``) rather than indexing; the key width comes from
  ``metadata["key_str_width"]`` or the first frame key, not from ``nframes`` alone.
* With ``use_shelve=True`` DLC writes a ``shelve`` database under the ``.pickle`` name (with
  ``dbm.dumb`` it is ``<name>.dat`` + ``<name>.dir``): the reader falls back to ``shelve``.
* A meta pickle's ``trainFraction`` may be a ruamel ``ScalarFloat`` (needs ``ruamel.yaml``).
* Writers go through :mod:`madlc.io.compat` (loads under numpy 1.26 / pandas 2.2).
"""
from __future__ import annotations

import re
import shelve
from pathlib import Path
from typing import Any

from madlc.errors import FormatError, file_error
from madlc.io.compat import DictStreamWriter, dump_pickle, load_pickle

_FRAME_RE = re.compile(r"^frame(\d+)$")
_FULL_FIX = "pass the <video><scorer>_full.pickle written by analyze_videos (DeepLabCut or madlc)"


def _open_shelve(path: Path) -> dict[str, Any] | None:
    """The contents of DLC's ``use_shelve`` variant (a dbm database under the .pickle name), or None."""
    if not any(Path(str(path) + ext).exists() for ext in ("", ".dat", ".db")):
        return None
    try:
        with shelve.open(str(path), flag="r") as db:
            return {key: db[key] for key in db.keys()}
    except Exception:  # dbm raises module-specific errors; any failure = not a shelve
        return None


def read_full_pickle(path: str | Path) -> dict[str, Any]:
    """Read a ``_full.pickle`` (plain pickle or DLC's shelve variant): ``metadata`` + frame keys."""
    path = Path(path)
    what = "detections file (_full.pickle)"
    try:
        data = load_pickle(path, what, fix=_FULL_FIX)
    except FormatError:
        data = _open_shelve(path)
        if data is None:
            raise
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        found = sorted(map(str, data))[:6] if isinstance(data, dict) else type(data).__name__
        raise file_error(path, f"it holds {found} but no 'metadata' dict, so it is not a _full.pickle", _FULL_FIX)
    return data


def write_full_pickle(data: dict[str, Any], path: str | Path) -> Path:
    """Write a ``_full.pickle`` dict (``metadata`` + ``frameNNN`` keys) atomically, DLC-3.0-loadable."""
    path = Path(path)
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        raise ValueError(f"{path}: a _full.pickle needs a dict with a 'metadata' dict")
    return dump_pickle(data, path)


class FullPickleWriter:
    """Stream per-frame detections into a ``_full.pickle``: memory does not grow with video length.

    ``metadata`` must give ``nframes`` (or ``key_str_width``) so that int frame indices become DLC's
    ``frameNNN`` keys; it is written when the writer closes (as the last key), after any
    :meth:`update_metadata` (e.g. the true frame count). The result is a plain pickle of the same
    dict :func:`write_full_pickle` would write (loadable by DeepLabCut 3.0.x)::

        with FullPickleWriter(path, {"nframes": n, "all_joints_names": [...], ...}) as out:
            for i, frame in enumerate(detections):
                out.add(i, frame)
    """

    def __init__(self, path: str | Path, metadata: dict[str, Any]):
        self.metadata = dict(metadata)
        self._stream = DictStreamWriter(path)
        self.path = self._stream.path
        self.n_added = 0

    def _key(self, index: int | str) -> str:
        if isinstance(index, str):
            return index
        width = self.metadata.get("key_str_width")
        if width is None:
            from madlc.io.frame_keys import frame_key_width as width_of

            if self.metadata.get("nframes") is None:
                raise ValueError("FullPickleWriter needs metadata['nframes'] or ['key_str_width'] to name frames")
            width = width_of(int(self.metadata["nframes"]))
        return "frame" + str(int(index)).zfill(int(width))

    def add(self, index: int | str, frame: dict[str, Any]) -> None:
        """Write the detections of frame ``index`` (an int, or a ready ``frameNNN`` key)."""
        self._stream.add(self._key(index), frame)
        self.n_added += 1

    def update_metadata(self, **values: Any) -> None:
        self.metadata.update(values)

    def close(self) -> Path:
        if not self._stream.closed:
            self._stream.add("metadata", self.metadata)
        return self._stream.close()

    def __enter__(self) -> "FullPickleWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc is None:
            self.close()
        else:
            self._stream.abort(exc)


def frame_key_width(data: dict[str, Any]) -> int:
    """Zero-pad width of the frame keys: ``metadata['key_str_width']``, else the first key, else from nframes."""
    meta = data.get("metadata", {})
    if meta.get("key_str_width") is not None:
        return int(meta["key_str_width"])
    for key in data:
        m = _FRAME_RE.match(str(key))
        if m:
            return len(m.group(1))
    nframes = int(meta.get("nframes") or 0)
    from madlc.io.frame_keys import frame_key_width as width_of

    return width_of(nframes)


def frame_indices(data: dict[str, Any]) -> list[int]:
    """Sorted frame numbers present in a ``_full.pickle`` dict (missing frames are simply absent)."""
    return sorted(int(m.group(1)) for m in (_FRAME_RE.match(str(k)) for k in data) if m)


def get_frame(data: dict[str, Any], index: int, width: int | None = None) -> dict[str, Any] | None:
    """The per-frame dict of frame ``index``, or ``None`` if the file has no key for it."""
    width = frame_key_width(data) if width is None else width
    frame = data.get("frame" + str(index).zfill(width))
    if frame is None:  # keys of another width (hand-made files)
        for key in (f"frame{index}", index):
            if key in data:
                return data[key]
    return frame


def read_meta_pickle(path: str | Path) -> dict[str, Any]:
    """Read a ``_meta.pickle``: ``{"data": {...}}``."""
    path = Path(path)
    what = "metadata file (_meta.pickle)"
    data = load_pickle(path, what)
    if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        found = sorted(map(str, data))[:6] if isinstance(data, dict) else type(data).__name__
        raise file_error(path, f"it holds {found}, not {{'data': {{...}}}}, so it is not a _meta.pickle",
                         "pass the <video><scorer>_meta.pickle written next to the _full.pickle")
    return data


def write_meta_pickle(meta: dict[str, Any], path: str | Path) -> Path:
    """Write a ``_meta.pickle``; a dict without a ``"data"`` key is wrapped as ``{"data": meta}``."""
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: a _meta.pickle needs a dict")
    if not isinstance(meta.get("data"), dict):
        meta = {"data": meta}
    return dump_pickle(meta, path)


def read_evaluation_pickle(path: str | Path) -> dict[Any, Any]:
    """Read a TF evaluation ``_full.pickle``: ``metadata`` + image -> {index, prediction, groundtruth}.

    Image keys are normalised to ``("labeled-data", video, image)`` tuples; file order is kept.
    """
    from madlc.io.labels import labels_index

    path = Path(path)
    what = "evaluation pickle"
    data = load_pickle(path, what)
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        raise file_error(path, "it has no 'metadata' dict, so it is not an evaluation _full.pickle",
                         "pass the evaluation-results/.../<scorer>-<snapshot>_full.pickle")
    out: dict[Any, Any] = {"metadata": data["metadata"]}
    images = [k for k in data if k != "metadata"]
    for key, tup in zip(images, labels_index(images, path)):
        entry = data[key]
        if not isinstance(entry, dict) or "prediction" not in entry:
            raise file_error(path, f"image {key!r} has no 'prediction', so it is not an evaluation pickle",
                             "pass the evaluation-results/.../<scorer>-<snapshot>_full.pickle")
        out[tup] = entry
    return out


def write_evaluation_pickle(data: dict[Any, Any], path: str | Path) -> Path:
    """Write an evaluation ``_full.pickle`` dict (``metadata`` + image keys) atomically."""
    if not isinstance(data, dict) or "metadata" not in data:
        raise ValueError(f"{path}: an evaluation pickle needs a dict with 'metadata'")
    return dump_pickle(data, path)
