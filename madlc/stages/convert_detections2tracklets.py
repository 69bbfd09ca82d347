"""``convert_detections2tracklets``: tracklets for a project's analysed videos (DeepLabCut's names)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from madlc.errors import MadlcError, file_error
from madlc.project.discovery import inference_cfg_file
from madlc.stages.track import _prefix, track

log = logging.getLogger(__name__)


def convert_detections2tracklets(config: str, videos: list[str], videotype: str = "mp4", shuffle: int = 1,
                                 trainingsetindex: int = 0, track_method: str = "ellipse", identity_only: bool = False,
                                 overwrite: bool = False, destfolder: str | None = None,
                                 overrides: Sequence[str] = ()) -> list[str]:
    """Assemble (if not yet) and link the animals of analysed videos into tracklets.

    For each video, reads ``<video><scorer>_assemblies.pickle`` (or assembles the
    ``_full.pickle``) in ``destfolder`` or the video's folder and writes
    ``<video><scorer>_bx|_el|_sk.pickle`` (``track_method="auto"``: picked per video from how
    crowded the animals are; the file carries the picked tracker's suffix). Tracker settings come from the model's
    test/inference_cfg.yaml (boundingboxslack, iou_threshold, max_age, min_hits) and
    ``overrides``. Returns the tracklet pickles.
    """
    from madlc.project.discovery import find_analysis_file, list_videos, resolve_track_method, tracker_suffixes
    from madlc.project.config import load_config
    from madlc.project.paths import all_bodyparts, tracker_suffix

    cfg = load_config(config)
    method = resolve_track_method(cfg, track_method) or "ellipse"
    inference_cfg = inference_cfg_file(cfg, shuffle, trainingsetindex)
    outputs = []
    for video in list_videos(videos, videotype):
        src = find_analysis_file(cfg, video, shuffle, trainingsetindex, ("_assemblies.pickle", "_full.pickle"),
                                 destfolder)
        full = Path(_prefix(src) + "_full.pickle") if src is not None else None
        if full is not None and full.exists() and (overwrite or full.stat().st_mtime > Path(src).stat().st_mtime):
            src = full  # detections newer than the assemblies (or a forced redo): assemble them again
        if src is None:
            raise file_error(video, "no _assemblies.pickle or _full.pickle found for this video",
                             "run analyze_videos on it first (or pass the destfolder it wrote to)", MadlcError)
        done = [Path(_prefix(src) + sfx + ".pickle") for sfx in tracker_suffixes(method)]
        done = sorted((f for f in done if f.exists()), key=lambda f: f.stat().st_mtime, reverse=True)
        if done and not overwrite:
            log.info("%s exists; pass overwrite=True to redo it", done[0])
            outputs.append(str(done[0]))
            continue
        parts = ",".join(all_bodyparts(cfg))
        out = None if method == "auto" else str(Path(_prefix(src) + tracker_suffix(method) + ".pickle"))
        outputs.append(track(str(src), method, identity_only, str(inference_cfg) if inference_cfg else None,
                             parts or None, out, overrides))
    return outputs
