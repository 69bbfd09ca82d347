"""DeepLabCut's side of ``benchmarks/dlc_side_by_side.py``; runs in the DeepLabCut 3.0.2 venv.

Imports DeepLabCut (never madlc), so it runs under the venv's own numpy 1 / pandas 2.
Started once by dlc_side_by_side.py (``python dlc_worker.py``), it answers one request per stdin line
(a part: assembly, tracking, stitching or analysis, its arguments and an output path), so that
madlc's and DeepLabCut's runs can alternate in the same sitting. Each request runs DeepLabCut's own
code once on the files it names and pickles the timing and results (plain numpy arrays and floats,
readable under numpy 2) to its output path.
"""
from __future__ import annotations

import json
import os
import pickle
import sys
import time

os.environ.setdefault("DLClight", "True")

import numpy as np  # noqa: E402

_CACHE: dict = {}  # set-up kept between requests (the analysis runner, known failures)


def _load(path: str):
    with open(path, "rb") as fh:
        return pickle.load(fh)


def _quiet_tqdm() -> None:
    """DeepLabCut's loops print a progress bar per call; silence them (they would be timed too)."""
    import functools

    import tqdm

    tqdm.tqdm.__init__ = functools.partialmethod(tqdm.tqdm.__init__, disable=True)


def tile_frames(full: dict, times: int) -> dict:
    """The frames of a _full.pickle dict repeated ``times`` times (frame000... renumbered): a longer video.

    dlc_side_by_side.py uses this function too, so both programs assemble the same frames.
    """
    frames = [k for k in full if k != "metadata"]
    n = len(frames) * times
    width = len(str(n - 1))
    out = {"metadata": dict(full["metadata"], nframes=n)}
    for i in range(n):
        out[f"frame{i:0{width}d}"] = full[frames[i % len(frames)]]
    return out


def assembly(args: dict) -> dict:
    """DeepLabCut's Assembler on the 180 video frames (speed) and the 30 eval images (accuracy)."""
    from deeplabcut.core.inferenceutils import Assembler

    full = tile_frames(_load(args["full"]), args["tile"])
    asm = Assembler(full, max_n_individuals=3, n_multibodyparts=4, pcutoff=0.1, min_affinity=0.1, min_n_links=2)
    t0 = time.perf_counter()
    asm.assemble(chunk_size=0)  # serial, as madlc's core assembler
    seconds = time.perf_counter() - t0
    # file in, file out (as madlc.assemble): read the _full.pickle, assemble, write the _assemblies.pickle
    t0 = time.perf_counter()
    on_disk = Assembler(_load(args["full"]), max_n_individuals=3, n_multibodyparts=4, pcutoff=0.1, min_affinity=0.1,
                        min_n_links=2)
    on_disk.assemble(chunk_size=0)
    on_disk.to_pickle(args["output"])
    file_seconds = time.perf_counter() - t0
    n_frames = len(asm.metadata["imnames"])
    n_animals = sum(len(v) for v in asm.assemblies.values())
    video = {i: np.stack([a.data for a in v]) for i, v in asm.assemblies.items()}

    data = _load(args["eval"])
    frames = {"metadata": data["metadata"]}
    names = [k for k in data if k != "metadata"]
    for name in names:
        frames[name] = data[name]["prediction"]
    asm = Assembler(frames, max_n_individuals=8, n_multibodyparts=4, pcutoff=0.1, min_affinity=0.1)
    t0 = time.perf_counter()
    asm.assemble(chunk_size=0)
    eval_seconds = time.perf_counter() - t0
    preds, scores = [], []
    for i in range(len(names)):
        found = asm.assemblies.get(i, [])
        preds.append(np.stack([a.data for a in found]) if found else np.full((0, 4, 4), np.nan))
        scores.append(np.asarray([a.affinity for a in found], float))
    return dict(seconds=seconds, file_seconds=file_seconds, n_frames=n_frames, n_animals=n_animals, video_assemblies=video,
                eval_preds=preds, eval_scores=scores, eval_seconds=eval_seconds)


def tracking(args: dict) -> dict:
    """DeepLabCut 3's build_tracklets (what convert_detections2tracklets runs) with box / ellipse / skeleton."""
    from deeplabcut.pose_estimation_pytorch.apis.tracklets import build_tracklets

    assemblies = _load(args["assemblies"])
    joints = ["head", "tail", "leftwing", "rightwing", "center"]
    cfg = dict(max_age=1, min_hits=1, topktoretain=3, pcutoff=0.1, boundingboxslack=0)
    out = {}
    for method in args["methods"]:
        if ("track_error", method) not in _CACHE:
            try:  # as convert_detections2tracklets calls it: every joint named, the unique one included
                build_tracklets(assemblies, method, cfg, joints, "DLC", args["n_frames"], unique_bodyparts=["center"])
                _CACHE["track_error", method] = ""
            except Exception as err:  # DeepLabCut 3.0.2's skeleton tracker sizes its filter for all 5 joints
                _CACHE["track_error", method] = f"{type(err).__name__}: {err}"
        error = _CACHE["track_error", method]
        unique = None if error else ["center"]
        if error:
            joints = joints[:4]  # retried on the 4 multi-animal joints only
        t0 = time.perf_counter()
        tracklets = build_tracklets(assemblies, method, cfg, joints, "DLC", args["n_frames"], unique_bodyparts=unique)
        seconds = time.perf_counter() - t0
        ids = [k for k in tracklets if k not in ("header", "single")]
        out[method] = dict(seconds=seconds, n_tracklets=len(ids), error=error,
                           lengths=sorted((len(tracklets[k]) for k in ids), reverse=True))
        joints = ["head", "tail", "leftwing", "rightwing", "center"]
    return out


