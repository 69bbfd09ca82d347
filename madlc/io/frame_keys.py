"""Zero-padded frame names of DeepLabCut's files (``frame0042`` keys, ``img0042.png`` images)."""
from __future__ import annotations

import math


def frame_key_width(nframes: int) -> int:
    """Zero-pad width of ``frame…``/``img…`` names: ``ceil(log10(nframes))`` (0 for one frame)."""
    return int(math.ceil(math.log10(nframes))) if nframes > 0 else 0


def frame_key(index: int, nframes: int) -> str:
    """``frame0042``-style key of a ``_full.pickle``."""
    return "frame" + str(index).zfill(frame_key_width(nframes))
