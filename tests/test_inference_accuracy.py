"""End to end on a held-out synthetic video: a briefly trained tiny network, analyzed and assembled.

The benchmark (``benchmarks/demo_accuracy.py``, 320x240, 1,000 steps) reaches OKS-mAP >= 0.9; this
test trains a few hundred steps on small frames and asserts a looser bound, plus what each
assembly step adds on the same detections: madlc's assembler beats DeepLabCut-style greedy
grouping, and the learnt length prior beats no prior.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

#: a short training on 192x144 frames: about 35 s on 2 CPU cores
STEPS = 600
TRAIN = [f"train.max_steps={STEPS}", "train.save_epochs=100000", "train.progress_bar=false",
         "train.eval_at_end=false", "data.num_workers=0"]


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    """A synthetic project trained, evaluated, and its held-out video analyzed: (full pickle, config, gt)."""
    import madlc
    from madlc.synth.groundtruth import read_ground_truth_poses
    from madlc.stages.synth_project import synth_project

    torch.set_num_threads(2)
    config = synth_project(str(tmp_path_factory.mktemp("accuracy") / "project"), animals=3, bodyparts=4,
                           frames=200, size="192x144", labeled_frames=50, held_out=1, seed=4)
    madlc.create_multianimaltraining_dataset(config)
    madlc.train_network(config, overrides=TRAIN)
    madlc.evaluate_network(config)
    video = Path(config).parent / "held-out" / "heldout0.mp4"
    madlc.analyze_videos(config, [str(video)])
    full = next(video.parent.glob("heldout0DLC_*_full.pickle"))
    gt, _, _ = read_ground_truth_poses(Path(config).parent / "ground-truth" / "heldout0_gt.h5")
    inference_cfg = next((Path(config).parent / "dlc-models-pytorch").rglob("test/inference_cfg.yaml"))
    return full, inference_cfg, gt


def held_out_map(analyzed, tmp_path, *overrides: str) -> float:
    from madlc.stages.assemble import assemble
    from madlc.core.metrics.oks import assemblies_oks_map
    from madlc.io import read_assemblies

    full, inference_cfg, gt = analyzed
    out = assemble(str(full), str(inference_cfg), str(tmp_path / f"asm{len(list(tmp_path.iterdir()))}.pickle"),
                   overrides=list(overrides))
    return assemblies_oks_map(read_assemblies(out), gt)["mAP"]


def test_held_out_assemblies_reach_a_useful_map(analyzed, tmp_path):
    default = held_out_map(analyzed, tmp_path)
    greedy = held_out_map(analyzed, tmp_path, "inference.grouping=greedy", "inference.length_weight=0")
    no_prior = held_out_map(analyzed, tmp_path, "inference.length_weight=0")
    print(f"held-out assembly OKS-mAP after {STEPS} steps: madlc {default:.3f}, without the length prior "
          f"{no_prior:.3f}, DeepLabCut-style greedy {greedy:.3f}")
    assert default >= 0.65  # measured 0.78 (the 320x240 benchmark: 0.94)
    assert default >= greedy + 0.03  # measured +0.07
    assert default >= no_prior + 0.01  # measured +0.05
