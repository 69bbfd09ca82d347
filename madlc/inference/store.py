"""Streaming video-analysis results to disk: part files, resume, and the final ``_full.pickle``.

While a video is analysed, detections are written in chunks of frames to a folder beside
the output, ``<stem><scorer>_full.pickle.parts/``:

* ``manifest.json``: what the parts belong to (scorer, video size and frame count, settings);
  parts from a different run configuration are discarded, never mixed.
* ``part-<start>-<stop>.pickle``: ``{"start", "stop", "frames": {index: frame dict},
  "missing": [indices]}`` for frames ``start <= i < stop``; written atomically, so a part
  that exists is complete.

An interrupted analysis restarts from the first frame not covered by a part. When every
frame is covered, :func:`write_streamed_full_pickle` streams the parts into the final
``_full.pickle`` (one ``dict``, DeepLabCut's layout) without holding more than one part in
memory, and the parts folder is removed.

The streaming pickler is :class:`madlc.io.compat.CompatPickler`'s reduction rules (files load
under numpy 1.26 / DeepLabCut 3.0) on Python's pure pickler, memoising only classes and
dtypes (a memo of every frame object would keep the whole file in memory).
"""
from __future__ import annotations

import json
import pickle
import re
import shutil
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from madlc.io.atomic import atomic_path

_PART_RE = re.compile(r"^part-(\d+)-(\d+)\.pickle$")
_BUILTINS = (dict, list, tuple, str, int, float, bool, type(None))


def parts_folder(full_pickle: str | Path) -> Path:
    """``<stem><scorer>_full.pickle.parts`` beside the final file."""
    full_pickle = Path(full_pickle)
    return full_pickle.with_name(full_pickle.name + ".parts")


class PartStore:
    """The part files of one video's analysis (see module docstring)."""

    def __init__(self, full_pickle: str | Path, signature: dict[str, Any]):
        self.folder = parts_folder(full_pickle)
        self.signature = json.loads(json.dumps(signature, default=str))
        manifest = self.folder / "manifest.json"
        if self.folder.exists():
            try:
                old = json.loads(manifest.read_text())
            except (OSError, ValueError):
                old = None
            if old != self.signature:
                shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        if not manifest.exists():
            with atomic_path(manifest) as tmp:
                tmp.write_text(json.dumps(self.signature, indent=1, sort_keys=True))

    def parts(self) -> list[tuple[int, int, Path]]:
        """Complete parts as ``(start, stop, path)``, sorted by start."""
        found = []
        for f in self.folder.glob("part-*.pickle"):
            m = _PART_RE.match(f.name)
            if m:
                found.append((int(m.group(1)), int(m.group(2)), f))
        return sorted(found)

    def done(self) -> list[tuple[int, int]]:
        return [(a, b) for a, b, _ in self.parts()]

    def todo(self, nframes: int) -> list[tuple[int, int]]:
        """Frame ranges ``[start, stop)`` below ``nframes`` not covered by a part."""
        out, pos = [], 0
        for a, b in self.done():
            if a > pos:
                out.append((pos, min(a, nframes)))
            pos = max(pos, b)
        if pos < nframes:
            out.append((pos, nframes))
        return [(a, b) for a, b in out if b > a]

    def write(self, start: int, stop: int, frames: dict[int, dict[str, Any]], missing: Iterable[int] = ()) -> Path:
        """Write the part of frames ``start <= i < stop`` atomically."""
        path = self.folder / f"part-{start:09d}-{stop:09d}.pickle"
        data = {"start": int(start), "stop": int(stop), "frames": frames, "missing": sorted(map(int, missing))}
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    def read(self, path: Path) -> dict[str, Any]:
        with open(path, "rb") as fh:
            return pickle.load(fh)

    def frames(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(index, frame dict)`` over all parts in frame order, one part in memory at a time."""
        for _, _, path in self.parts():
            part = self.read(path)
            for index in sorted(part["frames"]):
                yield index, part["frames"][index]

    def missing(self) -> list[int]:
        out: list[int] = []
        for _, _, path in self.parts():
            out += self.read(path)["missing"]
        return out

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class _LazyDict:
    """Pickles as a plain ``dict`` built from an iterator of items (written in batches)."""

    def __init__(self, items: Iterator[tuple[Any, Any]]):
        self._items = items

    def __reduce__(self):
        return (dict, (), None, None, self._items)


class _StreamPickler(pickle._Pickler):  # type: ignore[name-defined]
    """Pure-Python pickler with CompatPickler's reductions and a memo of classes/dtypes only."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) in _BUILTINS:
            return NotImplemented
        from madlc.io.compat import CompatPickler

        return CompatPickler.reducer_override(self, obj)  # type: ignore[arg-type]

    def _reduce_pandas(self, obj: Any) -> Any:  # used by CompatPickler.reducer_override
        from madlc.io.compat import CompatPickler

        return CompatPickler._reduce_pandas(obj)

    def memoize(self, obj: Any) -> None:
        if isinstance(obj, (type, np.dtype)) or callable(obj):
            super().memoize(obj)


def stream_pickle_dict(items: Iterator[tuple[Any, Any]], path: str | Path) -> Path:
    """Write the items as one pickled ``dict`` to ``path`` (atomically), streaming them."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            _StreamPickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(_LazyDict(items))
    return Path(path)


def write_streamed_full_pickle(store: PartStore, metadata: dict[str, Any], path: str | Path) -> Path:
    """Stream ``metadata`` and every part's frames into the final ``_full.pickle`` at ``path``."""
    from madlc.project.paths import frame_key

    nframes = int(metadata["nframes"])

    def items() -> Iterator[tuple[str, Any]]:
        yield "metadata", metadata
        for index, frame in store.frames():
            yield frame_key(index, nframes), frame

    return stream_pickle_dict(items(), path)
