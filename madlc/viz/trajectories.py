"""DeepLabCut's four diagnostic figures of one individual (drawn for the ``plot_trajectories`` stage).

For each video, into ``<video folder or destfolder>/plot-poses/<video stem>/``, per individual
``<ind>`` (``<sfx>`` = ``_filtered`` for filtered data, else empty), as DeepLabCut names them:

- ``trajectory<sfx><ind>.png``: x against y (image orientation, y down);
- ``plot<sfx><ind>.png``: x (dashed) and y (solid) over frames;
- ``plot-likelihood<sfx><ind>.png``: likelihood over frames (use it to choose ``pcutoff``);
- ``hist<sfx><ind>.png``: histogram of frame-to-frame changes of x and y.

Points below config.yaml's ``pcutoff`` are left out of all but the likelihood plot. Colours
follow config.yaml's ``colormap``, one per body part. Figures are made with matplotlib's
Agg canvas; no window is opened.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np


def _figure(figsize: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(111)


def plot_individual(
    data: np.ndarray,
    bodyparts: Sequence[str],
    folder: str | Path,
    suffix: str,
    pcutoff: float = 0.6,
    colormap: str = "rainbow",
    alphavalue: float = 0.7,
    resolution: int = 100,
    linewidth: float = 1.0,
    imagetype: str = ".png",
) -> list[Path]:
    """Write the four figures of one individual; ``data (n_frames, n_bodyparts, 3)`` x, y, likelihood.

    File names are ``trajectory``/``plot``/``plot-likelihood``/``hist`` + ``suffix`` + ``imagetype``.
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cmap = colormaps[colormap] if colormap in colormaps else colormaps["rainbow"]
    n = len(bodyparts)
    colors = [cmap(k / max(n - 1, 1)) for k in range(n)]
    fig1, ax1 = _figure((8, 6))
    ax1.set_xlabel("X position in pixels")
    ax1.set_ylabel("Y position in pixels")
    ax1.invert_yaxis()
    fig2, ax2 = _figure((10, 3))
    ax2.set_xlabel("Frame Index")
    ax2.set_ylabel("X-(dashed) and Y- (solid) position in pixels")
    fig3, ax3 = _figure((10, 3))
    ax3.set_xlabel("Frame Index")
    ax3.set_ylabel("Likelihood (use to set pcutoff)")
    fig4, ax4 = _figure((6.4, 4.8))
    ax4.set_ylabel("Count")
    ax4.set_xlabel("DeltaX and DeltaY")
    with np.errstate(invalid="ignore"):
        shown = np.where((data[..., 2:3] >= pcutoff), data[..., :2], np.nan)
        deltas = np.abs(np.diff(shown, axis=0))
    finite = deltas[np.isfinite(deltas)]
    top = float(finite.max()) if finite.size else 1.0
    bins = np.linspace(0, max(top, 1.0), 100)
    frames = np.arange(len(data))
    for b, color in enumerate(colors):
        x, y, like = shown[:, b, 0], shown[:, b, 1], data[:, b, 2]
        ax1.plot(x, y, ".", color=color, alpha=alphavalue)
        ax2.plot(frames, x, "--", color=color, linewidth=linewidth, alpha=alphavalue)
        ax2.plot(frames, y, "-", color=color, linewidth=linewidth, alpha=alphavalue)
        ax3.plot(frames, like, "-", color=color, linewidth=linewidth, alpha=alphavalue)
        for c in (0, 1):
            d = deltas[:, b, c]
            d = d[np.isfinite(d)]
            if d.size:
                ax4.hist(d, bins=bins, color=color, histtype="step", linewidth=linewidth)
    mappable = ScalarMappable(cmap=cmap, norm=Normalize(vmin=0, vmax=max(n - 1, 1)))
    written = []
    for name, fig, ax in (("trajectory", fig1, ax1), ("plot", fig2, ax2), ("plot-likelihood", fig3, ax3),
                          ("hist", fig4, ax4)):
        if n:
            bar = fig.colorbar(mappable, ax=ax, ticks=range(n))
            bar.set_ticklabels(list(bodyparts))
        path = folder / f"{name}{suffix}{imagetype}"
        from madlc.io.atomic import atomic_path

        with atomic_path(path) as tmp:
            fig.savefig(tmp, bbox_inches="tight", dpi=resolution)
        written.append(path)
    return written


