"""What evaluate_network needs from the assembly side, as pure functions on arrays.

:func:`assembly_report` takes the raw detections of the labelled images (per-image
detection dicts, as in an evaluation ``_full.pickle``), their labels and the
train/test split, and returns the calibration (fit on train labels), the PAF edge
scores, one row per candidate graph (mAP/mAR on train and test, miss, purity) and
the selected ``paf_best`` -- everything DeepLabCut writes to ``_map.pickle``,
``test/pose_cfg.yaml`` (``paf_best``) and the results tables. :func:`evaluate_detections` adds
the graph choice on all labelled images and the per-split metrics (what ``evaluate_network``
computes for one snapshot). No file I/O here.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

import numpy as np

from madlc.core.assembly.calibration import fit_calibration
from madlc.core.assembly.assemble import AssemblySettings, assemble_frame
from madlc.core.assembly.pruning import candidate_graphs, detection_owners, score_edges
from madlc.core.metrics import report as rep
from madlc.core.metrics.oks import oks_map


def miss_and_purity(animals: np.ndarray, frame: Mapping[str, Any], gt: np.ndarray,
                    max_distance: float = 10.0) -> tuple[float, float]:
    """DeepLabCut-TF assembly quality of one image.

    ``animals``: assembled ``(n, n_parts, 4)``; ``frame``: its detection dict;
    ``gt``: ``(n_animals, n_parts, 2)``. miss = fraction of labelled keypoints whose
    detection is in no assembly (or that have no detection); purity = mean over
    assemblies of the fraction of their matched keypoints that belong to the
    assembly's majority animal. NaN when undefined.
    """
    gt = np.asarray(gt, dtype=float)
    owners = detection_owners(frame, gt, max_distance)
    coords = frame["coordinates"][0]
    n_labelled = int(np.isfinite(gt[..., 0]).sum())
    found = set()
    purities = []
    for animal in np.asarray(animals, dtype=float):
        who = []
        for p in range(min(len(owners), animal.shape[0])):
            if not np.isfinite(animal[p, 0]) or len(coords[p]) == 0:
                continue
            j = int(np.argmin(np.linalg.norm(np.asarray(coords[p], dtype=float) - animal[p, :2], axis=1)))
            if owners[p][j] >= 0:
                who.append(int(owners[p][j]))
                found.add((int(owners[p][j]), p))
        if who:
            purities.append(np.bincount(who).max() / len(who))
    miss = 1.0 - len(found) / n_labelled if n_labelled else float("nan")
    return miss, (float(np.mean(purities)) if purities else float("nan"))


def evaluate_graph(frames: Sequence[Mapping[str, Any]], gt: np.ndarray, settings: AssemblySettings,
                   edges: Sequence[int] | None = None, sigma: float = 0.1, matching: str = "optimal") -> dict:
    """Assemble ``frames`` (optionally with only ``edges``) and score them against ``gt``.

    Returns ``{"mAP", "mAR", "miss", "purity", "animals": [per-image arrays], "scores": [...]}``;
    miss/purity averaged over images with >= 2 labelled animals (DeepLabCut TF).
    """
    s = settings if edges is None else replace(settings, paf_inds=list(edges))
    preds, scores, misses, purities = [], [], [], []
    for frame, g in zip(frames, gt):
        res = assemble_frame(frame, s)
        preds.append(res.animals)
        scores.append(res.scores)
        if (np.isfinite(np.asarray(g)[..., 0]).sum(axis=1) >= 2).sum() >= 2:
            miss, purity = miss_and_purity(res.animals, frame, g)
            misses.append(miss)
            purities.append(purity)
    r = oks_map(preds, scores, list(gt), sigma=sigma, matching=matching)

    def _mean(v: list[float]) -> float:
        v = [x for x in v if np.isfinite(x)]
        return float(np.mean(v)) if v else float("nan")

    return {"mAP": r["mAP"], "mAR": r["mAR"], "miss": _mean(misses), "purity": _mean(purities),
            "animals": preds, "scores": scores}


def assembly_report(frames: Sequence[Mapping[str, Any]], gt: np.ndarray, settings: AssemblySettings,
                    train: Sequence[int], test: Sequence[int], sigma: float = 0.1, prune: bool = True,
                    n_graphs: int = 10, matching: str = "optimal", select_by: str = "mAP") -> dict:
    """Calibration, edge scores, candidate graphs and the selected graph for evaluate_network.

    ``frames[i]`` / ``gt[i]`` (``(n_animals, n_multibodyparts, 2)``) for every labelled
    image; ``train`` / ``test``: image indices. The calibration and the edge scores
    use train images only. Graph pruning runs only if ``prune`` and the graph in
    ``settings`` is complete (DeepLabCut's rule). ``select_by``: ``"mAP"`` (PyTorch:
    best test mAP, train mAP if there is no test image; the smallest graph on ties)
    or ``"purity"`` (TF: ``argmax((1 - miss) * purity)`` on train).

    Returns ``{"calibration", "paf_scores" {edge: AUC}, "candidates": [{"n_edges",
    "edges", "train": {...}, "test": {...}}], "paf_best": [edges], "train": {mAP, mAR,
    miss, purity}, "test": {...}}`` (the last two for the full graph in ``settings``).
    """
    gt = np.asarray(gt, dtype=float)
    train, test = [int(i) for i in train], [int(i) for i in test]
    calibration = fit_calibration(gt[train]) if len(train) else None
    s = replace(settings, calibration=calibration)
    sub = lambda idx: ([frames[i] for i in idx], gt[idx])  # noqa: E731

    def scores_of(idx: list[int], edges: Sequence[int] | None) -> dict:
        if not idx:
            return {"mAP": float("nan"), "mAR": float("nan"), "miss": float("nan"), "purity": float("nan")}
        r = evaluate_graph(*sub(idx), s, edges, sigma, matching)
        return {k: r[k] for k in ("mAP", "mAR", "miss", "purity")}

    n_multi = s.n_multibodyparts
    in_graph = [e for e in s.paf_inds if e < len(s.graph)]
    complete = len({tuple(sorted(s.graph[e])) for e in in_graph}) == n_multi * (n_multi - 1) // 2
    report: dict[str, Any] = {"calibration": calibration, "paf_scores": {}, "candidates": [],
                              "paf_best": list(in_graph), "train": scores_of(train, None), "test": scores_of(test, None)}
    if not (prune and complete and n_multi >= 2 and train):
        return report
    paf_scores = score_edges(*sub(train), s.graph)
    report["paf_scores"] = {e: paf_scores[e] for e in in_graph}
    graph_in_use = [s.graph[e] for e in in_graph]
    candidates = candidate_graphs({i: paf_scores[e] for i, e in enumerate(in_graph)}, graph_in_use, n_graphs)
    rows = []
    for cand in candidates:
        edges = [in_graph[i] for i in cand]
        rows.append({"n_edges": len(edges), "edges": edges, "train": scores_of(train, edges),
                     "test": scores_of(test, edges)})
    report["candidates"] = rows
    if select_by == "purity":
        value = [(1 - r["train"]["miss"]) * r["train"]["purity"] for r in rows]
    else:
        key = "test" if test else "train"
        value = [r[key]["mAP"] for r in rows]
    value = [v if np.isfinite(v) else -np.inf for v in value]
    best = max(value)
    report["paf_best"] = min((r for r, v in zip(rows, value) if v >= best), key=lambda r: r["n_edges"])["edges"]
    return report


# ---------------------------------------------------------------- a snapshot on its labelled images
def assemble_each(frames: Sequence[dict], asm: AssemblySettings) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray | None]]:
    """Assemble each detection dict: lists of animals, their scores and unique parts (one entry per frame)."""
    animals, scores, unique = [], [], []
    for frame in frames:
        res = assemble_frame(frame, asm)
        animals.append(res.animals)
        scores.append(res.scores)
        unique.append(res.unique)
    return animals, scores, unique


def select_graph_on_all_images(report: dict[str, Any], frames: Sequence[dict], gt: np.ndarray, asm: AssemblySettings,
                               positions: Sequence[int], matching: str = "optimal") -> list[int]:
    """Pick ``report["paf_best"]``: the smallest candidate graph with the best assembly mAP on ALL
    labelled images (train + test).

    DeepLabCut 3 selects on the test images only; with the few test images of a typical project
    that choice is noisy, so madlc pools both splits. The complete graph is always a candidate,
    so the selected graph's pooled mAP is never below the complete graph's. Adds ``"all"``
    (``mAP``, ``mAR``, ``miss``, ``purity``) to every candidate and to ``report``; returns the edges.
    """
    idx = list(positions)
    sub_frames, sub_gt = [frames[i] for i in idx], gt[idx]

    def scores(edges: Sequence[int] | None) -> dict[str, float]:
        r = evaluate_graph(sub_frames, sub_gt, asm, edges, rep.OKS_SIGMA, matching)
        return {k: float(r[k]) for k in ("mAP", "mAR", "miss", "purity")}

    report["all"] = scores(None)
    for cand in report["candidates"]:
        cand["all"] = scores(cand["edges"])
    values = [c["all"]["mAP"] if np.isfinite(c["all"]["mAP"]) else -np.inf for c in report["candidates"]]
    top = max(values)
    chosen = min((c for c, v in zip(report["candidates"], values) if v >= top), key=lambda c: c["n_edges"])
    report["paf_best"] = [int(e) for e in chosen["edges"]]
    return report["paf_best"]


def evaluate_detections(frames: Sequence[dict], gt: np.ndarray, train_pos: list[int], test_pos: list[int],
                        asm: AssemblySettings, n_individuals: int, n_multi: int, n_unique: int,
                        parts: tuple[list[int], list[int]], pcutoff: float, greedy_oks: bool = False) -> dict[str, Any]:
    """Assemble the detections of the labelled images, select the skeleton, compute the metrics.

    ``frames[i]``: detections of image i (all PAF edges); ``gt`` ``(n, n_slots, n_bodyparts, 2)``
    (:func:`madlc.project.labels.labels_to_keypoints`); ``train_pos`` / ``test_pos``: positions in
    ``frames``. Returns ``{"report" (assembly_report), "paf_best", "pruned", "animals", "scores",
    "unique", "train", "test" (split_metrics)}``.
    """
    n_ind = n_individuals
    gt_multi = gt[:, :n_ind, :n_multi]
    gt_unique = gt[:, -1, n_multi:] if n_unique else None
    matching = "greedy_oks" if greedy_oks else "optimal"
    report = assembly_report(frames, gt_multi, asm, train_pos, test_pos, sigma=rep.OKS_SIGMA, prune=True,
                             matching=matching)
    pruned = bool(report["candidates"])
    if pruned:
        select_graph_on_all_images(report, frames, gt_multi, replace(asm, calibration=report["calibration"]),
                                   train_pos + test_pos, matching)
    best = sorted(int(e) for e in report["paf_best"]) if pruned else list(asm.paf_inds)
    final = replace(asm, paf_inds=best, calibration=report["calibration"])
    animals, scores, unique = assemble_each(frames, final)
    multi_parts, unique_parts = parts
    out: dict[str, Any] = {"report": report, "paf_best": best, "pruned": pruned, "animals": animals,
                           "scores": scores, "unique": unique}
    for name, pos in (("train", train_pos), ("test", test_pos)):
        out[name] = rep.split_metrics(
            [animals[i] for i in pos], [gt_multi[i] for i in pos], pcutoff,
            unique_pred=[unique[i] for i in pos] if n_unique else None,
            unique_gt=[gt_unique[i] for i in pos] if n_unique else None,
            multi_parts=multi_parts, unique_parts=unique_parts)
    return out
