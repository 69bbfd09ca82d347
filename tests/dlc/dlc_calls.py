"""Runs DeepLabCut 3.0's own functions (in the DeepLabCut venv of .ci/dlc_env.sh) for tests/test_dlc_interop.py.

Usage: ``python dlc_calls.py STEP JSON_ARGS OUT_JSON``; writes ``{"ok": ..., ...}`` to OUT_JSON. Each DeepLabCut
call of a step is run on its own; its error (if any) is reported instead of stopping the others. This file
imports DeepLabCut only (never madlc): it is what a DeepLabCut user would type.
"""
from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

os.environ.setdefault("DLClight", "True")
os.environ.setdefault("MPLBACKEND", "Agg")


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _try(report: dict, name: str, call) -> None:
    try:
        value = call()
        report[name] = {"ok": True, "value": value if isinstance(value, (str, int, float, list, dict, type(None)))
                        else repr(value)}
    except BaseException as err:  # noqa: BLE001 - reported to the test
        report[name] = {"ok": False, "error": f"{type(err).__name__}: {err}"[:3000],
                        "traceback": traceback.format_exc()[-3000:]}


def validate(args: dict) -> dict:
    """PoseConfig.from_yaml on each pytorch_config.yaml; the scorer DeepLabCut derives for each shuffle."""
    from deeplabcut.pose_estimation_pytorch.apis.utils import get_scorer_name
    from deeplabcut.pose_estimation_pytorch.config.pose import PoseConfig

    report: dict = {}
    for path in args.get("pose_configs", []):
        _try(report, f"validate:{path}", lambda p=path: str(PoseConfig.from_yaml(p).net_type.value))
    for shuffle, fraction in args.get("scorers", []):
        _try(report, f"scorer:{shuffle}", lambda s=shuffle, f=fraction: get_scorer_name(args["config"], s, f))
    return report


def postprocess(args: dict) -> dict:
    """DeepLabCut's tracking, stitching, filtering, plots, labeled video and outlier frames on analysed videos."""
    import deeplabcut

    config, videos, shuffle = args["config"], args["videos"], int(args.get("shuffle", 1))
    report: dict = {}
    _try(report, "convert_detections2tracklets",
         lambda: deeplabcut.convert_detections2tracklets(config, videos, shuffle=shuffle, overwrite=True,
                                                         track_method="ellipse"))
    _try(report, "stitch_tracklets",
         lambda: deeplabcut.stitch_tracklets(config, videos, shuffle=shuffle, track_method="ellipse",
                                             n_tracks=args.get("n_tracks")))
    _try(report, "filterpredictions",
         lambda: deeplabcut.filterpredictions(config, videos, shuffle=shuffle, track_method="ellipse"))
    _try(report, "plot_trajectories",
         lambda: deeplabcut.plot_trajectories(config, videos, shuffle=shuffle, track_method="ellipse"))
    _try(report, "create_labeled_video",
         lambda: deeplabcut.create_labeled_video(config, videos, shuffle=shuffle, track_method="ellipse",
                                                 color_by="individual", filtered=False))
    _try(report, "extract_outlier_frames",
         lambda: deeplabcut.extract_outlier_frames(config, videos, shuffle=shuffle, track_method="ellipse",
                                                   outlieralgorithm="uncertain", p_bound=0.99, automatic=True,
                                                   extractionalgorithm="uniform"))
    report["files"] = _files(Path(config).parent)
    return report


def make_project(args: dict) -> dict:
    """A project made by DeepLabCut: create_new_project, madlc-free labels copied in, create_multianimaltraining_dataset."""
    import shutil

    import deeplabcut
    from deeplabcut.utils import auxiliaryfunctions

    report: dict = {}
    config = deeplabcut.create_new_project(args["name"], args["experimenter"], [args["video"]],
                                           working_directory=args["root"], copy_videos=True, multianimal=True)
    config = str(config)
    cfg = auxiliaryfunctions.read_config(config)
    cfg.update(args["config_updates"])
    auxiliaryfunctions.write_config(config, cfg)
    labeled = Path(config).parent / "labeled-data" / Path(args["video"]).stem
    labeled.mkdir(parents=True, exist_ok=True)
    for f in Path(args["labels_folder"]).iterdir():
        if f.suffix in (".png", ".h5", ".csv"):
            shutil.copy(f, labeled / f.name)
    net_types = args.get("net_types")
    if not net_types:
        _try(report, "create_multianimaltraining_dataset",
             lambda: deeplabcut.create_multianimaltraining_dataset(config, num_shuffles=1, net_type="resnet_50"))
    for index, net_type in enumerate(net_types or [], start=1):  # shuffle k: net_types[k - 1]
        _try(report, f"create_multianimaltraining_dataset:{net_type}",
             lambda k=index, n=net_type: deeplabcut.create_multianimaltraining_dataset(config, Shuffles=[k], net_type=n))
    report["config"] = config
    report["files"] = _files(Path(config).parent)
    return report


