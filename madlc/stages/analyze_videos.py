"""``analyze_videos``: raw multi-animal detections of videos -> ``_full.pickle`` + ``_meta.pickle`` (+ ``_assemblies.pickle``).

The pipeline of one video (all stages overlap):

    decoding thread ──pinned uint8 batches──▶ network (device) ──▶ peaks, locref, identity,
    PAF line integrals (device, whole batch) ──small flat tensors──▶ writer thread: per-frame
    dicts, part files every ``chunk_size`` frames ──▶ final ``_full.pickle`` streamed from the parts

On a GPU the peaks and PAF costs are computed on the device right after the network (only
small flat tensors come back, asynchronously); on a CPU the writer thread computes them, so
they overlap the next batch's forward pass.

Memory does not grow with the video: at most one chunk of results is held, and an
interrupted analysis resumes from its last complete part (see :mod:`madlc.io.part_store`).
"""
from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from madlc.errors import VideoError
from madlc.project.discovery import list_videos

log = logging.getLogger(__name__)

@dataclass
class VideoResult:
    """What :func:`analyze_video` did."""

    full_pickle: Path
    meta_pickle: Path
    nframes: int
    analyzed: int  # frames that went through the network in this call
    missing: list[int]
    skipped: bool = False  # output existed already


def _signature(model: Any, info: Any, chunk_size: int) -> dict[str, Any]:
    """What the part files of a run depend on (a different value discards old parts)."""
    import dataclasses

    s = dataclasses.asdict(model.settings)
    return {"scorer": model.scorer, "snapshot": str(model.snapshot), "video": [info.width, info.height, info.nframes],
            "settings": s, "chunk_size": int(chunk_size)}


def analyze_video(video: str | Path, model: Any, batch_size: int = 8, destfolder: str | Path | None = None,
                  analyze: dict[str, Any] | None = None, project_cfg: dict[str, Any] | None = None,
                  on_part: Callable[[int, int], None] | None = None, progress: bool = True,
                  overwrite: bool = False) -> VideoResult:
    """Analyse one video with a :class:`madlc.nn.inference.model.LoadedModel`; write ``_full``/``_meta`` pickles.

    Resumes from the part files of an interrupted run. ``on_part(start, stop)`` is called after
    each part file is written (tests use it to interrupt a run).
    """
    from madlc.nn.inference.run import infer_video
    from madlc.io.part_store import PartStore, write_streamed_full_pickle
    from madlc.io import write_meta_pickle
    from madlc.project.paths import output_stem
    from madlc.video.reader import video_info

    from madlc.config.schema import defaults_of

    opts = {**defaults_of("analyze"), **(analyze or {})}
    video = Path(video)
    stem = output_stem(video, model.scorer, destfolder)
    full_path = stem.with_name(stem.name + "_full.pickle")
    meta_path = stem.with_name(stem.name + "_meta.pickle")
    if full_path.exists() and meta_path.exists() and not overwrite:
        log.info("%s: already analysed (%s); delete it to analyse again", video, full_path.name)
        return VideoResult(full_path, meta_path, -1, 0, [], skipped=True)
    info = video_info(video)  # VideoError with a clear message if it cannot be decoded
    start_time = time.time()
    chunk = int(opts["chunk_size"])
    store = PartStore(full_path, _signature(model, info, chunk))
    nframes = info.nframes
    if nframes > 0:
        ranges = store.todo(nframes)
    else:  # frame count unknown: read to the end
        ranges = [] if store.done() else [(0, 1)]
    analyzed = 0
    if ranges:
        analyzed = infer_video(model, video, info, ranges, store, batch_size, opts, on_part, progress)
    parts = store.done()
    total = max(nframes, parts[-1][1] if parts else 0)
    missing = store.missing()
    if missing:
        warnings.warn(f"{video}: {len(missing)} of {total} frames could not be decoded and have no detections "
                      f"(first: {missing[:10]}). What to do: re-encode the video if this matters "
                      "(ffmpeg -i in -c:v libx264 out.mp4).", stacklevel=2)
    metadata = model.settings.metadata(total)
    write_streamed_full_pickle(store, metadata, full_path)
    stop_time = time.time()
    cfg = project_cfg or {}
    meta = {
        "start": start_time, "stop": stop_time, "run_duration": stop_time - start_time,
        "Scorer": model.scorer,
        "pytorch-config": model.pytorch_config,
        "DLC-model-config file": model.pose_cfg,
        "fps": info.fps, "batch_size": int(batch_size),
        "frame_dimensions": (info.width, info.height),
        "nframes": total,
        "iteration (active-learning)": cfg.get("iteration", 0),
        "training set fraction": (cfg.get("TrainingFraction") or [None])[0],
        "cropping": False, "cropping_parameters": [0, info.width, 0, info.height],
        "individuals": list(cfg.get("individuals") or []),
        "bodyparts": list(cfg.get("multianimalbodyparts") or cfg.get("bodyparts") or []),
        "unique_bodyparts": list(cfg.get("uniquebodyparts") or []),
        "missing_frames": missing,
    }
    write_meta_pickle({"data": meta}, meta_path)
    store.remove()
    return VideoResult(full_path, meta_path, total, analyzed, missing)


