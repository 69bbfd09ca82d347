"""Crowded-animal tracking benchmark: look-alike animals that huddle, touch and occlude each other.

Scenarios (ground truth known exactly, then degraded like a detector's assemblies):

- ``huddleN``: N look-alike animals (madlc.synth.motion with ``huddle=0.6``: long bouts in
  contact, bodies overlapping, animals trading places inside the group), 8 body parts;
- ``montblanc``: the real trajectories of DeepLabCut's three birds (montblanc_tracks.h5; its
  180 frames played forward and back to make a longer clip);
- ``flies``: the real trajectories of SLEAP's two flies (centered_pair_predictions.slp; each
  frame's two instances linked by nearest position, which is unambiguous in that clip).

Two noise levels turn the ground truth into assemblies without identity predictions
(madlc.synth.detections.degrade): ``easy`` = Gaussian keypoint noise (2.5% of the body
length), 12% keypoints dropped, 2.5% animals missed in single frames, a false partial animal
in 5% of frames, parts given to the wrong animal when animals touch; ``hard`` = twice the
noise, plus occlusions of 5-40 frames.

Each tracker (box, ellipse, skeleton and the default of ``madlc track``, ``auto``) then runs
with the default tracking settings (madlc/config/schema.py, `madlc show-settings`) followed by
the stitcher with ``n_tracks`` = the number of animals, as ``madlc track`` + ``madlc stitch
--n-tracks N`` do. Printed: IDF1 / MOTA / ID switches per scenario and tracker
(madlc.core.metrics.tracking).

    python benchmarks/huddle.py                      # all scenarios, ~3-5 min on one core
    python benchmarks/huddle.py --scenarios huddle3 --frames 1000
    python benchmarks/huddle.py --oracle --methods default --seed 1   # + how decidable the occlusions are

``--oracle`` measures how far the data can decide who is who after animals vanish together:
occlusions (2+ frames) that overlap in time form a group; an oracle that knows every animal's
true position and velocity at the frames just before it vanished and just after it reappears
assigns the reappearing animals to the vanished ones (Hungarian, on distance, and on a
constant-velocity extrapolation from both ends). A group the oracle gets wrong is one where
look-alike animals cannot be told apart by where they were and how they moved; without
identity or appearance cues a stitcher is left to a guess there.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import replace

import numpy as np

from madlc.core.metrics.tracking import tracking_metrics
from madlc.synth.detections import NoiseLevel, degrade, ground_truth_tracks

DATA = "/work/shared/data"
SCENARIOS = ("huddle3", "huddle4", "huddle6", "montblanc", "flies")


def noise_levels(body_length: float) -> dict[str, NoiseLevel]:
    """The two detector-like noise levels, scaled to the animals' body length."""
    easy = NoiseLevel(jitter=0.025 * body_length, outlier_rate=0.01, drop_rate=0.12, occlusion_rate=0.0,
                      occlusion_frames=(5, 40), swap_rate=0.006, false_rate=0.05, identity_accuracy=1.0,
                      miss_rate=0.025, identities=False)
    hard = replace(easy, jitter=0.05 * body_length, occlusion_rate=1 / 300)
    return {"easy": easy, "hard": hard}


def huddle_poses(n_animals: int, n_frames: int, seed: int) -> np.ndarray:
    from madlc.synth.motion import simulate_poses

    grow = np.sqrt(max(n_animals, 3) / 3)
    size = (int(640 * grow), int(480 * grow))
    poses, _ = simulate_poses(n_animals, 8, n_frames, size=size, seed=seed, huddle=0.6, scale=1 / grow)
    return poses


def montblanc_poses(n_frames: int) -> np.ndarray:
    import pandas as pd

    df = pd.read_hdf(f"{DATA}/dlc/montblanc_tracks.h5")
    birds = [b for b in df.columns.get_level_values(1).unique() if b != "single"]
    parts = list(dict.fromkeys(df[df.columns[df.columns.get_level_values(1) == birds[0]]].columns.get_level_values(2)))
    arr = np.stack([np.stack([df.xs((b, p), axis=1, level=(1, 2)).iloc[:, :2].to_numpy(float) for p in parts], 1)
                    for b in birds], 1)  # (frames, birds, parts, 2)
    clip = np.concatenate([arr, arr[::-1][1:-1]])  # forward and back: a seamless loop
    reps = int(np.ceil(n_frames / len(clip)))
    return np.concatenate([clip] * reps)[:n_frames]


