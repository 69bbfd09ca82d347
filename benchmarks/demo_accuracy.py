"""End-to-end accuracy of the demo: pose (RMSE, OKS-mAP of assemblies) and tracking (MOTA, IDF1) on
held-out synthetic videos, after training the tiny network with `madlc run` on a synthetic project.

    python benchmarks/demo_accuracy.py [--steps 1000] [--size 320x240] [--held-out 3] [--seed 0]

Prints, for each held-out video (never seen in training) and pooled over them: OKS-mAP/mAR of the
assembled animals against the exact ground truth (goal: mAP >= 0.9), the same detections grouped
DeepLabCut's way (greedy linking, no length prior) for comparison, the evaluation RMSE of the
labeled test images, the tracking metrics of the stitched tracks, and the seconds each part took.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1000, help="training steps of the tiny network")
    parser.add_argument("--frames", type=int, default=300, help="frames per video (project and held-out)")
    parser.add_argument("--animals", type=int, default=3)
    parser.add_argument("--size", default="320x240", help="frame size WxH (animals scale with it; the demo's)")
    parser.add_argument("--videos", type=int, default=1, help="labeled videos in the synthetic project")
    parser.add_argument("--labeled-frames", type=int, default=60, help="labeled frames per video")
    parser.add_argument("--held-out", type=int, default=3, help="held-out videos analyzed and scored")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic project and held-out videos")
    parser.add_argument("--dir", default="/tmp/madlc-demo-accuracy")
    parser.add_argument("--cores", type=int, default=None)
    parser.add_argument("--reuse", action="store_true",
                        help="score the project already in --dir again (no new project, no training): e.g. after "
                             "a change to the trackers")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides (data.pafwidth=16 ...)")
    args = parser.parse_args()

    import shutil

    from madlc.stages.synth_project import synth_project
    from madlc.workflow.run import run

    folder = Path(args.dir)
    reuse = args.reuse and (folder / "config.yaml").exists()
    if folder.exists() and not reuse:
        shutil.rmtree(folder)
    t0 = time.perf_counter()
    if reuse:
        config = str(folder / "config.yaml")
    else:
        config = synth_project(str(folder), animals=args.animals, bodyparts=4, frames=args.frames, size=args.size,
                               labeled_frames=args.labeled_frames, held_out=args.held_out, videos=args.videos,
                               seed=args.seed)
    held_out = sorted(v for v in (folder / "held-out").glob("*.mp4") if "DLC_" not in v.stem)  # not labeled videos
    t1 = time.perf_counter()
    run(config, "all", cores=args.cores, videos=[str(v) for v in held_out],
        overrides=[f"train.max_steps={args.steps}", "train.save_epochs=100000", "train.progress_bar=false",
                   *args.overrides])
    t2 = time.perf_counter()

    from madlc.workflow.demo import evaluation_summary

    state = folder / ".madlc"
    evaluation = evaluation_summary(folder)
    print(f"madlc demo accuracy: {args.animals} animals, {args.size}, tiny network, {args.steps} steps, "
          f"{args.labeled_frames * args.videos} labeled frames, seed {args.seed}")
    print(f"  labeled test images : RMSE {evaluation.get('test_rmse', float('nan')):.2f} px, "
          f"OKS-mAP {evaluation.get('test_mAP', float('nan')):.3f}")
    print(f"  seconds             : synthetic project {t1 - t0:.1f}, madlc run {t2 - t1:.1f}")
    print(f"  {'held-out video':<16} {'frames':>6} {'mAP':>6} {'mAR':>6} {'DLC-style mAP':>13} {'MOTA':>6} "
          f"{'IDF1':>6} {'IDsw':>5}")
    pooled: dict[str, list] = {"madlc": [], "greedy": [], "gt": []}
    for video in held_out:
        row = score_video(folder, video, state)
        for key in pooled:
            pooled[key].append(row[key])
        tm = row["tracking"]
        print(f"  {video.stem:<16} {len(row['gt']):>6} {row['mAP']:>6.3f} {row['mAR']:>6.3f} {row['greedy_mAP']:>13.3f} "
              f"{tm.get('mota', float('nan')):>6.3f} {tm.get('idf1', float('nan')):>6.3f} {tm.get('num_switches', -1):>5}")
    if len(held_out) > 1:
        madlc_all = pooled_map(pooled["madlc"], pooled["gt"])
        greedy_all = pooled_map(pooled["greedy"], pooled["gt"])
        n = sum(len(g) for g in pooled["gt"])
        print(f"  {'all (pooled)':<16} {n:>6} {madlc_all['mAP']:>6.3f} {madlc_all['mAR']:>6.3f} "
              f"{greedy_all['mAP']:>13.3f}   (goal: mAP >= 0.9)")
    print("  trackers on the network's detections of the held-out videos (stitched to the animals; means,"
          " switches summed):")
    print(f"    {'tracker':<10} {'MOTA':>6} {'IDF1':>6} {'IDsw':>5} {'s/1k frames':>12}")
    tracker_rows(held_out, pooled["gt"])


def score_video(folder: Path, video: Path, state: Path) -> dict:
    """Assemblies of one analyzed held-out video vs its ground truth; the same detections grouped
    DeepLabCut's way (greedy, no length prior, no refinement); the pipeline's tracking metrics."""
    from madlc.stages.assemble import assemble
    from madlc.core.metrics.oks import assemblies_oks_map
    from madlc.io import read_assemblies
    from madlc.synth.groundtruth import read_ground_truth_poses

    gt, _, _ = read_ground_truth_poses(folder / "ground-truth" / f"{video.stem}_gt.h5")
    assemblies = read_assemblies(next(video.parent.glob(f"{video.stem}DLC_*_assemblies.pickle")))
    full = next(video.parent.glob(f"{video.stem}DLC_*_full.pickle"))
    inference_cfg = next((folder / "dlc-models-pytorch").rglob("test/inference_cfg.yaml"))
    greedy_path = assemble(str(full), str(inference_cfg), str(full).replace("_full.pickle", "_greedy.pickle"),
                           overrides=["inference.grouping=greedy", "inference.length_weight=0", "inference.refine=false"])
    greedy = read_assemblies(greedy_path)
    pose, dlc_style = assemblies_oks_map(assemblies, gt), assemblies_oks_map(greedy, gt)
    from madlc.workflow.demo import tracking_metrics_of

    tracking = tracking_metrics_of(video)
    return {"mAP": pose["mAP"], "mAR": pose["mAR"], "greedy_mAP": dlc_style["mAP"], "tracking": tracking,
            "madlc": assemblies, "greedy": greedy, "gt": gt}


def pooled_map(assemblies: list[dict], gts: list) -> dict:
    """OKS-mAP over the frames of several videos together."""
    import numpy as np

    from madlc.core.metrics.oks import assemblies_oks_map

    merged, offset = {}, 0
    for asm, gt in zip(assemblies, gts):
        merged.update({offset + int(t): a for t, a in asm.items() if isinstance(t, (int, np.integer))})
        offset += len(gt)
    return assemblies_oks_map(merged, np.concatenate(gts))


def tracker_rows(videos: list[Path], truths: list) -> None:
    """Track + stitch each held-out video's assemblies with each tracker; print MOTA/IDF1 vs ground truth."""
    import numpy as np

    from madlc.core.metrics.tracking import tracking_metrics
    from madlc.io import read_tracks, tracks_to_array
    from madlc.stages.stitch import stitch
    from madlc.stages.track import track

    for method in ("box", "ellipse", "skeleton", "auto"):  # auto: madlc track's default
        rows, seconds = [], 0.0
        for video, truth in zip(videos, truths):
            assemblies = next(video.parent.glob(f"{video.stem}DLC_*_assemblies.pickle"))
            start = time.perf_counter()
            tracklets = track(str(assemblies), method=method, output=str(assemblies).replace(
                "_assemblies.pickle", f"_bench_{method}.pickle"))
            tracks = stitch(tracklets, n_tracks=truth.shape[1])
            seconds += time.perf_counter() - start
            pred, _, individuals, _ = tracks_to_array(read_tracks(tracks))
            pred = pred[:, [k for k, n in enumerate(individuals) if n != "single"], : truth.shape[2]]
            rows.append(tracking_metrics(pred, np.concatenate([truth, np.ones(truth.shape[:3] + (1,))], axis=-1)))
        n_frames = sum(len(t) for t in truths)
        print(f"    {method:<10} {np.mean([r['mota'] for r in rows]):>6.3f} {np.mean([r['idf1'] for r in rows]):>6.3f} "
              f"{sum(r['num_switches'] for r in rows):>5d} {1000 * seconds / n_frames:>12.2f}")


if __name__ == "__main__":
    main()