def stitching(args: dict) -> dict:
    """DeepLabCut's TrackletStitcher on a tracklets pickle, n_tracks animals."""
    from deeplabcut.refine_training_dataset.stitch import TrackletStitcher

    error, tracks, seconds = "", None, float("nan")
    try:
        t0 = time.perf_counter()
        stitcher = TrackletStitcher.from_pickle(args["tracklets"], args["n_tracks"])
        stitcher.build_graph()
        stitcher.stitch()
        df = stitcher.format_df()
        seconds = time.perf_counter() - t0
    except Exception as err:  # reported, not raised: "does it complete" is part of the figure
        error = f"{type(err).__name__}: {err}"
    else:
        cols = df.columns
        individuals = [i for i in dict.fromkeys(cols.get_level_values("individuals")) if i != "single"]
        bodyparts = list(dict.fromkeys(b for i, b in zip(cols.get_level_values("individuals"),
                                                          cols.get_level_values("bodyparts")) if i != "single"))
        tracks = np.full((len(df), len(individuals), len(bodyparts), 3), np.nan)
        for j, (_, ind, bpt, coord) in enumerate(cols):
            if ind != "single" and coord in ("x", "y", "likelihood"):
                tracks[:, individuals.index(ind), bodyparts.index(bpt), ("x", "y", "likelihood").index(coord)] = \
                    df.iloc[:, j].to_numpy(float)
    return dict(seconds=seconds, error=error, tracks=tracks)


def _analysis_runner(args: dict):
    """DeepLabCut's default bottom-up resnet_50 config for the project, random init, its pose runner."""
    import torch

    from deeplabcut.pose_estimation_pytorch.apis.utils import get_pose_inference_runner
    from deeplabcut.pose_estimation_pytorch.apis.videos import video_inference
    from deeplabcut.pose_estimation_pytorch.config import make_pytorch_pose_config
    from deeplabcut.pose_estimation_pytorch.models import PoseModel

    torch.manual_seed(0)
    pose_cfg_path = os.path.join(args["workdir"], "pytorch_config.yaml")
    cfg = make_pytorch_pose_config(args["config"], pose_cfg_path, net_type="resnet_50")
    cfg = dict(cfg) if not isinstance(cfg, dict) else cfg
    cfg["model"]["backbone"]["pretrained"] = False  # no weights download here: random init
    model = PoseModel.build(cfg["model"])
    snapshot = os.path.join(args["workdir"], "snapshot-000.pt")
    torch.save({"model": model.state_dict()}, snapshot)
    runner = get_pose_inference_runner(cfg, snapshot, batch_size=args["batch"], device="cpu")
    video_inference(args["video"], runner)  # warm-up
    return runner, sum(p.numel() for p in model.parameters())


def analysis(args: dict) -> dict:
    """DeepLabCut 3's bottom-up resnet_50 on a video (video_inference), and its network alone."""
    import torch

    from deeplabcut.pose_estimation_pytorch.apis.videos import video_inference

    if "runner" not in _CACHE:
        _CACHE["runner"], _CACHE["n_params"] = _analysis_runner(args)
    runner = _CACHE["runner"]
    t0 = time.perf_counter()
    preds = video_inference(args["video"], runner)
    seconds = time.perf_counter() - t0
    # the network alone on float batches already normalised (what its runner feeds it)
    frames = torch.randn(len(preds), 3, args["height"], args["width"])
    net = runner.model
    with torch.inference_mode():
        t0 = time.perf_counter()
        for start in range(0, len(frames), args["batch"]):
            net(frames[start:start + args["batch"]])
        forward = time.perf_counter() - t0
    return dict(seconds=seconds, forward_seconds=forward, n_frames=len(preds), n_params=_CACHE["n_params"],
                threads=torch.get_num_threads())


PARTS = {"assembly": assembly, "tracking": tracking, "stitching": stitching, "analysis": analysis}

def serve() -> None:
    """One request per stdin line (JSON ``{"part": ..., "args": ..., "out": path}``); one stdout line per reply."""
    replies, sys.stdout = sys.stdout, sys.stderr  # DeepLabCut's own prints go to the log, not the replies
    _quiet_tqdm()
    import deeplabcut  # noqa: E402  (loaded once, before any timing)

    print(json.dumps({"ready": deeplabcut.__version__}), file=replies, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = PARTS[request["part"]](request["args"])
        except Exception as err:  # the caller reports it
            import traceback

            print(json.dumps({"error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()}),
                  file=replies, flush=True)
            continue
        with open(request["out"], "wb") as fh:
            pickle.dump(result, fh, protocol=4)
        print(json.dumps({"done": request["out"]}), file=replies, flush=True)


if __name__ == "__main__":
    serve()
