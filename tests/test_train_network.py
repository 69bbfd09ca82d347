"""train_network learns on a toy project; snapshots, resume, load_model, corrupt snapshots."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from madlc.stages.create_multianimaltraining_dataset import create_multianimaltraining_dataset
from madlc.errors import MadlcError
from madlc.project import paths
from madlc.project.config import load_config
from test_data_toyproject import make_toy_project

FAST = ["data.num_workers=0", "train.num_threads=1", "train.lr=2e-3", "train.progress_bar=false",
        "data.augmentation.rotation_p=0.2", "data.augmentation.occlusion=0.2"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from madlc.stages.train_network import train_network

    root = tmp_path_factory.mktemp("train")
    config = make_toy_project(root, frames=30, size=(128, 96), identity=True)
    create_multianimaltraining_dataset(config, net_type="tiny")
    snapshot = train_network(config, maxiters=90, displayiters=10, saveiters=30, max_snapshots_to_keep=2,
                             overrides=FAST)
    cfg = load_config(config)
    return {"config": config, "cfg": cfg, "snapshot": Path(snapshot), "model_dir": paths.model_folder(cfg)}


def _stats(model_dir: Path) -> list[dict]:
    with (model_dir / "train" / "learning_stats.csv").open() as f:
        return list(csv.DictReader(f))


def test_tiny_network_learns(trained: dict) -> None:
    from madlc.stages.train_network import evaluate_snapshot

    rows = _stats(trained["model_dir"])
    first, last = float(rows[0]["loss"]), float(rows[-1]["loss"])
    assert int(rows[-1]["step"]) == 90
    assert first / last > 5, (first, last)
    assert len(rows) >= 20  # display interval adapted to the run's length (displayiters=10 for 90 steps: every 4)
    report = evaluate_snapshot(trained["config"], trained["model_dir"])
    # chance level (a guess anywhere in a 128x96 image) is ~40 px; the trained net is within a few px
    assert report["train_rmse"] < 10, report
    # one RMSE definition: the end-of-run report is evaluate_network's for the same snapshot
    line = (trained["model_dir"] / "train" / "train.txt").read_text().strip().splitlines()[-1]
    assert f"train_rmse {report['train_rmse']:.2f}" in line and f"test_rmse {report['test_rmse']:.2f}" in line
    import madlc

    evaluated = madlc.evaluate_network(trained["config"], show_errors=False)
    for key in ("train_rmse", "test_rmse", "train_rmse_pcutoff", "train_mAP"):
        assert evaluated[key] == pytest.approx(report[key], rel=1e-6, nan_ok=True), key


def test_snapshots_named_pruned_and_loadable(trained: dict) -> None:
    from madlc.nn.models import load_model, model_forward

    train_dir = trained["model_dir"] / "train"
    snaps = paths.list_snapshots(train_dir)
    # 24 training images / batch 8 = 3 steps per epoch: 90 steps = 30 epochs; saveiters=30 -> every 10 epochs
    assert [s.name for s in snaps] == ["snapshot-020.pt", "snapshot-030.pt"]  # pruned to max_snapshots_to_keep
    assert trained["snapshot"] == snaps[-1]
    pcfg = yaml.safe_load((train_dir / "madlc_model.yaml").read_text())
    assert pcfg["train"]["max_steps"] == 90 and pcfg["train"]["lr"] == 2e-3  # the resolved config is saved
    dlc = yaml.safe_load((train_dir / "pytorch_config.yaml").read_text())  # DeepLabCut's view of the same run
    assert dlc["runner"]["optimizer"]["params"]["lr"] == 2e-3 and dlc["train_settings"]["epochs"] == 30
    model, mcfg = load_model(trained["model_dir"])
    assert not model.training and mcfg["stride"] == 8 and mcfg["shape"]["num_joints"] == 4
    out = model_forward(model, torch.rand(1, 3, 96, 128))
    assert out["heatmaps"].shape == (1, 4, 12, 16) and out["paf"].shape == (1, 12, 12, 16)
    assert out["identity"].shape == (1, 3, 12, 16) and out["stride"] == 8


def test_resume_and_corrupt_snapshot(trained: dict) -> None:
    from madlc.stages.train_network import train_network

    before = paths.list_snapshots(trained["model_dir"] / "train")[-1]
    snap = train_network(trained["config"], maxiters=96, overrides=FAST + ["train.eval_at_end=false"])
    assert Path(snap) != before
    steps = [int(r["step"]) for r in _stats(trained["model_dir"])]
    assert steps[-1] > 90 and steps == sorted(steps)
    assert torch.load(snap, weights_only=True)["metadata"]["step"] == 96
    # training already done: no-op; a learning_stats.csv deleted meanwhile (Snakemake removes the outputs of a
    # job that failed after training) is written again from train.txt, the same rows
    stats = trained["model_dir"] / "train" / "learning_stats.csv"
    rows = _stats(trained["model_dir"])
    stats.unlink()
    assert train_network(trained["config"], maxiters=96, overrides=FAST) == snap
    assert [(r["step"], r["loss"]) for r in _stats(trained["model_dir"])] == [(r["step"], r["loss"]) for r in rows]
    bad = trained["model_dir"] / "train" / "snapshot-999.pt"
    bad.write_bytes(b"not a checkpoint")
    try:
        with pytest.raises(MadlcError, match="snapshot-999.pt"):
            train_network(trained["config"], maxiters=200, overrides=FAST)
    finally:
        bad.unlink()
    assert np.isfinite(float(_stats(trained["model_dir"])[-1]["loss"]))
    # starting afresh from given weights: earlier snapshots are archived, the new run's are the last ones
    snap = train_network(trained["config"], maxiters=3, overrides=FAST + [
        "train.resume=false", f"train.init_weights={snap}", "train.eval_at_end=false"])
    assert Path(snap).name == "snapshot-001.pt" and paths.list_snapshots(Path(snap).parent) == [Path(snap)]
    assert list((Path(snap).parent).glob("previous-*/snapshot-032.pt"))
    # the learning curve is this run's; the earlier one moved with its snapshots
    assert [int(r["step"]) for r in _stats(trained["model_dir"])][-1] == 3
    assert max(int(r["step"]) for r in _stats(trained["model_dir"])) == 3
    assert list((Path(snap).parent).glob("previous-*/learning_stats.csv"))
    saved = yaml.safe_load((Path(snap).parent / "madlc_model.yaml").read_text())["train"]
    assert saved["resume"] is True and saved["max_steps"] == 3  # resume=false was for that run only


def test_identity_head_learns(trained: dict) -> None:
    from madlc.io.images import read_image
    from madlc.stages.create_multianimaltraining_dataset import keypoints_for_split
    from madlc.nn.models import load_model, model_forward

    model, _ = load_model(trained["model_dir"])
    keys, truth = keypoints_for_split(trained["config"], which="train")
    hits = []
    for key, gt in list(zip(keys, truth))[:5]:
        img = read_image(Path(trained["cfg"]["project_path"]).joinpath(*key))
        ident = model_forward(model, torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255)["identity"][0]
        for slot, part in zip(*np.nonzero(np.isfinite(gt).all(-1))):
            x, y = gt[slot, part]
            hits.append(int(ident[:, min(int(y // 8), ident.shape[1] - 1), min(int(x // 8), ident.shape[2] - 1)].argmax()) == slot)
    assert np.mean(hits) > 0.8  # chance: 1/3


def test_config_changed_since_dataset_creation(tmp_path: Path) -> None:
    from madlc.errors import ConfigError
    from madlc.stages.train_network import train_network
    from madlc.stages.edit_config import edit_config

    config = make_toy_project(tmp_path, frames=6)
    create_multianimaltraining_dataset(config, net_type="tiny")
    edit_config(str(config), {"multianimalbodyparts": ["part0", "part1", "part2", "part3", "part4"]})
    with pytest.raises(ConfigError, match="part4"):
        train_network(config, maxiters=1)
