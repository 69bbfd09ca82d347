"""``convert_detections2tracklets``: tracklets for a project's analysed videos (DeepLabCut's names)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping, Sequence

from madlc.errors import MadlcError, file_error
from madlc.project.discovery import inference_cfg_file
from madlc.stages._settings import stage_settings
from madlc.stages.track import _prefix, track, tracker_note_file

log = logging.getLogger(__name__)


def convert_detections2tracklets(config: str, videos: list[str], videotype: str = "mp4", shuffle: int = 1,
                                 trainingsetindex: int = 0, track_method: str = "", identity_only: bool = False,
                                 overwrite: bool = False, destfolder: str | None = None,
                                 overrides: Sequence[str] = (), settings: Mapping[str, Any] | None = None) -> list[str]:
    """Assemble (if not yet) and link the animals of analysed videos into tracklets.

    For each video, reads ``<video><scorer>_assemblies.pickle`` (or assembles the
    ``_full.pickle``) in ``destfolder`` or the video's folder and writes
    ``<video><scorer>_bx|_el|_sk.pickle`` (``track_method`` empty: config.yaml's ``default_track_method``,
    as in DeepLabCut; ``"auto"``: picked per video from how
    crowded the animals are; the file carries the picked tracker's suffix). Settings (``inference``
    and ``tracking`` groups) are resolved once: defaults < the model's test/inference_cfg.yaml as madlc wrote it < the
    project's madlc.yaml < a hand-edited inference_cfg.yaml < ``overrides``; or taken as given in
    ``settings`` (a Snakemake rule's params). Returns the tracklet pickles.
    """
    from madlc.project.discovery import find_analysis_file, list_videos, resolve_track_method, tracker_suffixes
    from madlc.project.config import load_config
    from madlc.project.paths import all_bodyparts, tracker_suffix

    cfg = load_config(config)
    method = resolve_track_method(cfg, track_method) or "ellipse"
    inference_cfg = inference_cfg_file(cfg, shuffle, trainingsetindex)
    settings = stage_settings("tracklets", config, overrides, settings,
                              dlc_files=[inference_cfg] if inference_cfg else [])
    outputs = []
    for video in list_videos(videos, videotype):
        src = find_analysis_file(cfg, video, shuffle, trainingsetindex, ("_assemblies.pickle", "_full.pickle"),
                                 destfolder)
        full = Path(_prefix(src) + "_full.pickle") if src is not None else None
        assembly_overrides = any(str(o).lstrip("+").startswith("inference.") for o in overrides)
        if full is not None and full.exists() and (overwrite or assembly_overrides
                                                   or full.stat().st_mtime > Path(src).stat().st_mtime):
            src = full  # newer detections, assembly settings given, or a forced redo: assemble them again
        if src is None:
            raise file_error(video, "no _assemblies.pickle or _full.pickle found for this video",
                             "run analyze_videos on it first (or pass the destfolder it wrote to)", MadlcError)
        done = [Path(_prefix(src) + sfx + ".pickle") for sfx in tracker_suffixes(method)]
        done = sorted((f for f in done if f.exists() and (method != "auto" or tracker_note_file(f).exists())),
                      key=lambda f: f.stat().st_mtime, reverse=True)  # auto: only tracklets auto made
        if done and not overwrite:
            log.info("%s exists; pass overwrite=True to redo it", done[0])
            outputs.append(str(done[0]))
            continue
        parts = ",".join(all_bodyparts(cfg))
        out = None if method == "auto" else str(Path(_prefix(src) + tracker_suffix(method) + ".pickle"))
        outputs.append(track(str(src), method, identity_only, str(inference_cfg) if inference_cfg else None,
                             parts or None, out, config, settings=settings))
    return outputs
