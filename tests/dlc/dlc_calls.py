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
    _try(report, "create_multianimaltraining_dataset",
         lambda: deeplabcut.create_multianimaltraining_dataset(config, num_shuffles=1, net_type="resnet_50"))
    report["config"] = config
    report["files"] = _files(Path(config).parent)
    return report


if __name__ == "__main__":
    step, raw, out = sys.argv[1], sys.argv[2], sys.argv[3]
    result = {"validate": validate, "postprocess": postprocess, "make_project": make_project}[step](json.loads(raw))
    Path(out).write_text(json.dumps(result, indent=1, default=str))