def _write_assemblies(full_pickle: Path, model_folder: Path, settings: Mapping[str, Any], redo: bool) -> Path:
    """``<video><scorer>_assemblies.pickle`` beside the ``_full.pickle`` (DeepLabCut 3 leaves it after analysis;
    its convert_detections2tracklets reads it), assembled with the analysis' resolved ``inference`` settings
    and the model's pruned graph, as madlc's own convert_detections2tracklets does."""
    from madlc.stages.assemble import assemble, default_output

    out = default_output(full_pickle)
    if out.exists() and not redo:
        return out
    inference_cfg = Path(model_folder) / "test" / "inference_cfg.yaml"
    return Path(assemble(str(full_pickle), str(inference_cfg) if inference_cfg.exists() else None, str(out),
                         settings=settings))


def analyze_videos(
    config: str | Path,
    videos: list[str],
    videotype: str = ".mp4",
    shuffle: int = 1,
    trainingsetindex: int = 0,
    batchsize: int | None = None,
    gputouse: int | None = None,
    save_as_csv: bool = False,
    destfolder: str | None = None,
    auto_track: bool = False,
    n_tracks: int | None = None,
    overwrite: bool = False,
    overrides: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
) -> str:
    """Detect body parts in videos (or folders of videos); write <video><scorer>_full.pickle, _meta.pickle and
    _assemblies.pickle (the detections grouped into animals, as DeepLabCut 3 leaves them).

    Raw multi-animal detections per frame: candidate positions and confidences per body part,
    PAF affinities between candidates of every edge of the (pruned) graph, identity scores with
    an identity head. Assemble and track them with convert_detections2tracklets and
    stitch_tracklets (or pass auto_track). Existing outputs are kept unless ``overwrite`` (delete them to re-analyse);
    an interrupted analysis resumes where it stopped. Returns the scorer name.

    save_as_csv: accepted for DeepLabCut compatibility (multi-animal analysis writes no table
    before tracking). Settings (``inference`` and ``analyze`` groups), resolved once: defaults <
    the model's test/pose_cfg.yaml and inference_cfg.yaml as madlc wrote them < the project's
    madlc.yaml < those files edited by hand < ``overrides`` (``inference.nmsradius=4``,
    ``inference.minconfidence=0.05``, ``analyze.chunk_size=500`` frames per part file,
    ``analyze.max_peaks=64``); or ``settings`` as given (a Snakemake rule's params).
    """
    from madlc.config.dlc_files import model_test_files
    from madlc.nn.inference.model import load_inference_model
    from madlc.project.config import load_config
    from madlc.project.paths import model_folder
    from madlc.stages._settings import stage_settings

    cfg = load_config(config)
    try:
        dlc_files = model_test_files(model_folder(cfg, shuffle, trainingsetindex))
    except (KeyError, IndexError, TypeError):
        dlc_files = []
    settings = stage_settings("analyze", config, overrides, settings, dlc_files=dlc_files)
    opts = dict(settings["analyze"])
    paths = list_videos(videos, videotype, must_exist=True)
    if not paths:
        raise VideoError(f"no videos to analyse in {list(videos)} (videotype={videotype!r}). "
                         "What to do: pass video files or a folder holding videos of that type.")
    from madlc.nn.inference.run import resolve_device

    device = resolve_device(gputouse)
    model = load_inference_model(cfg, shuffle, trainingsetindex, device, settings=settings)
    batch_size = int(batchsize or cfg.get("batch_size") or 8)
    failed: list[str] = []
    for video in paths:
        try:
            result = analyze_video(video, model, batch_size, destfolder, opts, cfg, overwrite=overwrite)
        except VideoError as err:
            log.error("%s", err)
            warnings.warn(str(err), stacklevel=2)
            failed.append(f"{video}: {err}")
            continue
        if result.skipped:
            print(f"{video}: already analysed with {model.scorer} ({result.full_pickle.name}); skipped.")
        else:
            print(f"{video}: {result.nframes} frames -> {result.full_pickle}")
        _write_assemblies(result.full_pickle, model.model_folder, settings, overwrite or not result.skipped)
    analysed = [v for v in paths if not any(f.startswith(f"{v}:") for f in failed)]
    if save_as_csv:
        log.info("save_as_csv: multi-animal detections are tables only after tracking (stitch_tracklets)")
    if auto_track and analysed:
        from madlc.stages.convert_detections2tracklets import convert_detections2tracklets
        from madlc.stages.stitch_tracklets import stitch_tracklets

        tracked = [str(v) for v in analysed]
        convert_detections2tracklets(str(config), tracked, videotype=videotype, shuffle=shuffle,
                                     trainingsetindex=trainingsetindex, destfolder=destfolder, overrides=overrides)
        stitch_tracklets(str(config), tracked, videotype=videotype, shuffle=shuffle,
                         trainingsetindex=trainingsetindex, destfolder=destfolder, n_tracks=n_tracks,
                         save_as_csv=save_as_csv or None, overrides=overrides)
    if failed:
        raise VideoError(f"{len(failed)} of {len(paths)} videos could not be analysed (the others were):\n  "
                         + "\n  ".join(failed))
    return model.scorer
