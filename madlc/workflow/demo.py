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
    from madlc.stages.synth_project import synth_project
    from madlc.workflow.run import run

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


def evaluation_summary(project: str | Path) -> dict[str, float]:
    """Scores of the newest evaluation (its ``<scorer>-results.csv``, and ``-paf-graphs.csv``): train/test
    RMSE in px, test OKS-mAP in 0..1, edges of the PAF graph chosen / all."""
    import pandas as pd

    found = sorted(Path(project).glob("evaluation-results-pytorch/iteration-*/*/DLC_*-results.csv"),
                   key=lambda p: p.stat().st_mtime)
    if not found:
        return {}
    row = pd.read_csv(found[-1]).iloc[0]
    out = {"train_rmse": float(row["train rmse"]), "test_rmse": float(row["test rmse"]),
           "test_mAP": float(row["test mAP"]) / 100.0, "results_csv": str(found[-1])}
    graphs = Path(str(found[-1])[: -len("-results.csv")] + "-paf-graphs.csv")
    if graphs.exists():
        table = pd.read_csv(graphs)
        chosen = table[table["selected"].astype(bool)]
        if len(chosen):
            out.update(paf_best_edges=int(chosen["n_edges"].iloc[0]), paf_edges=int(table["n_edges"].max()))
    return out


def tracking_metrics_of(video: str | Path) -> dict:
    """The newest ``<video><scorer>_<tracker>_tracking_metrics.json`` written by evaluate_tracking (or {})."""
    video = Path(video)
    found = sorted(video.parent.glob(f"{video.stem}DLC_*_tracking_metrics.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(found[-1].read_text()) if found else {}


def report(config: str | Path) -> str:
    """A short text report of a finished run: pose and tracking scores, and where the outputs are."""
    from madlc.project.manage import project_videos

    config = Path(config)
    project = config.parent
    lines = [f"madlc demo: project {project}"]
    ev = evaluation_summary(project)
    if ev:
        lines.append(f"  pose (labeled images)   train RMSE {ev['train_rmse']:.2f} px, test RMSE {ev['test_rmse']:.2f} px, "
                     f"test OKS-mAP {ev['test_mAP']:.2f}; PAF graph "
                     f"{ev.get('paf_best_edges', '?')} of {ev.get('paf_edges', '?')} edges")
    videos = list(project_videos(config)) + sorted((project / "held-out").glob("*.mp4"))
    for video in videos:
        tm = tracking_metrics_of(video)
        if "idf1" in tm:
            lines.append(f"  tracking {video.stem:<14} MOTA {tm['mota']:.3f}, IDF1 {tm['idf1']:.3f}, "
                         f"ID switches {tm.get('num_switches', '?')} (vs ground truth)")
    lines += assembly_lines(project)
    for video in videos:
        for labeled in sorted(video.parent.glob(f"{video.stem}DLC_*_labeled.mp4")):
            lines.append(f"  labeled video           {labeled}")
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
