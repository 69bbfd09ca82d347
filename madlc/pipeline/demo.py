"""``madlc demo``: the whole workflow on a synthetic project, end to end, on a CPU in minutes.

Makes a synthetic 3-animal project with exact ground truth (``madlc.synth``), runs
``madlc run`` on it (the project's video and a held-out video of the same kind), and
prints what a user would look at: where the outputs are, and the pose and tracking
scores against the ground truth.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

#: small settings so that the demo trains and analyzes on a CPU in a few minutes
#: (the synthetic project's own madlc.yaml already picks the tiny network and small-frame settings)
DEMO_OVERRIDES = ["train.max_steps=1000", "train.save_epochs=1000"]


def demo(
    directory: str,
    animals: int = 3,
    frames: int = 300,
    labeled_frames: int = 60,
    cores: int | None = None,
    size: str = "320x240",
    overrides: Sequence[str] = (),
) -> str:
    """Make a synthetic project in DIRECTORY (once) and run the whole pipeline on it; return config.yaml.

    ``size``: frame size WxH (the animals scale with it; at 320x240 an animal is about 60 px
    long). Running it again does only what changed (nothing, the second time).
    """
    from madlc.pipeline.run import run
    from madlc.stages.synth_project import synth_project

    folder = Path(directory).expanduser().resolve()
    config = folder / "config.yaml"
    if not config.exists():
        config = Path(synth_project(str(folder), animals=animals, bodyparts=4, frames=frames, size=size,
                                    labeled_frames=labeled_frames, videos=1, held_out=1, seed=0))
    held_out = sorted((config.parent / "held-out").glob("*.mp4"))
    run(str(config), "all", cores=cores, videos=[str(v) for v in held_out],
        overrides=[*DEMO_OVERRIDES, *overrides])
    print(report(config))
    return str(config)


def report(config: str | Path) -> str:
    """A short text report of a finished run: pose and tracking scores, and where the outputs are."""
    config = Path(config)
    state = config.parent / ".madlc"

    def result(marker: Path):
        try:
            return json.loads(marker.read_text()).get("result")
        except (OSError, ValueError):
            return None

    lines = [f"madlc demo: project {config.parent}"]
    for marker in sorted(state.rglob("evaluate.done")):
        ev = result(marker) or {}
        if isinstance(ev, dict) and "test_rmse" in ev:
            lines.append(f"  pose (labeled images)   train RMSE {ev['train_rmse']:.2f} px, test RMSE {ev['test_rmse']:.2f} px, "
                         f"test OKS-mAP {ev.get('test_mAP', float('nan')):.2f}; PAF graph "
                         f"{ev.get('paf_best_edges', '?')} of {ev.get('paf_edges', '?')} edges")
    for marker in sorted(state.rglob("videos/*/tracking_metrics.done")):
        tm = result(marker) or {}
        if isinstance(tm, dict) and "idf1" in tm:
            lines.append(f"  tracking {marker.parent.name:<14} MOTA {tm['mota']:.3f}, IDF1 {tm['idf1']:.3f}, "
                         f"ID switches {tm.get('num_switches', '?')} (vs ground truth)")
    lines += assembly_lines(config.parent)
    for marker in sorted(state.rglob("videos/*/labeled_video.done")):
        out = result(marker)
        shown = out[0] if isinstance(out, list) and out else out
        if shown:
            lines.append(f"  labeled video           {shown}")
    return "\n".join(lines)


def assembly_lines(project: Path) -> list[str]:
    """OKS-mAP of the assembled animals of every video that has synthetic ground truth."""
    from madlc.core.metrics.oks import assemblies_oks_map
    from madlc.io import read_assemblies
    from madlc.synth.groundtruth import read_ground_truth_poses

    lines = []
    for truth in sorted((project / "ground-truth").glob("*_gt.h5")):
        stem = truth.name[: -len("_gt.h5")]
        found = sorted(project.glob(f"*/{stem}DLC_*_assemblies.pickle"))
        if not found:
            continue
        gt, _, _ = read_ground_truth_poses(truth)
        score = assemblies_oks_map(read_assemblies(found[-1]), gt)
        lines.append(f"  assembly {stem:<14} OKS-mAP {score['mAP']:.3f}, mAR {score['mAR']:.3f} (every frame vs ground truth)")
    return lines
