"""Assembly benchmark: accuracy (OKS-mAP/mAR) and speed against DeepLabCut on its own detections.

    python benchmarks/assembly.py [--repeats 5]

Accuracy: DeepLabCut's raw detections of the 30 labelled montblanc images
(``montblanc_eval.pickle``), complete 6-edge graph, pcutoff 0.1, PAF threshold 0.1,
up to 8 animals, OKS sigma 0.1, optimal (TF) matching -- the protocol of
DeepLabCut's reference figures (mAP 0.5050, mAR 0.5922), which are recomputed here
from DeepLabCut's saved assemblies of those images by the same metric code.
Calibrated variants are leave-one-image-out (the calibration never sees the image
it is scored on).

Speed: the 180 frames of ``montblanc_full.pickle`` (topktoretain 3), best of
``--repeats`` runs, against DeepLabCut's reference time on these machines (about
0.2 s, +-50 %) and against madlc's DeepLabCut-style greedy grouping run in this
same process.
"""
from __future__ import annotations

import argparse
import os
import pickle
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from madlc.core.assembly.calibration import fit_calibration
from madlc.core.assembly.assemble import AssemblySettings, assemble_frame, assemble_frames
from madlc.core.metrics.oks import mean_keypoint_score, oks_map

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dlc"
DLC_SECONDS = 0.2  # DeepLabCut 3.0.1 on montblanc_full.pickle, 2 CPU cores (README of the data)


def load(name: str):
    with open(DATA / name, "rb") as fh:
        return pickle.load(fh)


def all_pairs_affinity(frame: dict, animals: np.ndarray, graph: list) -> np.ndarray:
    """Mean m1 affinity over all graph edges among each animal's detections ``(n, k, 2+)``."""
    coords = frame["coordinates"][0]
    out = []
    for animal in animals:
        det = {}
        for part in range(animal.shape[0]):
            if np.isfinite(animal[part, 0]) and len(coords[part]):
                det[part] = int(np.argmin(np.linalg.norm(coords[part] - animal[part, :2], axis=1)))
        vals = [frame["costs"][e]["m1"][det[a], det[b]] for e, (a, b) in enumerate(graph) if a in det and b in det]
        out.append(float(np.mean(vals)) if vals else np.nan)
    return np.asarray(out)


def accuracy() -> None:
    data = load("montblanc_eval.pickle")
    md = data["metadata"]
    frames = [v["prediction"] for k, v in data.items() if k != "metadata"]
    gt = np.load(DATA / "montblanc_eval_gt.npy")
    dlc_asm = np.load(DATA / "montblanc_eval_assemblies_dlc.npy")
    dlc_aff = np.load(DATA / "montblanc_eval_affinity_dlc.npy")
    base = AssemblySettings(n_multibodyparts=4, graph=md["PAFgraph"], paf_inds=list(md["PAFinds"]),
                            pcutoff=0.1, pafthreshold=0.1, max_n_individuals=8)

    dlc = oks_map(list(dlc_asm), list(dlc_aff), list(gt), sigma=0.1)
    dlc_conf = oks_map(list(dlc_asm), [mean_keypoint_score(a) for a in dlc_asm], list(gt), sigma=0.1)
    print("== accuracy: montblanc_eval (30 images, 115 labelled animals) ==")
    print(f"{'assembler':60s} {'mAP':>7s} {'mAR':>7s} {'mAP/DLC':>8s}")
    print(f"{'DeepLabCut (its saved assemblies, scored by affinity)':60s} {dlc['mAP']:7.4f} {dlc['mAR']:7.4f} {1:8.3f}")
    print(f"{'DeepLabCut (scored by mean keypoint confidence)':60s} {dlc_conf['mAP']:7.4f} {dlc_conf['mAR']:7.4f} "
          f"{dlc_conf['mAP'] / dlc['mAP']:8.3f}")

    # where the gain comes from: DeepLabCut's own assemblies, scored like madlc scores
    # animals (mean PAF affinity over every graph edge among the animal's detections,
    # not only the links the assembler used)
    rescored = [all_pairs_affinity(frame, animals, md["PAFgraph"]) for frame, animals in zip(frames, dlc_asm)]
    r = oks_map(list(dlc_asm), rescored, list(gt), sigma=0.1)
    print(f"{'DeepLabCut assemblies re-scored by all-pairs affinity':60s} {r['mAP']:7.4f} {r['mAR']:7.4f} "
          f"{r['mAP'] / dlc['mAP']:8.3f}")

    def run(label: str, calibrated: bool = False, **kw) -> None:
        preds, scores = [], []
        for i, frame in enumerate(frames):
            cal = fit_calibration(np.delete(gt, i, axis=0)) if calibrated else None
            res = assemble_frame(frame, replace(base, calibration=cal, **kw))
            preds.append(res.animals)
            scores.append(res.scores)
        r = oks_map(preds, scores, list(gt), sigma=0.1)
        print(f"{label:60s} {r['mAP']:7.4f} {r['mAR']:7.4f} {r['mAP'] / dlc['mAP']:8.3f}")

    run("madlc average linkage (default), scored by affinity")
    run("madlc average linkage + calibration (leave-one-out)", calibrated=True)
    run("madlc DeepLabCut-style greedy grouping", grouping="greedy")
    run("madlc average linkage, scored by expected OKS", score="expected_oks")
    run("madlc average + calibration (LOO), scored by expected OKS", calibrated=True, score="expected_oks")
    run("madlc identity-based assembly (withid, 8 identity channels)", withid=True)

    # data-driven graph (in-sample: edges scored and selected on these same images)
    from madlc.core.assembly.pruning import candidate_graphs, score_edges, select_graph

    edge_scores = score_edges(frames, gt, md["PAFgraph"])
    edges, table = select_graph(candidate_graphs(edge_scores, md["PAFgraph"]), frames, gt, base)
    print("edge separability (AUC): " + ", ".join(f"{tuple(md['PAFgraph'][e])}: {v:.3f}" for e, v in edge_scores.items()))
    print("candidate graphs: " + "; ".join(f"{row['n_edges']} edges mAP {row['mAP']:.4f}" for row in table)
          + f" -> selected {edges}")


