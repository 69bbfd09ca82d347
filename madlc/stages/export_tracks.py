"""``export_tracks``: a project's final tracks in other tools' formats (the pipeline's ``export`` target).

For each video, the stitched tracks ``<stem><DLCSCORER>_<tr>.h5`` (or the filtered ones) are
written beside it as ``<same name>.nwb`` / ``.slp`` / ``.analysis.h5`` (``pipeline.export``
in the Hydra settings lists the formats; default ``[nwb, slp]``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from madlc.errors import ConfigError

SUFFIXES = {"nwb": ".nwb", "slp": ".slp", "analysis": ".analysis.h5"}


def export_tracks(config: str, videos: list[str], formats: Sequence[str] | None = None, videotype: str = "mp4",
                  shuffle: int = 1, trainingsetindex: int = 0, track_method: str = "", filtered: bool = False,
                  destfolder: str | None = None, overwrite: bool = False, overrides: Sequence[str] = ()) -> list[str]:
    """Write the final tracks of ``videos`` as NWB / SLEAP .slp / SLEAP analysis .h5 beside the tracks .h5.

    ``formats`` default to the setting ``pipeline.export`` (``[nwb, slp]``). The skeleton comes
    from config.yaml; NWB metadata: experimenter = the project's scorer. Returns the files written.
    """
    from madlc.io.sleap_formats import pose_from_tracks
    from madlc.io.tracks import read_tracks
    from madlc.project.discovery import find_tracks_file, list_videos
    from madlc.project.config import load_config
    from madlc.stages.convert import _video_facts, write_pose

    cfg = load_config(config)
    if formats is None:
        from madlc.config import compose, to_dict

        formats = (to_dict(compose(config, overrides)).get("pipeline") or {}).get("export") or ["nwb", "slp"]
    formats = [formats] if isinstance(formats, str) else list(formats)
    unknown = [f for f in formats if f not in SUFFIXES]
    if unknown:
        raise ConfigError(f"pipeline.export: unknown formats {unknown}. What to do: use some of {list(SUFFIXES)}.")
    edges = [tuple(map(str, e)) for e in cfg.get("skeleton") or []]
    written = []
    for video in list_videos(videos, videotype):
        tracks = find_tracks_file(cfg, video, shuffle, trainingsetindex, track_method, filtered, destfolder)
        pose = pose_from_tracks(read_tracks(tracks), video=str(Path(video).resolve()), edges=edges)
        pose, dims = _video_facts(pose, str(video) if Path(video).exists() else None, None)
        for fmt in formats:
            out = Path(str(tracks)[: -len(".h5")] + SUFFIXES[fmt])
            if out.exists() and not overwrite:
                written.append(str(out))
                continue
            meta = dict(fps=pose.fps, experimenter=str(cfg.get("scorer") or "") or None,
                        session_description=f"{cfg['Task']}: tracks of {Path(video).name} ({pose.scorer})")
            write_pose(pose, out, fmt, dims, meta if fmt == "nwb" else None)
            written.append(str(out))
    return written
