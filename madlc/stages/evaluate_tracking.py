"""``evaluate_tracking``: MOTA, IDF1, identity switches of a video's stitched tracks against ground truth."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from madlc.errors import MadlcError, file_error

log = logging.getLogger(__name__)


def _animal_array(path: Path, drop_hidden: bool = False) -> tuple[np.ndarray, list[str]]:
    """A tracks-like .h5/.csv -> (n_frames, n_animals, n_multibodyparts, 3) with frames on a 0..N-1 grid.

    ``drop_hidden``: keypoints with likelihood <= 0 (ground truth of hidden parts) count as missing.
    """
    from madlc.io import read_tracks, tracks_to_array

    if not path.exists():
        raise file_error(path, "no such file", "pass a tracks .h5 (DeepLabCut layout) with the ground truth")
    df = read_tracks(path)
    arr, _, individuals, bodyparts = tracks_to_array(df)
    animals = [k for k, name in enumerate(individuals) if name != "single"]
    arr = arr[:, animals]
    if drop_hidden:
        arr[~(arr[..., 2] > 0)] = np.nan
    # multi-animal parts are the ones animals have values for
    has = np.isfinite(arr[..., 0]).any(axis=(0, 1)) if arr.size else np.zeros(len(bodyparts), bool)
    frames = np.asarray(df.index, dtype=int)
    if len(frames) and (frames < 0).any():
        raise file_error(path, "its index holds negative frame numbers", "write frame numbers 0, 1, ... as the index")
    out = np.full((int(frames.max()) + 1 if len(frames) else 0, len(animals), len(bodyparts), 3), np.nan)
    out[frames] = arr
    return out[:, :, has] if has.any() else out, [b for b, h in zip(bodyparts, has) if h]


def evaluate_tracking(config: str, video: str, ground_truth_h5: str, shuffle: int = 1, trainingsetindex: int = 0,
                      track_method: str = "", destfolder: str | None = None,
                      max_distance: float | None = None, filtered: bool = False) -> dict[str, Any]:
    """Score a video's stitched tracks against ground-truth tracks: MOTA, IDF1, switches, coverage.

    The tracks file is found as stitch_tracklets writes it. ``ground_truth_h5`` is a
    tracks-layout file (synthetic ground truth or refined tracks; parts with likelihood 0
    there count as hidden). Animals match when their
    mean keypoint distance is below ``max_distance`` px (default: half the median body
    size). Writes ``<tracks stem>_tracking_metrics.json`` beside the tracks; returns the metrics.
    """
    from madlc.core.metrics.tracking import tracking_metrics
    from madlc.io.atomic import atomic_path
    from madlc.project.discovery import find_tracks_file
    from madlc.project.config import load_config

    cfg = load_config(config)
    tracks_file = find_tracks_file(cfg, video, shuffle, trainingsetindex, track_method, filtered, destfolder)
    pred, pred_parts = _animal_array(Path(tracks_file))
    gt, gt_parts = _animal_array(Path(ground_truth_h5), drop_hidden=True)
    common = [b for b in gt_parts if b in pred_parts]
    if not common:
        raise MadlcError(f"{ground_truth_h5}: no body part in common with {tracks_file} "
                         f"(ground truth: {gt_parts}; tracks: {pred_parts}). What to do: pass the matching ground truth.")
    pred = pred[:, :, [pred_parts.index(b) for b in common]]
    gt = gt[:, :, [gt_parts.index(b) for b in common]]
    metrics = tracking_metrics(pred, gt, max_distance)
    metrics.update(tracks_file=str(tracks_file), ground_truth=str(ground_truth_h5), bodyparts=common)
    out = Path(str(tracks_file)[: -len(".h5")] + "_tracking_metrics.json")
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(metrics, indent=2, default=float))
    log.info("%s: MOTA %.3f IDF1 %.3f switches %d", tracks_file, metrics["mota"], metrics["idf1"], metrics["num_switches"])
    return metrics