def speed(repeats: int) -> None:
    full = load("montblanc_full.pickle")
    md = full["metadata"]
    base = AssemblySettings(n_multibodyparts=4, graph=md["PAFgraph"], paf_inds=list(md["PAFinds"]),
                            pcutoff=0.1, pafthreshold=0.1, max_n_individuals=3, min_n_links=2)
    theirs = load("montblanc_assemblies.pickle")
    n_frames = sum(1 for k in full if k != "metadata")

    def best_time(settings: AssemblySettings) -> tuple[float, dict]:
        times = []
        out: dict = {}
        for _ in range(repeats):
            t0 = time.perf_counter()
            out = assemble_frames(full, settings)
            times.append(time.perf_counter() - t0)
        return min(times), out

    def count(asm: dict) -> tuple[int, int]:
        arrays = [np.asarray(v) for k, v in asm.items() if k != "single"]
        return sum(len(a) for a in arrays), int(sum(np.isfinite(a[:, :, 0]).sum() for a in arrays))

    t_ours, ours = best_time(base)
    t_greedy, _ = best_time(replace(base, grouping="greedy"))
    n_dlc, kp_dlc = count(theirs)
    n_ours, kp_ours = count(ours)
    same = 0
    for frame, animals in theirs.items():
        if frame == "single":
            continue
        mine = {tuple(np.nan_to_num(a[:, :2]).round(2).ravel()) for a in ours.get(frame, [])}
        same += sum(tuple(np.nan_to_num(a[:, :2]).round(2).ravel()) in mine for a in animals)
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n== speed: montblanc_full.pickle ({n_frames} frames), best of {repeats}, load average {load_avg:.1f} ==")
    print(f"madlc average linkage : {t_ours:.3f} s = {n_frames / t_ours:7.0f} frames/s")
    print(f"madlc greedy (same process baseline): {t_greedy:.3f} s = {n_frames / t_greedy:7.0f} frames/s; "
          f"average/greedy speed ratio {t_greedy / t_ours:.2f}")
    print(f"DeepLabCut reference  : {DLC_SECONDS:.3f} s = {n_frames / DLC_SECONDS:7.0f} frames/s; "
          f"madlc/DLC speed ratio {DLC_SECONDS / t_ours:.2f} (DLC figure +-50 %)")
    print(f"animals: madlc {n_ours} ({kp_ours} keypoints), DeepLabCut {n_dlc} ({kp_dlc} keypoints); "
          f"{same}/{n_dlc} of DeepLabCut's animals found identically")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"DeepLabCut reference files not found in {DATA}")
    accuracy()
    speed(args.repeats)


if __name__ == "__main__":
    main()
