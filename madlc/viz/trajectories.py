"""``plot_trajectories``: DeepLabCut's four diagnostic figures per individual.

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
from typing import Any, Sequence

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


def _selection(requested: Any, available: Sequence[str]) -> list[str]:
    """``'all'`` (or ``['all']``) -> all; else the requested names that exist, in requested order."""
    if requested is None or requested == "all" or list(requested) == ["all"]:
        return list(available)
    names = [requested] if isinstance(requested, str) else list(requested)
    return [n for n in names if n in available]


def plot_trajectories(
    config: str | Path,
    videos: list[str],
    videotype: str = "",
    shuffle: int = 1,
    trainingsetindex: int = 0,
    filtered: bool = False,
    displayedbodyparts: list[str] | str = "all",
    displayedindividuals: list[str] | str = "all",
    showfigures: bool = False,
    destfolder: str | None = None,
    imagetype: str = ".png",
    resolution: int = 100,
    linewidth: float = 1.0,
    track_method: str = "",
) -> list[str]:
    """Plot trajectories, x/y over time, likelihoods and movement histograms per individual.

    Figures go to ``plot-poses/<video stem>/`` beside the tracks (see the module docstring for
    names). ``filtered=True`` plots the ``…_filtered.h5`` of filterpredictions. Returns the
    folders written. ``showfigures`` is accepted for compatibility; figures are only saved.
    """
    from madlc.errors import MadlcError
    from madlc.project.discovery import find_tracks_file, list_videos
    from madlc.io.tracks_array import load_tracks
    from madlc.project.config import load_config
    from madlc.viz.colors import config_colormap

    cfg = load_config(config)
    video_list = list_videos(videos, videotype)
    if not video_list:
        raise MadlcError(f"no videos found in {videos} (videotype={videotype!r}). "
                         "What to do: pass video files, or a folder and the right videotype.")
    suffix = "_filtered" if filtered else ""
    folders = []
    for video in video_list:
        tracks = load_tracks(find_tracks_file(cfg, video, shuffle, trainingsetindex, track_method, filtered, destfolder))
        out = Path(destfolder or Path(video).parent) / "plot-poses" / Path(video).stem
        bodyparts = _selection(displayedbodyparts, tracks.bodyparts)
        for name in _selection(displayedindividuals, tracks.individuals):
            i = tracks.ind(name)
            own = tracks.unique_bodyparts if name == "single" else tracks.multi_bodyparts
            parts = [b for b in bodyparts if b in own]
            keep = [tracks.bpt(b) for b in parts]
            label = name if cfg.get("multianimalproject") else ""  # DeepLabCut: trajectory.png for one animal
            plot_individual(tracks.data[:, i][:, keep], parts, out, suffix + label,
                            pcutoff=float(cfg.get("pcutoff", 0.6)), colormap=config_colormap(cfg),
                            alphavalue=float(cfg.get("alphavalue", 0.7)), resolution=resolution,
                            linewidth=linewidth, imagetype=imagetype if imagetype.startswith(".") else "." + imagetype)
        folders.append(str(out))
    return folders
