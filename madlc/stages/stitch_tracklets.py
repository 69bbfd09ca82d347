"""``stitch_tracklets``: stitch a project's tracklets into tracks (DeepLabCut's names)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from madlc.errors import MadlcError, file_error
from madlc.project.discovery import inference_cfg_file
from madlc.stages._settings import stage_settings
from madlc.stages.stitch import _stitch_data, explicit_arguments


def stitch_tracklets(config: str, videos: list[str], videotype: str = "mp4", shuffle: int = 1,
                     trainingsetindex: int = 0, track_method: str = "", n_tracks: int | None = None,
                     min_length: int | None = None, split_tracklets: bool | None = None,
                     prestitch_residuals: bool | None = None, max_gap: int | None = None,
                     weight_func: Callable | None = None, output_name: str = "", save_as_csv: bool | None = None,
                     destfolder: str | None = None, overrides: Sequence[str] = (),
                     settings: Mapping[str, Any] | None = None) -> list[str]:
    """Stitch the tracklets of analysed videos into complete tracks (the tracks .h5).

    ``track_method`` empty: config.yaml's ``default_track_method`` (DeepLabCut's rule).
    ``n_tracks`` defaults to the number of individuals in config.yaml; when it differs,
    tracks are named ind1...indN. Tracklets are linked by a min-cost flow on motion,
    shape, gap and identity; hard inputs fall back to a best partial solution (logged).
    ``output_name`` replaces the default ``<video><scorer>_<tr>.h5`` name. ``min_length``,
    ``split_tracklets``, ``prestitch_residuals``, ``max_gap`` and ``save_as_csv`` left at None take
    the ``tracking`` settings, resolved once (defaults < the model's inference_cfg.yaml as madlc
    wrote it < the project's madlc.yaml < a hand-edited inference_cfg.yaml < ``overrides``) or given
    ready in ``settings``. Each video's tracking-quality summary (frames with all animals, tracklets
    per track, candidate swaps and their frames) is printed and written as ``<tracks>_quality.json``.
    Returns the files.
    """
    from madlc.io import read_tracklets
    from madlc.project.discovery import find_analysis_file, list_videos, resolve_track_method, tracker_suffixes
    from madlc.project.config import load_config
    from madlc.project.paths import individuals

    cfg = load_config(config)
    method = resolve_track_method(cfg, track_method) or "ellipse"
    animals = individuals(cfg)
    inference_cfg = inference_cfg_file(cfg, shuffle, trainingsetindex)
    resolved = stage_settings("stitch", config, overrides, settings, dlc_files=[inference_cfg] if inference_cfg else [])
    tracking = explicit_arguments(resolved["tracking"], min_length=min_length, split_tracklets=split_tracklets,
                                  prestitch_residuals=prestitch_residuals, max_gap=max_gap, save_as_csv=save_as_csv)
    outputs = []
    for video in list_videos(videos, videotype):
        suffixes = tracker_suffixes(method)
        found = [f for f in (find_analysis_file(cfg, video, shuffle, trainingsetindex, f"{sfx}.pickle", destfolder)
                             for sfx in suffixes) if f is not None]
        src = Path(max(found, key=lambda f: Path(f).stat().st_mtime)) if found else None
        if src is None:
            raise file_error(video, f"no {'/'.join(suffixes)}.pickle tracklets found for this video",
                             f"run convert_detections2tracklets(track_method={method!r}) first", MadlcError)
        n = n_tracks if n_tracks is not None else len(animals)
        names = animals[:n] if n <= len(animals) else None
        out = src.with_suffix(".h5")
        if output_name:
            out = src.parent / (output_name if output_name.endswith(".h5") else output_name + ".h5")
        data = read_tracklets(src)
        outputs.append(str(_stitch_data(data, src, out, n, names, tracking, weight_func)))
    return outputs
