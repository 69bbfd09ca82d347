"""Errors a biologist can act on.

Every error madlc raises on bad input is a :class:`MadlcError` (or a subclass)
whose message names the file, the frame or key, what is wrong, and what to do.
"""
from __future__ import annotations

from pathlib import Path


class MadlcError(Exception):
    """Base class of madlc's user-facing errors."""


class ConfigError(MadlcError, ValueError):
    """A config.yaml (or Hydra setting) has a wrong or missing value."""


class FormatError(MadlcError, ValueError):
    """A file is truncated, foreign, or does not match the DeepLabCut format it claims to be."""


class VideoError(MadlcError, OSError):
    """A video is missing, cannot be decoded, or a frame cannot be read."""


def file_error(path: str | Path, what: str, fix: str = "", cls: type[MadlcError] = FormatError) -> MadlcError:
    """Build an error naming the file, what is wrong with it and what to do.

    >>> str(file_error("a.h5", "it has no columns", "re-export the labels"))
    "a.h5: it has no columns. What to do: re-export the labels."
    """
    msg = f"{path}: {what.rstrip('.')}."
    if fix:
        msg += f" What to do: {fix.rstrip('.')}."
    return cls(msg)
