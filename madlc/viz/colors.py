"""Colours shared by madlc's figures and videos (config.yaml ``colormap``, ``skeleton_color``).

Colours are RGB tuples of ints 0..255 (for drawing on RGB frames) unless a function says
otherwise; :func:`to_unit` converts them for matplotlib.
"""
from __future__ import annotations

from typing import Any, Sequence

DEFAULT_COLORMAP = "rainbow"

_NAMED = {
    "black": (0, 0, 0), "white": (255, 255, 255), "red": (255, 0, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "yellow": (255, 255, 0), "cyan": (0, 255, 255), "magenta": (255, 0, 255),
    "gray": (128, 128, 128), "grey": (128, 128, 128), "orange": (255, 165, 0),
}


def colormap_colors(n: int, name: str | None = DEFAULT_COLORMAP) -> list[tuple[int, int, int]]:
    """``n`` distinct RGB colours sampled evenly from a matplotlib colormap (unknown name: rainbow)."""
    if n <= 0:
        return []
    from matplotlib import colormaps

    try:
        cmap = colormaps[name or DEFAULT_COLORMAP]
    except KeyError:
        cmap = colormaps[DEFAULT_COLORMAP]
    positions = [0.5] if n == 1 else [k / (n - 1) for k in range(n)]
    return [tuple(int(round(255 * c)) for c in cmap(p)[:3]) for p in positions]  # type: ignore[misc]


def config_colormap(cfg: dict[str, Any]) -> str:
    """config.yaml's ``colormap`` if matplotlib knows it, else the default."""
    from matplotlib import colormaps

    name = str(cfg.get("colormap") or DEFAULT_COLORMAP)
    return name if name in colormaps else DEFAULT_COLORMAP


def named_color(value: Any, default: tuple[int, int, int] = (0, 0, 0)) -> tuple[int, int, int]:
    """An RGB colour from a name (``black``), a hex string (``#ff0000``) or a 3-sequence (0..1 or 0..255)."""
    if isinstance(value, str):
        v = value.strip().lower()
        if v in _NAMED:
            return _NAMED[v]
        try:
            from matplotlib.colors import to_rgb

            return tuple(int(round(255 * c)) for c in to_rgb(v))  # type: ignore[return-value]
        except ValueError:
            return default
    if isinstance(value, Sequence) and len(value) >= 3:
        vals = [float(c) for c in value[:3]]
        scale = 255 if max(vals) <= 1 else 1
        return tuple(int(round(c * scale)) for c in vals)  # type: ignore[return-value]
    return default


def to_unit(color: Sequence[int]) -> tuple[float, float, float]:
    """RGB 0..255 -> matplotlib's 0..1."""
    return tuple(c / 255.0 for c in color[:3])  # type: ignore[return-value]


