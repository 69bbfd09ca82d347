"""Outlier frames before tracking: poorly detected frames (``_full.pickle``) or odd animals (``_assemblies.pickle``).

:func:`find_outliers_in_raw_data` is DeepLabCut's function of that name. It scores every
frame of a video's analysis, flags the unusual ones, picks ``numframes2pick`` of them
(k-means on thumbnails, or spread over time) and adds them to ``labeled-data/<video>/``
with the assembled animals as machine labels (``machinelabels-iter<N>.h5``) to correct.

Scores, pure functions on arrays (one row per frame):

- detections (:func:`detection_scores`): per body part, how many confident detections there
  are against the usual number of animals in the video: ``missing`` (fewer: an animal's part
  was not found), ``extra`` (more: spurious detections), and ``confidence`` (the mean score of
  the best detections, missing ones counting 0);
- assemblies (:func:`assembly_scores`): ``missing_animals`` (fewer animals than usual),
  ``missing_parts`` (parts absent from the assembled animals) and ``odd_shape`` (how far the
  oddest animal's proportions are from the video's own typical ones, in spreads, from a
  calibration fitted on the video's assemblies).

A frame is flagged when one of its scores is beyond the video's own ``percentiles``
(above the upper one for counts and shape, below the lower one for confidence); a score that
never varies flags nothing.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from madlc.core.outliers import assembly_scores, detection_scores, flag_frames
from madlc.errors import ConfigError
from madlc.stages._settings import review_settings


# ---------------------------------------------------------------- API


def find_outliers_in_raw_data(
    config: str | Path,
    pickle_file: str | None,
    video_file: str,
    pcutoff: float | None = None,
    percentiles: Sequence[float] | None = None,
    with_annotations: bool | None = None,
    extraction_algo: str | None = None,
    copy_videos: bool = False,
    numframes2extract: int | None = None,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    overrides: Sequence[str] = (),
) -> list[str]:
    """Flag frames with poor detections (``_full.pickle``) or odd animals (``_assemblies.pickle``)
    and add some of them to labeled-data for labeling.

    ``pickle_file``: the video's ``_full.pickle`` or ``_assemblies.pickle`` (None: its
    ``_full.pickle`` from analyze_videos). ``pcutoff``: detections below it do not count;
    ``percentiles``: (low, high) bounds within the video beyond which a frame is unusual;
    ``extraction_algo``: ``kmeans`` or ``uniform`` choice of ``numframes2extract`` frames
    (default config.yaml's ``numframes2pick``) among the flagged ones; ``with_annotations``:
    write the assembled animals of those frames as machine labels to correct. Defaults come
    from the ``review.raw_outliers`` settings. ``copy_videos`` is accepted for DeepLabCut
    compatibility (madlc reads the video where it is). Returns the images written.
    """
    from madlc.stages.assemble import assemble
    from madlc.io import array_to_tracks, read_assemblies, read_full_pickle
    from madlc.io.full_pickle import frame_indices, get_frame
    from madlc.project.discovery import require_analysis_file
    from madlc.stages.extract_outlier_frames import add_frames_for_labeling, pick_frames, within_start_stop
    from madlc.project import paths
    from madlc.project.config import load_config
    from madlc.project.discovery import inference_cfg_file
    from madlc.video.reader import VideoReader

    cfg = load_config(config)
    config_path = Path(cfg["project_path"]) / "config.yaml"
    settings = review_settings(config_path, "raw_outliers", overrides)
    pcutoff = float(settings.get("pcutoff", 0.1) if pcutoff is None else pcutoff)
    percentiles = tuple(settings.get("percentiles", (5, 95)) if percentiles is None else percentiles)
    annotate = bool(settings.get("with_annotations", True) if with_annotations is None else with_annotations)
    algo = str(settings.get("extraction_algo", "kmeans") if extraction_algo is None else extraction_algo)
    video = Path(video_file)
    source = Path(pickle_file) if pickle_file else require_analysis_file(cfg, video, shuffle, trainingsetindex)
    if not source.name.endswith(("_full.pickle", "_assemblies.pickle")):
        raise ConfigError(f"{source}: give the video's _full.pickle (detections) or _assemblies.pickle (animals).")
    multi = paths.multianimal_bodyparts(cfg)
    unique = paths.unique_bodyparts(cfg)
    assemblies_path = source if source.name.endswith("_assemblies.pickle") else \
        source.with_name(source.name.replace("_full.pickle", "_assemblies.pickle"))
    with VideoReader(video) as reader:
        nframes = reader.info.nframes
        if source.name.endswith("_full.pickle"):
            full = read_full_pickle(source)
            n = max(nframes or 0, max(frame_indices(full), default=-1) + 1)
            confidences = [[np.asarray(c) for c in (get_frame(full, t) or {}).get("confidence", [])[: len(multi)]]
                           for t in range(n)]
            scores = detection_scores(confidences, pcutoff)
            what = "detections"
        else:
            asm = read_assemblies(source)
            n = max(nframes or 0, max((int(t) for t in asm if isinstance(t, (int, np.integer))), default=-1) + 1)
            scores = assembly_scores([asm.get(t, np.zeros((0, len(multi), 4))) for t in range(n)], len(multi))
            what = "assemblies"
        nframes = nframes or n
        flagged = within_start_stop(cfg, flag_frames(scores, percentiles).tolist(), nframes)
        n_pick = int(numframes2extract if numframes2extract is not None else cfg.get("numframes2pick", 20) or 20)
        picked = pick_frames(reader, flagged, n_pick, algo)
        print(f"{video.name}: {len(flagged)} frames with unusual {what} (percentiles {list(percentiles)}), "
              f"extracting {len(picked)}.")
        if not picked:
            return []
        labels = None
        if annotate:
            if not assemblies_path.exists():
                inference_cfg = inference_cfg_file(cfg, shuffle, trainingsetindex)
                assemble(str(source), str(inference_cfg) if inference_cfg else None, str(assemblies_path))
            asm = read_assemblies(assemblies_path)
            individuals = paths.individuals(cfg)
            arr = np.full((len(picked), len(individuals) + 1, len(multi) + len(unique), 3), np.nan)
            for r, t in enumerate(picked):
                animals = np.asarray(asm.get(t, np.zeros((0, len(multi), 4))), dtype=float)
                k = min(len(animals), len(individuals))
                arr[r, :k, : len(multi)] = animals[:k, :, :3]
                single = (asm.get("single") or {}).get(t)
                if single is not None and unique:
                    arr[r, -1, len(multi):] = np.asarray(single, dtype=float)[: len(unique), :3]
            labels = array_to_tracks(arr, cfg["scorer"], list(individuals) + (["single"] if unique else []),
                                     multi + unique, unique, frames=picked)
        return add_frames_for_labeling(cfg, config_path, video, reader, picked, nframes, labels)
