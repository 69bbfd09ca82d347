"""Data-driven skeleton: which PAF edges to keep (FORMATS.md §8.4).

1. :func:`score_edges` -- on labelled images, split each edge's PAF affinities into
   pairs of detections of the SAME animal and of DIFFERENT animals; score the edge by
   how well affinity separates the two (ROC AUC).
2. :func:`candidate_graphs` -- the maximum spanning tree of the body-part graph
   weighted by those scores (the root graph, candidate 0), then the root plus the
   next best edges at up to ``n_graphs`` evenly spaced sizes.
3. :func:`select_graph` -- assemble the images with each candidate and keep the
   smallest edge set reaching the best OKS-mAP.

Detections are matched to labels per body part (optimal assignment, at most
``max_distance`` px apart); unmatched detections are ignored.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment


def detection_owners(frame: Mapping[str, Any], gt: np.ndarray, max_distance: float = 10.0) -> list[np.ndarray]:
    """Per body part, the GT animal each detection belongs to (-1: none).

    ``frame``: per-frame detections dict; ``gt``: ``(n_animals, n_parts, 2)``.
    """
    coords = frame["coordinates"][0]
    owners = []
    for p in range(gt.shape[1]):
        det = np.asarray(coords[p], dtype=float).reshape(-1, 2) if p < len(coords) else np.zeros((0, 2))
        own = np.full(len(det), -1)
        lab = np.flatnonzero(np.isfinite(gt[:, p]).all(axis=1))
        if len(det) and len(lab):
            d = np.linalg.norm(det[:, None] - gt[lab, p][None], axis=2)
            r, c = linear_sum_assignment(d)
            ok = d[r, c] <= max_distance
            own[r[ok]] = lab[c[ok]]
        owners.append(own)
    return owners


def _auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(pos > neg) + 0.5 P(pos == neg) (Mann-Whitney), NaN if a side is empty."""
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([pos, neg]))
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def edge_cost_samples(frames: Sequence[Mapping[str, Any]], gt: np.ndarray, graph: Sequence[Sequence[int]],
                      method: str = "m1", max_distance: float = 10.0) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Edge index -> (within-animal affinities, between-animal affinities) over images."""
    within: dict[int, list[float]] = {e: [] for e in range(len(graph))}
    between: dict[int, list[float]] = {e: [] for e in range(len(graph))}
    for frame, g in zip(frames, gt):
        costs = frame.get("costs") or {}
        owners = detection_owners(frame, np.asarray(g, dtype=float), max_distance)
        for e, (a, b) in enumerate(graph):
            cost = costs.get(e)
            if cost is None or method not in cost or a >= len(owners) or b >= len(owners):
                continue
            m = np.asarray(cost[method], dtype=float)
            oa, ob = owners[a], owners[b]
            if m.shape != (len(oa), len(ob)):
                continue
            ra, rb = np.flatnonzero(oa >= 0), np.flatnonzero(ob >= 0)
            if not len(ra) or not len(rb):
                continue
            sub = m[np.ix_(ra, rb)]
            same = oa[ra][:, None] == ob[rb][None]
            within[e] += sub[same].tolist()
            between[e] += sub[~same].tolist()
    return {e: (np.asarray(within[e]), np.asarray(between[e])) for e in within}


def score_edges(frames: Sequence[Mapping[str, Any]], gt: np.ndarray, graph: Sequence[Sequence[int]],
                method: str = "m1", max_distance: float = 10.0) -> dict[int, float]:
    """Separability (ROC AUC, 0.5 = useless, 1 = perfect) of each PAF edge's affinities.

    ``frames``: per-image detection dicts (with ``costs``); ``gt``: ``(n_images,
    n_animals, n_multibodyparts, 2)`` labels; ``graph``: the bodypart pairs, indexed
    by edge. Edges without both kinds of samples score 0.5.
    """
    samples = edge_cost_samples(frames, gt, graph, method, max_distance)
    scores = {}
    for e, (pos, neg) in samples.items():
        auc = _auc(pos, neg)
        scores[e] = 0.5 if np.isnan(auc) else auc
    return scores


def candidate_graphs(edge_scores: Mapping[int, float], graph: Sequence[Sequence[int]], n_graphs: int = 10
                     ) -> list[list[int]]:
    """Candidate edge sets, smallest first: root (max spanning tree) + best remaining edges.

    Sizes follow DeepLabCut: ``linspace(0, n_remaining, min(n_graphs, n_remaining + 1))``.
    """
    import networkx as nx

    G = nx.Graph()
    for e, (a, b) in enumerate(graph):
        w = float(edge_scores.get(e, 0.5))
        if G.has_edge(a, b) and G[a][b]["weight"] >= w:
            continue
        G.add_edge(int(a), int(b), weight=w, index=e)
    tree = nx.maximum_spanning_tree(G, weight="weight")
    root = sorted(int(d["index"]) for _, _, d in tree.edges(data=True))
    rest = sorted((e for e in range(len(graph)) if e not in root), key=lambda e: -float(edge_scores.get(e, 0.5)))
    sizes = np.linspace(0, len(rest), min(n_graphs, len(rest) + 1), dtype=int)
    out = [list(root)]
    for n in sizes[1:]:
        out.append(list(root) + [int(e) for e in rest[:n]])
    return out


def graph_map(frames: Sequence[Mapping[str, Any]], gt: np.ndarray, settings: Any, edges: Sequence[int],
              sigma: float = 0.1) -> dict[str, float]:
    """OKS-mAP / mAR of assembling ``frames`` with only ``edges`` (``settings``: AssemblySettings)."""
    from madlc.core.assembly.assemble import assemble_frame
    from madlc.core.metrics.oks import oks_map

    s = replace(settings, paf_inds=list(edges))
    preds, scores = [], []
    for frame in frames:
        res = assemble_frame(frame, s)
        preds.append(res.animals)
        scores.append(res.scores)
    r = oks_map(preds, scores, list(gt), sigma=sigma)
    return {"mAP": r["mAP"], "mAR": r["mAR"]}


def select_graph(candidates: Sequence[Sequence[int]], frames: Sequence[Mapping[str, Any]], gt: np.ndarray,
                 settings: Any, sigma: float = 0.1, tolerance: float = 0.0) -> tuple[list[int], list[dict]]:
    """Smallest candidate whose OKS-mAP is within ``tolerance`` of the best.

    Returns ``(edges, table)`` with one row ``{"n_edges", "edges", "mAP", "mAR"}`` per candidate.
    """
    if not candidates:
        raise ValueError("select_graph: no candidate graphs")
    table = []
    for edges in candidates:
        r = graph_map(frames, gt, settings, edges, sigma)
        table.append({"n_edges": len(edges), "edges": [int(e) for e in edges], **r})
    best = max(row["mAP"] for row in table)
    chosen = min((row for row in table if row["mAP"] >= best - tolerance), key=lambda row: row["n_edges"])
    return chosen["edges"], table
