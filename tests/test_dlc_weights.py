"""Same architecture, same weights: DeepLabCut 3.0.2's bottom-up networks analysed by madlc give DeepLabCut's detections.

DeepLabCut (its venv, ``.ci/dlc_env.sh``; called through ``tests/dlc/dlc_calls.py``) makes a project with three
shuffles (``resnet_50``, ``resnet_101``, ``dlcrnet_stride16_ms5``), trains the ``resnet_50`` one for an epoch on
CPU (from a seeded random start: no ImageNet download) and saves seeded random weights for the two others, all
in its own snapshot format. Then DeepLabCut's own model + ``PartAffinityFieldPredictor`` and madlc's
``analyze_videos`` run on the same video: the same peaks per frame and body part, coordinates, scores and
PAF costs to float tolerance. madlc also evaluates the DeepLabCut-trained snapshot, and DeepLabCut names the
files as madlc does. Skipped without the venv unless ``MADLC_REQUIRE_DLC=1``.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from test_dlc_interop import dlc_python, make_dlc_project, run_dlc  # noqa: F401 - dlc_python is a fixture

NET_TYPES = ["resnet_50", "resnet_101", "dlcrnet_stride16_ms5"]  # shuffles 1, 2, 3
COORD_ATOL = 1e-3  # px: float32 differences of two implementations of the same network
SCORE_ATOL = 1e-5
COST_ATOL = 1.01e-3  # costs are rounded to 3 decimals: a float difference can flip the last one


@pytest.fixture(scope="module")
def dlc_snapshots(tmp_path_factory: pytest.TempPathFactory, dlc_python: Path) -> dict:  # noqa: F811
    """A DeepLabCut-made project; its snapshots; DeepLabCut's detections on its video (one pickle per shuffle)."""
    root = tmp_path_factory.mktemp("dlc_weights")
    made = make_dlc_project(dlc_python, root, "dlcweights", seed=7, frames=24, labeled_frames=12, net_types=NET_TYPES)
    for net in NET_TYPES:
        assert made[f"create_multianimaltraining_dataset:{net}"]["ok"], made[f"create_multianimaltraining_dataset:{net}"]
    config = made["config"]
    project = Path(config).parent
    poses = [str(next(project.glob(f"dlc-models-pytorch/iteration-0/*shuffle{k}/train/pytorch_config.yaml")))
             for k in range(1, len(NET_TYPES) + 1)]
    trained = run_dlc(dlc_python, "train_bottom_up", {"config": config, "crop": [96, 96], "batch_size": 4, "shuffles": [
        {"shuffle": k, "pytorch_config": pose, "epochs": 1 if k == 1 else 0, "seed": k}
        for k, pose in enumerate(poses, start=1)]}, root)
    assert trained["train_network:1"]["ok"], trained["train_network:1"]
    models = []
    for k, pose in enumerate(poses, start=1):
        assert trained[f"snapshots:{k}"], trained
        models.append({"pytorch_config": pose, "snapshot": trained[f"snapshots:{k}"][-1],
                       "out": str(root / f"dlc_preds_{k}.pickle")})
    video = str(project / "videos" / "synth0.mp4")
    run_dlc(dlc_python, "predict_frames", {"video": video, "models": models}, root)
    preds = {}
    for shuffle, spec in enumerate(models, start=1):
        with open(spec["out"], "rb") as f:
            preds[shuffle] = pickle.load(f)
    return {"config": config, "video": video, "models": models, "preds": preds, "root": root}


def _frames(full: dict) -> list[dict]:
    return [full[k] for k in sorted(k for k in full if k.startswith("frame"))]


def assert_same_detections(dlc_preds: list[dict], madlc_frames: list[dict], n_joints: int) -> int:
    """Same peaks per frame and body part (coordinates, scores) and PAF costs; returns the number of peaks."""
    assert len(dlc_preds) == len(madlc_frames)
    n_peaks = 0
    for i, (theirs, ours) in enumerate(zip(dlc_preds, madlc_frames)):
        for j in range(n_joints):
            xy_theirs = np.asarray(theirs["coordinates"][0][j], dtype=np.float64).reshape(-1, 2)
            xy_ours = np.asarray(ours["coordinates"][0][j]).reshape(-1, 2)
            assert xy_theirs.shape == xy_ours.shape, f"frame {i} body part {j}: {len(xy_theirs)} vs {len(xy_ours)} peaks"
            np.testing.assert_allclose(xy_ours, xy_theirs, atol=COORD_ATOL, err_msg=f"frame {i} body part {j}")
            np.testing.assert_allclose(np.asarray(ours["confidence"][j]).ravel(),
                                       np.asarray(theirs["confidence"][j]).ravel(), atol=SCORE_ATOL)
            n_peaks += len(xy_ours)
        for edge, cost in (ours["costs"] or {}).items():
            other = (theirs.get("costs") or {}).get(edge)
            if other is None:  # DeepLabCut leaves out an edge without any pair
                assert cost["m1"].size == 0, f"frame {i} edge {edge}"
                continue
            for key in ("m1", "distance"):
                assert cost[key].shape == other[key].shape, f"frame {i} edge {edge} {key}"
                np.testing.assert_allclose(cost[key], other[key], atol=COST_ATOL, err_msg=f"frame {i} edge {edge} {key}")
        assert set(theirs.get("costs") or {}) <= set(ours["costs"] or {}), f"frame {i}: edges"
    return n_peaks


