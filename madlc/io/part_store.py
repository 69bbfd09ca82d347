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

The final file is written by :func:`stream_pickle_dict`: an ordinary pickle of one dict, built
from separately pickled items (:class:`madlc.io.compat.CompatPickler`, so it loads under
numpy 1.26 / DeepLabCut 3.0); a single pickler's memo would keep every frame in memory.
"""
from __future__ import annotations

import io
import json
import pickle
import re
import shutil
from pathlib import Path
from typing import Any, Iterable, Iterator


from madlc.io.atomic import atomic_path

_PART_RE = re.compile(r"^part-(\d+)-(\d+)\.pickle$")


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


_PROTO3 = b"\x80\x03"
_BATCH = 1000  # items per SETITEMS, like the standard pickler


def _opcodes(obj: Any) -> bytes:
    """``obj`` pickled (protocol 3, CompatPickler) without the PROTO header and the STOP opcode."""
    from madlc.io.compat import CompatPickler

    buf = io.BytesIO()
    CompatPickler(buf, protocol=3).dump(obj)
    data = buf.getvalue()
    if not (data.startswith(_PROTO3) and data.endswith(b".")):
        raise RuntimeError("unexpected pickle framing")  # pragma: no cover - CPython's format
    return data[2:-1]


def stream_pickle_dict(items: Iterator[tuple[Any, Any]], path: str | Path) -> Path:
    """Write the items as one pickled ``dict`` to ``path`` (atomically), one item in memory at a time.

    The file is an ordinary protocol-3 pickle: ``PROTO 3, EMPTY_DICT``, then batches of
    ``MARK key value ... SETITEMS``, then ``STOP``. Each key and value is pickled on its own by the
    C :class:`~madlc.io.compat.CompatPickler` (numpy-1 loadable); protocol 3 numbers memo
    entries explicitly, so each value's memo indices may restart at 0 (later entries overwrite
    earlier ones in the unpickler's memo, and every reference points inside its own value).
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(_PROTO3 + b"}")  # PROTO 3, EMPTY_DICT
            pending = 0
            for key, value in items:
                if pending == 0:
                    fh.write(b"(")  # MARK
                fh.write(_opcodes(key))
                fh.write(_opcodes(value))
                pending += 1
                if pending == _BATCH:
                    fh.write(b"u")  # SETITEMS
                    pending = 0
            if pending:
                fh.write(b"u")
            fh.write(b".")  # STOP
    return Path(path)


def write_streamed_full_pickle(store: PartStore, metadata: dict[str, Any], path: str | Path) -> Path:
    """Stream ``metadata`` and every part's frames into the final ``_full.pickle`` at ``path``."""
    from madlc.io.frame_keys import frame_key

    nframes = int(metadata["nframes"])

    def items() -> Iterator[tuple[str, Any]]:
        yield "metadata", metadata
        for index, frame in store.frames():
            yield frame_key(index, nframes), frame

    return stream_pickle_dict(items(), path)