def fly_poses(n_frames: int) -> np.ndarray:
    import sleap_io as sio
    from scipy.optimize import linear_sum_assignment

    labels = sio.load_slp(f"{DATA}/sleap/centered_pair_predictions.slp")
    frames = sorted(labels.labeled_frames, key=lambda lf: lf.frame_idx)
    n = max(lf.frame_idx for lf in frames) + 1
    k = len(labels.skeletons[0].nodes)
    out = np.full((n, 2, k, 2), np.nan)
    last = None
    for lf in frames:
        inst = [i.numpy() for i in lf.instances][:2]
        if not inst:
            continue
        cent = np.array([np.nanmean(p, 0) for p in inst])
        if last is None:
            order = list(range(len(inst)))
        else:
            d = np.linalg.norm(cent[:, None] - last[None], axis=-1)
            rows, cols = linear_sum_assignment(np.nan_to_num(d, nan=1e6))
            order = [int(cols[list(rows).index(i)]) for i in range(len(inst))]
        for i, slot in enumerate(order):
            out[lf.frame_idx, slot] = inst[i]
        if last is None:
            last = np.full((2, 2), np.nan)
        last[order] = cent
    return out[:n_frames]


def scenario(name: str, n_frames: int, seed: int) -> np.ndarray:
    if name.startswith("huddle"):
        return huddle_poses(int(name[len("huddle"):]), n_frames, seed)
    if name == "montblanc":
        return montblanc_poses(n_frames)
    if name == "flies":
        return fly_poses(n_frames)
    raise SystemExit(f"unknown scenario {name!r}; use {', '.join(SCENARIOS)}")


def body_length(gt: np.ndarray) -> float:
    c = gt - np.nanmean(gt, 2, keepdims=True)
    lo, hi = np.nanmin(gt, 2), np.nanmax(gt, 2)
    diag = np.hypot(*(hi - lo).transpose(2, 0, 1))
    return float(np.nanmedian(diag)) if np.isfinite(c).any() else 50.0


