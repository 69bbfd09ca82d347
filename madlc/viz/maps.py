"""Figures of a network's maps over an image: score maps, location refinement, PAFs (``extract_save_all_maps``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np


def _figure(image: np.ndarray, title: str):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    h, w = image.shape[:2]
    fig, ax = plt.subplots(figsize=(max(3.0, 5.0 * w / max(h, w)), max(3.0, 5.0 * h / max(h, w))), dpi=100)
    ax.imshow(image)
    ax.set_title(title, fontsize=8)
    ax.set_axis_off()
    return fig, ax


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    from madlc.io.atomic import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, bbox_inches="tight")
    plt.close(fig)


def _cell_grid(h: int, w: int, stride: float) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.arange(w) * stride + stride / 2, np.arange(h) * stride + stride / 2)


def save_maps_figures(image: np.ndarray, maps: dict[str, np.ndarray], names: Sequence[str], graph: Sequence[Sequence[int]],
                      stride: float, prefix: Path, labels: np.ndarray | None = None, parts: Sequence[int] | None = None,
                      extract_paf: bool = True, all_paf_in_one: bool = True) -> list[Path]:
    """Write the figures of one image (module docstring) and return their paths.

    ``maps``: ``heatmap (J, h, w)``, ``locref (2J, h, w)`` in pixels, optional ``paf (2E, h, w)``;
    ``labels``: ``(n_animals, J, 2)`` human labels (NaN = absent) drawn as crosses.
    """
    import matplotlib.pyplot as plt

    H, W = image.shape[:2]
    heat = maps["heatmap"]
    J, h, w = heat.shape
    extent = (0, w * stride, h * stride, 0)
    gx, gy = _cell_grid(h, w, stride)
    parts = range(J) if parts is None else parts
    written = []

    def crosses(ax, j):
        if labels is not None and j < labels.shape[1]:
            pts = labels[:, j]
            pts = pts[np.isfinite(pts).all(1)]
            ax.scatter(pts[:, 0], pts[:, 1], marker="x", c="white", s=30, linewidths=1.5)
        ax.set_xlim(0, W)
        ax.set_ylim(H, 0)

    for j in parts:
        fig, ax = _figure(image, f"score map: {names[j]}")
        im = ax.imshow(heat[j], extent=extent, alpha=0.6, cmap="jet", vmin=0, vmax=1)
        fig.colorbar(im, ax=ax, fraction=0.04)
        crosses(ax, j)
        written.append(prefix.with_name(f"{prefix.name}_scmap_{names[j]}.png"))
        _save(fig, written[-1])
        if maps.get("locref") is not None:
            fig, ax = _figure(image, f"location refinement: {names[j]}")
            mask = heat[j] > max(0.1 * float(heat[j].max()), 0.05)
            dx, dy = maps["locref"][2 * j], maps["locref"][2 * j + 1]
            ax.quiver(gx[mask], gy[mask], dx[mask], dy[mask], color="yellow", angles="xy", scale_units="xy", scale=1)
            crosses(ax, j)
            written.append(prefix.with_name(f"{prefix.name}_locref_{names[j]}.png"))
            _save(fig, written[-1])
    paf = maps.get("paf")
    if paf is not None and len(graph) and (extract_paf or all_paf_in_one):
        colors = plt.get_cmap("tab10")
        combined = _figure(image, "part affinity fields") if all_paf_in_one else None
        for e, (s, t) in enumerate(graph):
            u, v = paf[2 * e], paf[2 * e + 1]
            mask = np.hypot(u, v) > 0.1
            targets = []
            if extract_paf:
                fig, ax = _figure(image, f"PAF {names[s]} - {names[t]}")
                targets.append(ax)
            if combined is not None:
                targets.append(combined[1])
            for ax in targets:
                ax.quiver(gx[mask], gy[mask], u[mask], -v[mask], color=colors(e % 10), angles="uv", scale=25,
                          width=0.004)
                ax.set_xlim(0, W)
                ax.set_ylim(H, 0)
            if extract_paf:
                written.append(prefix.with_name(f"{prefix.name}_paf_{names[s]}_{names[t]}.png"))
                _save(fig, written[-1])
        if combined is not None:
            written.append(prefix.with_name(f"{prefix.name}_paf_all.png"))
            _save(combined[0], written[-1])
    return written
