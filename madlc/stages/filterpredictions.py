"""``filterpredictions``: smooth a video's tracks over time -> ``<tracks stem>_filtered.h5``.

The filters (median, ARIMA, spline) are :mod:`madlc.core.filters`. Output: ``<input stem>_filtered.h5``
(key ``df_with_missing``, table) beside the tracks file, with the same columns and index, plus
``.csv`` when ``save_as_csv``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from madlc.core.filters import filter_array
from madlc.stages._settings import filter_settings


def filterpredictions(
    config: str | Path,
    videos: list[str],
    videotype: str = "",
    shuffle: int = 1,
    trainingsetindex: int = 0,
    filtertype: str | None = None,
    windowlength: int | None = None,
    p_bound: float | None = None,
    ARdegree: int | None = None,
    MAdegree: int | None = None,
    alpha: float | None = None,
    save_as_csv: bool = True,
    destfolder: str | None = None,
    track_method: str = "",
    overrides: Sequence[str] = (),
) -> list[str]:
    """Smooth the tracks of videos over time and write ``…_filtered.h5`` (+ csv) beside them.

    ``filtertype`` is ``median`` (default), ``arima`` or ``spline``; unset arguments come from
    the ``filter`` settings (``madlc/configs/filter/default.yaml``; Hydra overrides such as
    ``filter.windowlength=7``). Points with likelihood below ``p_bound`` are treated as missing.
    Returns the paths written.
    """
    from tqdm import tqdm

    from madlc.project.discovery import find_tracks_file, list_videos
    from madlc.io.tracks_array import load_tracks, save_tracks
    from madlc.project.config import load_config

    cfg = load_config(config)
    s = filter_settings(config, overrides, filtertype=filtertype, windowlength=windowlength, p_bound=p_bound,
                        ARdegree=ARdegree, MAdegree=MAdegree, alpha=alpha)
    written = []
    for video in tqdm(list_videos(videos, videotype), desc="filterpredictions", unit="video"):
        source = find_tracks_file(cfg, video, shuffle, trainingsetindex, track_method, False, destfolder)
        tracks = load_tracks(source)
        tracks.data = filter_array(tracks.data, s.get("filtertype", "median"), int(s.get("windowlength", 5)),
                                   float(s.get("p_bound", 0.001)), int(s.get("ARdegree", 3)),
                                   int(s.get("MAdegree", 1)), float(s.get("alpha", 0.01)), progress=True)
        target = source.with_name(source.stem + "_filtered.h5")
        save_tracks(tracks, target, save_as_csv)
        written.append(str(target))
    return written