def _invisible_runs(visible: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) frame of each run of False in a 1-d visibility array."""
    edges = np.diff(np.concatenate([[1], visible.astype(int), [1]]))
    return list(zip(np.flatnonzero(edges == -1), np.flatnonzero(edges == 1) - 1))


def occlusion_oracle(gt: np.ndarray, visible: np.ndarray, min_frames: int = 2, window: int = 4
                     ) -> tuple[int, int, int]:
    """(groups of time-overlapping occlusions, groups an oracle on end positions gets wrong, on
    constant-velocity extrapolation) - see the module doc."""
    from scipy.optimize import linear_sum_assignment

    centre = np.nanmean(gt, 2)
    n_frames, n = visible.shape
    occl = sorted(((s, e, a) for a in range(n) for s, e in _invisible_runs(visible[:, a])
                   if e - s + 1 >= min_frames and s > window and e < n_frames - window - 1), key=lambda o: o[0])
    groups: list[list[tuple[int, int, int]]] = []
    end = -1
    for o in occl:
        if groups and o[0] <= end:
            groups[-1].append(o)
            end = max(end, o[1])
        else:
            groups.append([o])
            end = o[1]
    groups = [g for g in groups if len(g) >= 2]
    wrong_position = wrong_velocity = 0
    for g in groups:
        k = len(g)
        dist, cv = np.full((k, k), 1e9), np.full((k, k), 1e9)
        for i, (s, _, a) in enumerate(g):
            pa = centre[s - 1, a]
            va = (centre[s - 1, a] - centre[s - 1 - window, a]) / window
            for j, (_, e, b) in enumerate(g):
                pb = centre[e + 1, b]
                vb = (centre[e + 1 + window, b] - centre[e + 1, b]) / window
                span = e + 1 - (s - 1)
                if span > 0 and np.isfinite(pa).all() and np.isfinite(pb).all():
                    dist[i, j] = np.linalg.norm(pb - pa)
                    cv[i, j] = np.linalg.norm((pa + va * span / 2) - (pb - vb * span / 2))
        for cost, kind in ((dist, "position"), (cv, "velocity")):
            rows, cols = linear_sum_assignment(cost)
            if (rows != cols).any():
                if kind == "position":
                    wrong_position += 1
                else:
                    wrong_velocity += 1
    return len(groups), wrong_position, wrong_velocity


def run_tracker(method: str, assemblies: dict, n_tracks: int, n_frames: int) -> tuple[np.ndarray, str]:
    """``track`` + ``stitch --n-tracks`` with the default settings; returns (tracks, tracker used).
    Identity predictions in the assemblies are used as the stages use them (``tracking.use_identity: auto``)."""
    from madlc.core.tracking.stitch import stitch_tracklets_array
    from madlc.core.tracking.trackers import track_assemblies
    from madlc.stages._settings import (choice_settings, stitch_config, tracker_config, tracking_settings,
                                        use_identity_choice)
    from madlc.stages.track import _has_identity

    settings = tracking_settings()
    if method == "default":  # what `madlc track` does without --method: track_method auto
        from madlc.core.tracking.auto import choose_tracker

        choice = choose_tracker(assemblies, float(settings["pcutoff"]))
        settings = choice_settings(settings, choice.settings)
        method = choice.method
    n_ids = _has_identity(assemblies)
    n_ids = n_ids if use_identity_choice(settings["use_identity"], n_ids) else 0
    tracklets = track_assemblies(assemblies, tracker_config(settings, method, n_ids, n_ids > 0), n_frames)
    pred, _ = stitch_tracklets_array(tracklets, n_tracks, stitch_config(settings, n_ids), n_frames=n_frames)
    return pred, method


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=1500)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--noise", default="easy,hard")
    ap.add_argument("--methods", default="box,ellipse,skeleton,default")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--oracle", action="store_true", help="add how many simultaneous occlusions an oracle that "
                    "knows true positions/velocities at the gap ends gets wrong (see the module doc)")
    ap.add_argument("--size-spread", type=float, default=0.0,
                    help="huddles: each animal's body scaled by a factor drawn from [1 - S, 1 + S] (littermates "
                         "differ in size; 0 = identical bodies)")
    ap.add_argument("--identity", type=float, default=0.0,
                    help="the detections carry identity predictions, right for this share of keypoints "
                         "(what a network trained with identity: true gives); 0 = look-alike animals, none")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    methods = args.methods.split(",")
    extra = f"{'occl. groups / oracle wrong (pos, vel)':>40}" if args.oracle else ""
    print(f"{'scenario':<12}{'noise':<6}" + "".join(f"{m:>26}" for m in methods) + extra)
    print(f"{'':<18}" + "".join(f"{'IDF1  MOTA  sw':>26}" for _ in methods))
    for name in args.scenarios.split(","):
        gt = scenario(name, args.frames, args.seed)
        if args.size_spread and name.startswith("huddle"):
            factors = np.random.default_rng(args.seed + 100).uniform(1 - args.size_spread, 1 + args.size_spread, gt.shape[1])
            centre = np.nanmean(gt, axis=2, keepdims=True)
            gt = centre + (gt - centre) * factors[None, :, None, None]
        n_frames, n_animals = gt.shape[:2]
        for level in args.noise.split(","):
            noise = noise_levels(body_length(gt))[level]
            if args.identity > 0:
                noise = replace(noise, identities=True, identity_accuracy=args.identity)
            det = degrade(gt, noise, seed=args.seed + 1)
            gt_tracks = ground_truth_tracks(gt, det.visible)
            cells = []
            for m in methods:
                t0 = time.perf_counter()
                pred, used = run_tracker(m, det.assemblies, n_animals, n_frames)
                res = tracking_metrics(pred, gt_tracks)
                tag = f"({used[:2]}) " if m == "default" else ""
                cells.append(f"{tag}{res['idf1']:.3f} {res['mota']:.3f} {res['num_switches']:>3d}"
                             f" {time.perf_counter() - t0:>4.0f}s")
            if args.oracle:
                groups, wrong_pos, wrong_vel = occlusion_oracle(gt, det.visible)
                cells.append(f"{groups:>3d} / {wrong_pos}, {wrong_vel}")
                cells[-1] = f"{cells[-1]:>14}"
            print(f"{name:<12}{level:<6}" + "".join(f"{c:>26}" for c in cells))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
