"""SLEAP's two-fly video end to end: import SLEAP's poses as labels, train, analyze, track, compare.

    nice -n 10 python benchmarks/sleap_end_to_end.py [--steps 4000] [--every 10] [--dir /tmp/madlc-sleap-e2e]

1. a project from ``centered_pair_small.mp4`` (24 fly nodes as body parts, 2 individuals);
2. ``import_labels`` of every ``--every``-th frame of ``centered_pair_predictions.slp`` (SLEAP's
   predictions as pseudo-labels, ``--keep-best``: the 2 best-scoring flies of each frame);
3. training with the demo's settings (tiny network, CPU) for ``--steps`` steps: 24 body parts and
   23 limbs need more than the demo's 1000 steps before the part affinity fields carry the
   limbs (at 1000 steps they stay near 0 and most frames assemble into no animal);
4. ``analyze_videos``, ``convert_detections2tracklets``, ``stitch_tracklets`` (2 tracks);
5. detections vs SLEAP (before assembly): for each SLEAP keypoint the nearest detection of that
   body part (px; median, share within 5 px on frames not used as labels, share found within 10 px);
6. agreement with SLEAP's tracks ``1`` and ``2`` (a reference, not ground truth): per frame the
   two madlc tracks are matched to SLEAP's two by mean keypoint distance; one global mapping
   (the one most frames agree with) defines identities.
   - pose distance: keypoint distance in px under the per-frame match, median and mean, and
     the share within 5 px, on all frames and on the frames NOT used as labels;
   - detected: share of SLEAP's keypoints that madlc also has (any likelihood) in the matched track;
   - identity agreement: share of frames (both flies present in both) whose per-frame match
     equals the global mapping (1.0 = no identity swap relative to SLEAP).
Prints the seconds each stage took and writes ``results.json`` in ``--dir``.
"""
from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sleap"
#: the demo's training settings (madlc/workflow/demo.py) + map settings for flies of ~60 px in 384x384
#: frames: small keypoint disks, limb fields two cells (16 px) wide on the stride-8 maps
SETTINGS = """# madlc settings of the SLEAP fly benchmark: the demo's tiny network, small parts
overrides: [model=tiny]
data:
  crop_size: [256, 256]
  pos_dist_thresh: 6
  pafwidth: 16
inference:
  nmsradius: 3
"""


def agreement(ours: np.ndarray, sleap: np.ndarray, labeled: np.ndarray) -> dict[str, float]:
    """Pose distance and identity agreement of 2 madlc tracks vs SLEAP's 2 tracks (see module doc)."""
    n = min(len(ours), len(sleap))
    ours, sleap, labeled = ours[:n, :, :, :2], sleap[:n], labeled[:n]
    d = np.linalg.norm(ours[:, :, None] - sleap[:, None, :], axis=-1)  # (n, ours, sleap, bodyparts)
    with np.errstate(all="ignore"):
        mean_d = np.nanmean(d, axis=-1)
    straight = mean_d[:, 0, 0] + mean_d[:, 1, 1]
    crossed = mean_d[:, 0, 1] + mean_d[:, 1, 0]
    both = np.isfinite(straight) & np.isfinite(crossed)
    per_frame = np.where(np.isfinite(crossed) & ~(straight <= crossed), 1, 0)  # 1 = crossed
    global_map = int(per_frame[both].mean() > 0.5) if both.any() else 0
    perm = np.where(per_frame[:, None] == 1, [[1, 0]], [[0, 1]])  # SLEAP track of our track k, per frame
    matched = np.stack([d[np.arange(n), k, perm[:, k]] for k in range(2)], axis=1)  # (n, 2, bodyparts)
    sleap_present = np.isfinite(sleap[..., 0])
    ours_matched = np.stack([np.isfinite(ours[np.arange(n), :, :, 0])[np.arange(n), k] for k in range(2)], axis=1)

    def stats(mask: np.ndarray) -> dict[str, float]:
        vals = matched[mask[:, None, None] & np.isfinite(matched)]
        return {"median_px": float(np.median(vals)) if len(vals) else float("nan"),
                "mean_px": float(np.mean(vals)) if len(vals) else float("nan"),
                "within_5px": float(np.mean(vals <= 5)) if len(vals) else float("nan")}

    sleap_by_ours = np.stack([sleap_present[np.arange(n), perm[:, k]] for k in range(2)], axis=1)
    detected = float((ours_matched & sleap_by_ours).sum() / max(sleap_by_ours.sum(), 1))
    return {"frames": int(n), "all_frames": stats(np.ones(n, bool)), "unlabeled_frames": stats(~labeled),
            "detected": detected, "identity_agreement": float(np.mean(per_frame[both] == global_map)) if both.any()
            else float("nan"), "frames_compared_for_identity": int(both.sum())}


