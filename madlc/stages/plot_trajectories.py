"""``plot_trajectories``: DeepLabCut's four diagnostic figures per individual of a project's videos.

The figures (trajectory, x/y over frames, likelihood, histogram of changes) are drawn by
:func:`madlc.viz.trajectories.plot_individual`.
"""
from __future__ import annotations

from pathlib import Path

from madlc.project.config import config_pcutoff
from madlc.project.paths import select_names
from madlc.viz.trajectories import plot_individual


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
    from madlc.io.tracks_array import load_tracks
    from madlc.project.config import load_config
    from madlc.project.discovery import find_tracks_file, list_videos
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
        bodyparts = select_names(displayedbodyparts, tracks.bodyparts)
        for name in select_names(displayedindividuals, tracks.individuals):
            i = tracks.ind(name)
            own = tracks.unique_bodyparts if name == "single" else tracks.multi_bodyparts
            parts = [b for b in bodyparts if b in own]
            keep = [tracks.bpt(b) for b in parts]
            label = name if cfg.get("multianimalproject") else ""  # DeepLabCut: trajectory.png for one animal
            plot_individual(tracks.data[:, i][:, keep], parts, out, suffix + label,
                            pcutoff=config_pcutoff(cfg), colormap=config_colormap(cfg),
                            alphavalue=float(cfg.get("alphavalue", 0.7)), resolution=resolution,
                            linewidth=linewidth, imagetype=imagetype if imagetype.startswith(".") else "." + imagetype)
        folders.append(str(out))
    return folders