def train_bottom_up(args: dict) -> dict:
    """DeepLabCut trains shuffles a few steps on CPU from a seeded random start (no ImageNet download).

    DeepLabCut's ``train_network`` fetches ImageNet backbone weights unless it resumes from a snapshot, so a
    seeded, randomly initialised model (``PoseModel.build``) is first saved in DeepLabCut's snapshot layout and
    training resumes from it. ``args["shuffles"]``: ``[{"shuffle", "pytorch_config", "epochs", "seed"}]``;
    ``epochs`` 0 keeps the seeded random weights as ``snapshot-000.pt``. ``crop``: the training crop (w, h).
    """
    import deeplabcut
    import torch
    import yaml
    from deeplabcut.pose_estimation_pytorch.models import PoseModel

    report: dict = {}
    for spec in args["shuffles"]:
        shuffle, epochs = int(spec["shuffle"]), int(spec.get("epochs", 1))
        pose_path = Path(spec["pytorch_config"])
        pose = yaml.safe_load(pose_path.read_text())
        width, height = args.get("crop", [96, 96])
        pose["data"]["train"]["crop_sampling"].update(width=int(width), height=int(height))
        pose["data"]["train"]["motion_blur"] = False
        pose_path.write_text(yaml.safe_dump(pose, sort_keys=False))
        torch.manual_seed(int(spec.get("seed", 0)))
        model = PoseModel.build(pose["model"], pretrained_backbone=False)
        start = pose_path.parent / ("snapshot-000.pt" if epochs == 0 else "random-start.pt")
        torch.save({"model": model.state_dict(), "metadata": {"epoch": 0}}, start)
        if epochs > 0:
            _try(report, f"train_network:{shuffle}", lambda: deeplabcut.train_network(
                args["config"], shuffle=shuffle, device="cpu", snapshot_path=str(start),
                batch_size=int(args.get("batch_size", 4)), epochs=epochs, save_epochs=1, display_iters=1))
            start.unlink()
        report[f"snapshots:{shuffle}"] = sorted(str(p) for p in pose_path.parent.glob("snapshot-*.pt"))
    return report


def predict_frames(args: dict) -> dict:
    """DeepLabCut's own model + PAF predictor on every frame of a video: raw detections per frame (pickle).

    The snapshot is loaded by DeepLabCut's inference runner; each frame (read by DeepLabCut's VideoIterator)
    goes through the runner's preprocessor, the model and the bodypart head's PartAffinityFieldPredictor with
    ``return_preds`` (coordinates, confidence and PAF costs before assembly) and its assembled ``poses``.
    ``args["models"]``: ``[{"pytorch_config", "snapshot", "out"}]``; each ``out`` pickle also holds the frames read.
    """
    import pickle

    import numpy as np
    import torch
    from deeplabcut.pose_estimation_pytorch.apis.utils import get_pose_inference_runner
    from deeplabcut.pose_estimation_pytorch.apis.videos import VideoIterator

    report: dict = {}
    for spec in args["models"]:
        runner = get_pose_inference_runner(spec["pytorch_config"], spec["snapshot"], batch_size=1, device="cpu")
        model = runner.model.eval()
        predictor = model.heads["bodypart"].predictor
        predictor.return_preds = True
        stride = model.get_stride("bodypart")
        frames, preds, poses = [], [], []
        with torch.no_grad():
            for frame in VideoIterator(args["video"]):
                frames.append(frame)
                inputs, _ = runner.preprocessor(frame, {})
                outputs = model(inputs.to(runner.device))
                out = predictor(stride, outputs["bodypart"])
                preds.append(out["preds"][0])
                poses.append(out["poses"][0].numpy())
        with open(spec["out"], "wb") as f:
            pickle.dump({"stride": float(stride), "frames": np.stack(frames), "preds": preds, "poses": poses}, f)
        report[spec["out"]] = {"n_frames": len(frames), "stride": float(stride)}
    return report


def analyze_snapshot(args: dict) -> dict:
    """On a shuffle madlc trained: DeepLabCut validates its pytorch_config, names the scorer, runs analyze_videos
    (into ``destfolder``) and its predictor on the frames (``predict_frames`` with ``args["models"]``)."""
    import deeplabcut

    report = validate({"config": args["config"], "pose_configs": [m["pytorch_config"] for m in args["models"]],
                       "scorers": args.get("scorers", [])})
    report["predict_frames"] = predict_frames(args)
    Path(args["destfolder"]).mkdir(parents=True, exist_ok=True)
    _try(report, "analyze_videos", lambda: deeplabcut.analyze_videos(
        args["config"], [args["video"]], shuffle=int(args["shuffle"]), device="cpu", destfolder=args["destfolder"],
        auto_track=False, batch_size=1))
    report["files"] = _files(Path(args["destfolder"]))
    return report


if __name__ == "__main__":
    step, raw, out = sys.argv[1], sys.argv[2], sys.argv[3]
    result = {"validate": validate, "postprocess": postprocess, "make_project": make_project,
              "train_bottom_up": train_bottom_up, "predict_frames": predict_frames,
              "analyze_snapshot": analyze_snapshot}[step](json.loads(raw))
    Path(out).write_text(json.dumps(result, indent=1, default=str))
