"""Tracking benchmark: madlc's trackers + stitcher vs a naive frame-to-frame baseline.

Synthetic animals (madlc.synth.detections) with close interactions and crossings are
degraded like a real detector (jitter, dropped parts, animals missed for 5-40 frames,
parts given to the wrong animal, false partial animals, imperfect identities). For 2, 3
and 10 animals the script prints MOTA, IDF1, identity switches and seconds per 1,000
frames for box / ellipse / skeleton, with and without identity, identity-only, and the
baseline (frame-to-frame Hungarian on centroids into n fixed slots), plus a scenario
where every occlusion lasts exactly 40 frames. "auto" is madlc track's default (track_method
auto, madlc.core.tracking.auto). "ellipse dlc-like" runs the ellipse tracker
the way DeepLabCut does (ellipse-parameter Kalman filter, no backfill, no ambiguity cuts)
before the same stitcher.

    python benchmarks/tracking.py                 # default: ~1-2 min on 2 cores
    python benchmarks/tracking.py --frames 10000 --animals 3,10 --noise hard --seeds 3
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from madlc.core.metrics.tracking import tracking_metrics
from madlc.core.tracking.similarity import pose_centroids
from madlc.stages._settings import repair_choice
from madlc.core.tracking.stitch import StitchConfig, stitch_tracklets_array
from madlc.synth.detections import NoiseLevel, crossing_events, degrade, ground_truth_tracks, simulate_poses
from madlc.core.tracking.trackers import TrackerConfig, link_by_identity, track_assemblies


#: stitcher swap repair used by the runs (None: the settings' default, auto; else --repair-swaps)
REPAIR: list[bool | None] = [None]


def naive_baseline(assemblies: dict[int, np.ndarray], n_tracks: int, n_frames: int) -> np.ndarray:
    """n fixed slots; each frame, Hungarian on centroid distance to each slot's last position."""
    k = next(a.shape[1] for a in assemblies.values() if len(a))
    out = np.full((n_frames, n_tracks, k, 3), np.nan)
    last = np.full((n_tracks, 2), np.nan)
    for f in range(n_frames):
        animals = assemblies.get(f)
        if animals is None or not len(animals):
            continue
        c = pose_centroids(animals[..., :2])
        ok = np.isfinite(c).all(1)
        animals, c = animals[ok], c[ok]
        if not len(c):
            continue
        d = np.linalg.norm(c[:, None] - last[None], axis=-1)
        d = np.where(np.isfinite(d), d, 1e6)  # empty slots take anyone
        rows, cols = linear_sum_assignment(d)
        for r, q in zip(rows, cols):
            out[f, q] = animals[r, :, :3]
            last[q] = c[r]
    return out


def run_case(name: str, det, n: int, n_frames: int, gt_tracks: np.ndarray) -> dict:
    t0 = time.perf_counter()
    if name == "naive baseline":
        pred = naive_baseline(det.assemblies, n, n_frames)
    else:
        method, _, variant = name.partition(" ")
        with_id = variant in ("+id", "id-only")
        if variant == "id-only":
            tracklets = link_by_identity(det.assemblies, n, n_frames=n_frames)
        elif method == "auto":  # madlc track's default: tracker + settings picked from how crowded the video is
            from madlc.core.tracking.auto import choose_tracker

            choice = choose_tracker(det.assemblies)
            tracker_keys = {k: v for k, v in choice.settings.items() if k in TrackerConfig.__dataclass_fields__}
            stitch_keys = {k: v for k, v in choice.settings.items() if k in StitchConfig.__dataclass_fields__}
            tracklets = track_assemblies(det.assemblies, TrackerConfig(method=choice.method, **tracker_keys), n_frames)
        elif variant == "dlc-like":  # DeepLabCut's way: filter the ellipse, no backfill, no ambiguity cuts
            cfg = TrackerConfig(method=method, keypoint_state=False, backfill=False, ambiguity_margin=0.0)
            tracklets = track_assemblies(det.assemblies, cfg, n_frames)
        else:
            cfg = TrackerConfig(method=method, identity_weight=0.5 if with_id else 0.0, n_identities=n)
            tracklets = track_assemblies(det.assemblies, cfg, n_frames)
        n_ids = n if with_id else 0
        repair = repair_choice("auto" if REPAIR[0] is None else REPAIR[0], n_ids)
        extra = stitch_keys if method == "auto" else {}
        pred, _ = stitch_tracklets_array(tracklets, n, StitchConfig(n_identities=n_ids, repair_swaps=repair, **extra),
                                         n_frames=n_frames)
    seconds = time.perf_counter() - t0
    m = tracking_metrics(pred, gt_tracks)
    return dict(mota=m["mota"], idf1=m["idf1"], switches=m["num_switches"], s_per_1k=1000 * seconds / n_frames)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=2000)
    ap.add_argument("--animals", default="2,3,10")
    ap.add_argument("--noise", default="moderate", choices=["clean", "moderate", "hard"])
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--methods", default="box,ellipse,skeleton")
    ap.add_argument("--no-occlusion40", action="store_true", help="skip the 40-frame occlusion scenario")
    ap.add_argument("--repair-swaps", choices=["on", "off"], default=None,
                    help="stitcher swap repair (default: the tracking settings' default)")
    args = ap.parse_args(argv)
    if args.repair_swaps is not None:
        REPAIR[0] = args.repair_swaps == "on"
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    methods = args.methods.split(",")
    names = (["naive baseline", "ellipse dlc-like"] + [f"{m} {v}" for m in methods for v in ("", "+id")]
             + ["ellipse id-only", "auto"])
    names = [n.strip() for n in names]
    scenarios = [(int(a), getattr(NoiseLevel, args.noise)(), f"{args.noise}") for a in args.animals.split(",")]
    if not args.no_occlusion40:
        scenarios.append((3, replace(getattr(NoiseLevel, args.noise)(), occlusion_frames=(40, 40)), "occl40"))
    for n, noise, label in scenarios:
        rows: dict[str, list[dict]] = {nm: [] for nm in names}
        crossings = 0
        for seed in range(args.seeds):
            gt = simulate_poses(n, args.frames, seed=seed)
            det = degrade(gt, noise, seed=seed)
            crossings += crossing_events(gt)
            gt_tracks = ground_truth_tracks(gt, det.visible)
            for nm in names:
                rows[nm].append(run_case(nm, det, n, args.frames, gt_tracks))
        print(f"\n{n} animals, {args.frames} frames x {args.seeds} seed(s), noise {label}, "
              f"{crossings} close crossings (centres < 1/3 body length)")
        print(f"{'method':<20}{'MOTA':>8}{'IDF1':>8}{'ID sw':>8}{'s/1k fr':>9}{'IDF1/base':>11}{'IDsw/base':>11}")
        base = {k: np.mean([r[k] for r in rows["naive baseline"]]) for k in ("idf1", "switches")}
        for nm in names:
            mean = {k: float(np.mean([r[k] for r in rows[nm]])) for k in rows[nm][0]}
            sw_ratio = mean["switches"] / base["switches"] if base["switches"] else float("nan")
            print(f"{nm:<20}{mean['mota']:>8.4f}{mean['idf1']:>8.4f}{mean['switches']:>8.1f}{mean['s_per_1k']:>9.3f}"
                  f"{mean['idf1'] / max(base['idf1'], 1e-9):>11.2f}{sw_ratio:>11.2f}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