def detection_agreement(full_pickle: Path, sleap: np.ndarray, labeled: np.ndarray, pcutoff: float = 0.1
                        ) -> dict[str, float]:
    """Keypoint detections vs SLEAP's poses, before assembly: for every SLEAP keypoint (tracks 1, 2),
    the distance to the nearest detection of that body part with score >= pcutoff (px)."""
    from madlc.io import get_frame, read_full_pickle

    data = read_full_pickle(full_pickle)
    dists, found, total = {True: [], False: []}, 0, 0
    for f in range(len(sleap)):
        frame = get_frame(data, f)
        for j in range(sleap.shape[2]):
            pts = sleap[f, :, j]
            pts = pts[np.isfinite(pts[:, 0])]
            if not len(pts):
                continue
            total += len(pts)
            if frame is None:
                continue
            det = np.asarray(frame["coordinates"][0][j], float).reshape(-1, 2)
            conf = np.asarray(frame["confidence"][j], float).reshape(-1)
            det = det[(conf >= pcutoff) & np.isfinite(det[:, 0])]
            if not len(det):
                continue
            d = np.linalg.norm(pts[:, None] - det[None], axis=-1).min(1)
            found += int((d <= 10).sum())
            dists[bool(labeled[f])] += d.tolist()
    every = np.array(dists[True] + dists[False])
    unseen = np.array(dists[False])
    return {"median_px": float(np.median(every)), "median_px_unlabeled_frames": float(np.median(unseen)),
            "within_5px_unlabeled_frames": float(np.mean(unseen <= 5)), "found_within_10px": found / max(total, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=4000, help="training steps (the demo trains 1000)")
    parser.add_argument("--every", type=int, default=10, help="label every N-th frame with SLEAP's poses")
    parser.add_argument("--dir", default="/tmp/madlc-sleap-e2e")
    parser.add_argument("--data", default=str(DATA), help="folder of centered_pair_small.mp4 and the .slp")
    parser.add_argument("--paf-graph", default="config", help="'config' = SLEAP's 23-edge skeleton (default); "
                        "'full' = DeepLabCut's default (all pairs, pruned at random to degree 6 for 24 parts)")
    parser.add_argument("--track-method", default="", help="empty: the project's (auto, as madlc creates projects)")
    parser.add_argument("--reuse", action="store_true", help="keep a trained project in --dir (re-analyze and track)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for assembly/tracking (inference.pafthreshold=...)")
    args = parser.parse_args()

    import sleap_io as sio

    import madlc
    from madlc.io import read_tracks, tracks_to_array
    from madlc.project.discovery import find_tracks_file

    slp, video = Path(args.data) / "centered_pair_predictions.slp", Path(args.data) / "centered_pair_small.mp4"
    folder = Path(args.dir)
    times: dict[str, float] = {}
    reused = sorted(folder.glob("*/config.yaml")) if args.reuse else []
    if folder.exists() and not reused:
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def stage(name, func, *a, **kw):
        start = time.perf_counter()
        out = func(*a, **kw)
        times[name] = round(time.perf_counter() - start, 1)
        print(f"[{name}] {times[name]} s", flush=True)
        return out

    labels = sio.load_slp(str(slp), open_videos=False)
    if reused:
        config = str(reused[0])
    else:
        nodes = list(labels.skeleton.node_names)
        config = madlc.create_new_project("flies", "sleap", [str(video)], working_directory=str(folder))
        edges = [[e.source.name, e.destination.name] for e in labels.skeleton.edges]
        madlc.edit_config(config, {"multianimalbodyparts": nodes, "individuals": ["fly1", "fly2"], "skeleton": edges,
                                   "TrainingFraction": [0.95]})
        settings = Path(config).parent / "madlc.yaml"  # the project's own (track_method auto) + the benchmark's
        settings.write_text((settings.read_text() if settings.exists() else "") + SETTINGS)
        stage("import_labels", madlc.import_labels, config, str(slp), predicted=True, every=args.every,
              video=str(video), keep_best=True)
        stage("create_training_dataset", madlc.create_multianimaltraining_dataset, config,
              paf_graph="config" if args.paf_graph == "config" else None)
        train_over = [f"train.max_steps={args.steps}", "train.save_epochs=1000", "train.progress_bar=false"]
        stage("train_network", madlc.train_network, config, overrides=train_over)
    project_video = str(next((Path(config).parent / "videos").glob("*.mp4")))
    stage("analyze_videos", madlc.analyze_videos, config, [project_video], overwrite=True)
    track = dict(track_method=args.track_method, overrides=list(args.overrides))
    stage("convert_detections2tracklets", madlc.convert_detections2tracklets, config, [project_video], **track)
    stage("stitch_tracklets", madlc.stitch_tracklets, config, [project_video], n_tracks=2, **track)

    from madlc.project.config import load_config

    tracks = find_tracks_file(load_config(config), project_video, track_method=args.track_method)
    ours = tracks_to_array(read_tracks(tracks))[0]
    full = labels.numpy(return_confidence=False)
    names = [t.name for t in labels.tracks]
    sleap = full[:, [names.index("1"), names.index("2")]]
    labeled = np.arange(len(sleap)) % args.every == 0
    full_pickle = next(Path(project_video).parent.glob(f"{Path(project_video).stem}DLC_*_full.pickle"))
    result = {"steps": args.steps, "every": args.every, "paf_graph": args.paf_graph,
              "track_method": args.track_method or "project default", "overrides": list(args.overrides), "seconds": times,
              "detections_vs_sleap": detection_agreement(full_pickle, sleap, labeled),
              **agreement(ours, sleap, labeled)}
    (folder / "results.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
