"""End-to-end accuracy of the demo: pose (RMSE, OKS-mAP of assemblies) and tracking (MOTA, IDF1) on a
held-out synthetic video, after training the tiny network with `madlc run` on a synthetic project.

    python benchmarks/demo_accuracy.py [--steps 1000] [--frames 300] [--dir /tmp/madlc-acc]

Prints, for the held-out video (never seen in training): OKS-mAP/mAR of the assembled animals
against the exact ground truth (goal: mAP >= 0.9), the evaluation RMSE of the labeled test
images, and the tracking metrics of the stitched tracks; plus the seconds each part took.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1000, help="training steps of the tiny network")
    parser.add_argument("--frames", type=int, default=300, help="frames per video (project and held-out)")
    parser.add_argument("--animals", type=int, default=3)
    parser.add_argument("--size", default="160x120", help="frame size WxH (animals scale with it)")
    parser.add_argument("--videos", type=int, default=1, help="labeled videos in the synthetic project")
    parser.add_argument("--labeled-frames", type=int, default=60, help="labeled frames per video")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic project and held-out video")
    parser.add_argument("--dir", default="/tmp/madlc-demo-accuracy")
    parser.add_argument("--cores", type=int, default=None)
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides (data.pafwidth=16 ...)")
    args = parser.parse_args()

    import shutil

    from madlc.evaluation.oks import assemblies_oks_map
    from madlc.io import read_assemblies, read_tracks, tracks_to_array
    from madlc.pipeline.run import run
    from madlc.synth.project import synth_project

    folder = Path(args.dir)
    if folder.exists():
        shutil.rmtree(folder)
    t0 = time.perf_counter()
    config = synth_project(str(folder), animals=args.animals, bodyparts=4, frames=args.frames, size=args.size,
                           labeled_frames=args.labeled_frames, held_out=1, videos=args.videos, seed=args.seed)
    held_out = sorted((folder / "held-out").glob("*.mp4"))
    t1 = time.perf_counter()
    run(config, "all", cores=args.cores, videos=[str(v) for v in held_out],
        overrides=[f"train.max_steps={args.steps}", "train.save_epochs=100000", "train.progress_bar=false", *args.overrides])
    t2 = time.perf_counter()

    state = folder / ".madlc"
    evaluation = json.loads(next(state.rglob("evaluate.done")).read_text())["result"]
    stem = held_out[0].stem
    gt, _, gt_individuals, gt_parts = tracks_to_array(read_tracks(folder / "ground-truth" / f"{stem}_gt.h5"))
    n_multi = len(gt_parts)
    visible = gt[..., 2] > 0
    truth = gt[:, : args.animals, :n_multi, :2].copy()
    truth[~visible[:, : args.animals, :n_multi]] = float("nan")
    assemblies = read_assemblies(next(held_out[0].parent.glob(f"{stem}DLC_*_assemblies.pickle")))
    pose = assemblies_oks_map(assemblies, truth)
    tracking = json.loads(next(state.rglob(f"videos/{stem}/tracking_metrics.done")).read_text())["result"]

    print(f"madlc demo accuracy: {args.animals} animals, {args.size}, tiny network, {args.steps} steps")
    print(f"  labeled test images : RMSE {evaluation.get('test_rmse', float('nan')):.2f} px, "
          f"OKS-mAP {evaluation.get('test_mAP', float('nan')):.3f}")
    print(f"  held-out video      : {len(truth)} frames, assemblies OKS-mAP {pose['mAP']:.3f} "
          f"(goal >= 0.9), mAR {pose['mAR']:.3f}")
    shown = {k: tracking[k] for k in ("mota", "idf1", "num_switches", "num_fragmentations") if k in tracking}
    print(f"  held-out tracking   : {json.dumps(shown)}")
    print(f"  seconds             : synthetic project {t1 - t0:.1f}, madlc run {t2 - t1:.1f}")
    print("  trackers on the network's detections of the held-out video (stitched to 3 tracks):")
    print(f"    {'tracker':<10} {'MOTA':>6} {'IDF1':>6} {'IDsw':>5} {'s/1k frames':>12}")
    tracker_rows(held_out[0], truth, gt.shape[0])


def tracker_rows(video: Path, truth, n_frames: int) -> None:
    """Track + stitch the held-out video's assemblies with each tracker; print MOTA/IDF1 vs ground truth."""
    import numpy as np

    from madlc.evaluation.tracking_metrics import tracking_metrics
    from madlc.io import read_tracks, tracks_to_array
    from madlc.tracking.api import stitch, track

    assemblies = next(video.parent.glob(f"{video.stem}DLC_*_assemblies.pickle"))
    for method in ("box", "ellipse", "skeleton"):
        start = time.perf_counter()
        tracklets = track(str(assemblies), method=method, output=str(assemblies).replace(
            "_assemblies.pickle", f"_bench_{method}.pickle"))
        tracks = stitch(tracklets, n_tracks=truth.shape[1])
        seconds = time.perf_counter() - start
        pred, _, individuals, _ = tracks_to_array(read_tracks(tracks))
        pred = pred[:, [k for k, n in enumerate(individuals) if n != "single"], : truth.shape[2]]
        metrics = tracking_metrics(pred, np.concatenate([truth, np.ones(truth.shape[:3] + (1,))], axis=-1))
        print(f"    {method:<10} {metrics['mota']:>6.3f} {metrics['idf1']:>6.3f} {metrics['num_switches']:>5d} "
              f"{1000 * seconds / n_frames:>12.2f}")


if __name__ == "__main__":
    main()