@pytest.mark.parametrize("shuffle", [1, 2, 3], ids=NET_TYPES)
def test_deeplabcut_snapshot_gives_the_same_detections_in_madlc(dlc_snapshots, shuffle):
    import madlc
    from madlc.nn.models import load_model
    from madlc.video import VideoReader

    theirs = dlc_snapshots["preds"][shuffle]
    with VideoReader(dlc_snapshots["video"]) as reader:
        assert np.array_equal(np.stack(list(reader)), theirs["frames"])  # the same frames in both programs
    network, model_cfg = load_model(dlc_snapshots["models"][shuffle - 1]["snapshot"])
    assert type(network).__name__ == "DLCPoseModel" and network.stride == theirs["stride"] == 4
    scorer = madlc.analyze_videos(dlc_snapshots["config"], [dlc_snapshots["video"]], shuffle=shuffle)
    full_path = Path(dlc_snapshots["video"]).with_name(Path(dlc_snapshots["video"]).stem + scorer + "_full.pickle")
    with open(full_path, "rb") as f:
        full = pickle.load(f)
    n_peaks = assert_same_detections(theirs["preds"], _frames(full), 3)
    assert n_peaks >= 3 * len(theirs["preds"])  # something was compared on every frame


def test_madlc_evaluates_and_trains_on_and_deeplabcut_analyzes_the_result(dlc_snapshots, dlc_python):  # noqa: F811
    """madlc evaluates DeepLabCut's trained snapshot, trains it on, and DeepLabCut analyses madlc's snapshot."""
    import madlc
    from madlc.project.paths import list_snapshots

    config, video = dlc_snapshots["config"], dlc_snapshots["video"]
    pose = dlc_snapshots["models"][0]["pytorch_config"]
    before = Path(pose).read_bytes()
    result = madlc.evaluate_network(config, Shuffles=[1])
    assert result["snapshot"] == "snapshot-001.pt" and result["training_epochs"] == 1  # DeepLabCut's trained one
    assert Path(result["results_csv"]).exists() and np.isfinite(result["train_rmse"])
    # madlc resumes training from DeepLabCut's snapshot (same network, its own losses and augmentation)
    madlc.train_network(config, shuffle=1, maxiters=4, overrides=[
        "data.num_workers=0", "train.num_threads=1", "train.progress_bar=false", "data.batch_size=4",
        "train.eval_at_end=false"])
    snapshot = list_snapshots(Path(pose).parent)[-1]
    assert snapshot.name != "snapshot-001.pt"
    assert Path(pose).read_bytes() == before  # DeepLabCut's pytorch_config.yaml untouched
    scorer = madlc.analyze_videos(config, [video], shuffle=1)
    out = str(dlc_snapshots["root"] / "madlc_trained_preds.pickle")
    dest = dlc_snapshots["root"] / "dlc_analysis"
    report = run_dlc(dlc_python, "analyze_snapshot", {
        "config": config, "video": video, "shuffle": 1, "scorers": [[1, 0.8]], "destfolder": str(dest),
        "models": [{"pytorch_config": pose, "snapshot": str(snapshot), "out": out}]}, dlc_snapshots["root"])
    assert report[f"validate:{pose}"]["ok"], report[f"validate:{pose}"]
    assert report["scorer:1"]["value"] == scorer  # DeepLabCut names madlc's snapshot as madlc does
    assert report["analyze_videos"]["ok"], report["analyze_videos"]
    assert f"synth0{scorer}_full.pickle" in report["files"], report["files"]
    with open(out, "rb") as f:
        theirs = pickle.load(f)
    with open(Path(video).with_name(f"synth0{scorer}_full.pickle"), "rb") as f:
        ours = pickle.load(f)
    assert assert_same_detections(theirs["preds"], _frames(ours), 3) > 0
