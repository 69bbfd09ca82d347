"""Atomic file writes: write to a temporary name beside the target, rename when complete.

A crash or Ctrl-C mid-write leaves the previous file intact (and no half-written
file that a later pipeline stage would trust).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it to ``path``.

    The temporary name keeps the target's suffix (pandas/PyTables and OpenCV pick
    formats from it). On an exception the temporary file is removed and the
    target is left untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # writers create the file themselves (PyTables refuses an empty non-HDF5 file)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        if tmp_path.exists():
            tmp_path.unlink()
        raise


def backup(path: str | Path) -> Path | None:
    """Copy ``path`` to ``path.bak`` (keeping the previous backup as ``.bak1``) before it is overwritten."""
    src = Path(path)
    if not src.exists():
        return None
    bak = src.with_name(src.name + ".bak")
    if bak.exists():
        shutil.copy2(bak, src.with_name(src.name + ".bak1"))
    shutil.copy2(src, bak)
    return bak
