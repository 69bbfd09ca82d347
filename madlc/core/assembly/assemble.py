"""Assembling raw detections of one frame into animals (pure functions on arrays).

Input is one frame of a ``_full.pickle`` in DeepLabCut's TF layout (FORMATS §6.1):
``coordinates`` (1-tuple of per-bodypart ``(n_j, 2)``), ``confidence`` (per-bodypart
``(n_j, 1)``), ``costs`` (PAF edge index -> ``{"m1": (n_src, n_dst), "distance": ...}``)
and optionally ``identity`` (per-bodypart ``(n_j, n_individuals)``).

Algorithm (``grouping="average"``, the default) -- our own:

1. detections below ``pcutoff`` are dropped; per body part at most
   ``max_candidates`` best detections are kept (default: all);
2. every PAF edge in use gives an affinity between each pair of detections of its
   two body parts; with a calibration and ``length_weight`` > 0 the affinity used for
   linking is multiplied by the plausibility of the link's length on one animal
   (:func:`madlc.core.assembly.calibration.length_plausibility`, at the frame's animal size,
   :func:`~madlc.core.assembly.calibration.frame_scale`); with ``pairing="optimal"`` only the
   pairs of one optimal assignment per edge (made on those weighted affinities) keep
   theirs, the others get 0;
3. agglomerative grouping with average linkage: starting from single detections,
   the two groups with the highest MEAN affinity over all edges joining them are
   merged first (a group is joined by consensus of all its parts, not by one strong
   link), as long as they share no body part, their strongest joining link
   (``merge_rule="max"``, DeepLabCut's meaning of ``pafthreshold``) or their mean
   affinity (``merge_rule="mean"``) is >= ``pafthreshold``, and -- with a
   calibration -- the merged group's proportions are plausible (``calibration_z``);
4. (``refine``) local search on the whole frame: single detections move to another
   group (or swap with the same part of another group) while that raises the total
   link affinity inside groups -- it repairs early merges that a greedy order cannot
   undo (a part taken by a neighbour, leaving its own animal in fragments);
5. groups with fewer than ``minimalnumberofconnections`` links above threshold are
   rejected, the best ``topktoretain`` groups (most body parts, then score) kept.

Each animal's score is the mean PAF affinity over ALL graph edges among its
detections (not only the links that built it): on DeepLabCut's own montblanc
assemblies this score alone raises OKS-mAP from 0.505 to 0.540 (see
``benchmarks/assembly.py``). ``score="expected_oks"`` also weighs in the animal's
size (small animals get lower OKS for the same pixel error).

``grouping="greedy"`` is DeepLabCut's classic scheme (one optimal assignment per
edge, then growing groups link by link in descending affinity, merging partial
groups). Unique body parts are assembled apart (best detection each), identity
mode groups detections by their predicted identity, and a single individual
takes the best detection of each body part.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass
class AssemblySettings:
    """Everything the assembler needs (see ``madlc/configs/inference/default.yaml``)."""

    n_multibodyparts: int
    graph: list[tuple[int, int]]  # PAF edges (bodypart pairs), indexed by edge id
    paf_inds: list[int]  # edges in use (indices into graph)
    pcutoff: float = 0.1
    pafthreshold: float = 0.1
    min_n_links: int = 2
    max_n_individuals: int = 3
    withid: bool = False
    method: str = "m1"
    grouping: str = "average"  # "average" | "greedy"
    max_candidates: int | None = None  # best detections per part considered; None -> all >= pcutoff
    calibration: dict | None = None
    length_weight: float = 1.0  # exponent on the calibrated (absolute) length plausibility of links
    calibration_z: float = 4.0  # reject merges whose proportions are this many spreads off (0 = off)
    score: str = "affinity"  # AssembledFrame.scores: "affinity" (DLC) | "expected_oks" (affinity x size term)
    merge_rule: str = "max"  # average grouping: merge if the "mean" or the "max" joining affinity >= threshold
    pairing: str = "optimal"  # "optimal": per edge, pairs outside one optimal assignment get affinity 0
    score_px: float = 5.0  # typical localisation error (px) assumed by score="expected_oks"
    n_bodyparts: int | None = None  # multi + unique; None -> from the frame
    refine: bool = True  # average grouping: local search over detection moves/swaps after merging

    def __post_init__(self) -> None:
        self.graph = [tuple(int(v) for v in e) for e in self.graph]  # type: ignore[misc]
        self.paf_inds = [int(i) for i in self.paf_inds]
        if self.calibration is not None:  # private copy: the calibration caches arrays in it
            self.calibration = {k: v for k, v in self.calibration.items() if not str(k).startswith("_")}
        if self.grouping not in ("average", "greedy"):
            raise ValueError(f"assembly grouping must be 'average' or 'greedy', got {self.grouping!r}")


@dataclass
class AssembledFrame:
    """Result for one frame: ``animals`` ``(n, n_multibodyparts, 4)`` x, y, likelihood,
    identity (NaN rows = missing part, identity -1 = none); ``scores`` ``(n,)`` mean
    PAF affinity of each animal's links (mean likelihood if it has none);
    ``unique`` ``(n_unique, 3)`` or None."""

    animals: np.ndarray
    scores: np.ndarray
    unique: np.ndarray | None = None
    n_links: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))


def _empty(n_multi: int) -> np.ndarray:
    return np.zeros((0, n_multi, 4))


def _frame_arrays(frame: Mapping[str, Any]) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray] | None]:
    coords = frame.get("coordinates")
    if isinstance(coords, tuple) or (isinstance(coords, list) and len(coords) == 1 and isinstance(coords[0], (list, tuple))):
        coords = coords[0]
    xy = [np.asarray(c, dtype=float).reshape(-1, 2) for c in (coords or [])]
    conf = [np.asarray(c, dtype=float).reshape(-1) for c in (frame.get("confidence") or [])]
    ids = frame.get("identity")
    ident = None
    if ids is not None:
        ident = [np.asarray(i, dtype=float).reshape(len(c), -1) if len(c) else np.zeros((0, 0))
                 for i, c in zip(ids, conf)]
    return xy, conf, ident


def _identity_of(ident: list[np.ndarray] | None, part: int, row: int) -> float:
    if ident is None or part >= len(ident) or ident[part].shape[1] == 0:
        return -1.0
    return float(np.argmax(ident[part][row]))


def _unique_parts(xy, conf, n_multi: int, n_parts: int, pcutoff: float) -> np.ndarray | None:
    if n_parts <= n_multi:
        return None
    out = np.full((n_parts - n_multi, 3), np.nan)
    for u, part in enumerate(range(n_multi, n_parts)):
        if part >= len(conf) or len(conf[part]) == 0:
            continue
        best = int(np.argmax(conf[part]))
        if conf[part][best] >= pcutoff:
            out[u] = (*xy[part][best], conf[part][best])
    return None if np.isnan(out).all() else out


def assemble_frame(frame: Mapping[str, Any] | None, settings: AssemblySettings) -> AssembledFrame:
    """Assemble one frame's raw detections into animals (see module docstring)."""
    s = settings
    n_multi = s.n_multibodyparts
    if not frame:
        return AssembledFrame(_empty(n_multi), np.zeros(0))
    xy, conf, ident = _frame_arrays(frame)
    n_parts = s.n_bodyparts or len(xy)
    unique = _unique_parts(xy, conf, n_multi, n_parts, s.pcutoff)

    # candidate detections of the multi-animal parts, contiguous per part
    k = s.max_candidates or None
    spans: dict[int, tuple[int, int]] = {}
    rows: dict[int, np.ndarray] = {}
    xs, cs, ps = [], [], []
    start = 0
    for p in range(min(n_multi, len(conf))):
        c = conf[p]
        if len(c) == 0:
            continue
        if k is not None and len(c) > k:
            order = np.sort(np.argsort(-c, kind="stable")[:k])
            order = order[c[order] >= s.pcutoff]
        else:
            order = np.flatnonzero(c >= s.pcutoff)
        if len(order) == 0:
            continue
        spans[p] = (start, start + len(order))
        rows[p] = order
        start += len(order)
        xs.append(xy[p][order])
        cs.append(c[order])
        ps.append(np.full(len(order), p))
    if not spans:
        return AssembledFrame(_empty(n_multi), np.zeros(0), unique)
    part = np.concatenate(ps)
    node_xy = np.concatenate(xs)
    node_conf = np.concatenate(cs)
    if ident is None:
        node_id = np.full(len(part), -1.0)
    else:
        node_id = np.array([_identity_of(ident, p, r) for p in spans for r in rows[p]])

    def _pack(groups: list[list[int]], scores: list[float], n_links: list[int]) -> AssembledFrame:
        animals = np.full((len(groups), n_multi, 4), np.nan)
        for a, g in enumerate(groups):
            g = np.asarray(g, dtype=int)
            animals[a, part[g], :2] = node_xy[g]
            animals[a, part[g], 2] = node_conf[g]
            animals[a, part[g], 3] = node_id[g]
        return AssembledFrame(animals, np.asarray(scores, dtype=float), unique, np.asarray(n_links, dtype=int))

    if n_multi == 1:  # every detection is an animal
        order = np.argsort(-node_conf, kind="stable")[: s.max_n_individuals]
        return _pack([[int(i)] for i in order], node_conf[order].tolist(), [0] * len(order))
    if s.max_n_individuals == 1:  # single animal: best detection per part
        best = [a + int(np.argmax(node_conf[a:b])) for a, b in spans.values()]
        return _pack([best], [float(node_conf[best].mean())], [0])
    W, W_link = _affinity_matrix(frame.get("costs") or {}, spans, rows, node_xy, s)
    if s.withid and ident is not None:
        groups = _group_by_identity(part, node_conf, node_id, s.max_n_individuals)
        scores = [_group_score(W, g, node_conf) for g in groups]
        if s.score == "expected_oks":
            scores = [sc * expected_oks(node_xy[g], s.score_px, n_multi) for sc, g in zip(scores, groups)]
        return _pack(groups, scores, [0] * len(groups))
    if s.grouping == "average":
        plausible = None
        if s.calibration is not None and s.calibration_z:
            from madlc.core.assembly.calibration import is_plausible

            def plausible(members: list[int]) -> bool:
                return is_plausible(s.calibration, part[members], node_xy[members], s.calibration_z)

        adjacent = _part_adjacency(s)
        groups = _group_average(W_link, part, adjacent, s.pafthreshold, s.merge_rule, plausible)
        if s.refine:
            groups = refine_groups(groups, W_link, part, plausible, s.pafthreshold)
    else:
        groups = _group_greedy(W_link, part, n_multi, s.pafthreshold)
    return _pack(*_finish(groups, W, part, node_xy, node_conf, n_multi, s))


def _part_adjacency(s: AssemblySettings) -> list[int]:
    """Per body part, the bitmask of the parts joined to it by an edge in use."""
    adj = [0] * s.n_multibodyparts
    for e in s.paf_inds:
        if e < len(s.graph):
            a, b = s.graph[e]
            if a < s.n_multibodyparts and b < s.n_multibodyparts and a != b:
                adj[a] |= 1 << b
                adj[b] |= 1 << a
    return adj


def _affinity_matrix(costs: Mapping, spans: dict[int, tuple[int, int]], rows: dict[int, np.ndarray],
                     node_xy: np.ndarray, s: AssemblySettings) -> tuple[np.ndarray, np.ndarray]:
    """``(N, N)`` affinities between candidate detections (NaN: no PAF edge joins their parts):
    the raw PAF affinity (for scoring) and the one used for linking (times the
    calibrated length plausibility when a calibration is given, judged at the scale of
    this frame's animals: see :func:`madlc.core.assembly.calibration.frame_scale`)."""
    from madlc.core.assembly.calibration import frame_scale, length_plausibility

    n = len(node_xy)
    W = np.full((n, n), np.nan)
    W_link = W if s.calibration is None or not s.length_weight else np.full((n, n), np.nan)
    optimal = s.pairing == "optimal" and s.grouping == "average"
    blocks: list[tuple[int, int, np.ndarray, np.ndarray]] = []  # (part a, part b, affinities, lengths)
    for e in s.paf_inds:
        if e >= len(s.graph):
            continue
        a, b = s.graph[e]
        if a not in spans or b not in spans:
            continue
        cost = costs.get(e)
        if cost is None:
            cost = costs.get(str(e))
        if cost is None or s.method not in cost:
            continue
        block = np.asarray(cost[s.method], dtype=float)
        ra, rb = rows[a], rows[b]
        if block.ndim != 2 or block.shape[0] <= ra[-1] or block.shape[1] <= rb[-1]:
            continue  # cost matrix does not match the detections: skip the edge
        if len(ra) != block.shape[0]:
            block = block[ra]
        if len(rb) != block.shape[1]:
            block = block[:, rb]
        if np.isnan(block).any():
            block = np.where(np.isnan(block), 0.0, block)
        (a0, a1), (b0, b1) = spans[a], spans[b]
        blocks.append((a, b, block, np.linalg.norm(node_xy[a0:a1][:, None] - node_xy[b0:b1][None], axis=2)))
    scale = frame_scale(s.calibration, blocks, s.pafthreshold) if W_link is not W else 0.0
    for a, b, block, d in blocks:
        link = block
        if W_link is not W:
            link = block * length_plausibility(s.calibration, a, b, d, scale) ** s.length_weight
        if optimal:  # one assignment per edge, made on the link affinities (length prior included)
            r, c = linear_sum_assignment(link, maximize=True)
            kept = np.zeros(block.shape, dtype=bool)
            kept[r, c] = True
            block, link = np.where(kept, block, 0.0), np.where(kept, link, 0.0)
        (a0, a1), (b0, b1) = spans[a], spans[b]
        W[a0:a1, b0:b1] = block
        W[b0:b1, a0:a1] = block.T
        if W_link is not W:
            W_link[a0:a1, b0:b1] = link
            W_link[b0:b1, a0:a1] = link.T
    return W, W_link


def _group_average(W: np.ndarray, part: np.ndarray, adjacent: list[int], threshold: float,
                   rule: str = "max", plausible: Callable[[list[int]], bool] | None = None) -> list[list[int]]:
    """Average-linkage agglomeration under the one-detection-per-part constraint.

    Groups are merged in descending mean affinity over the edges joining them (every
    pair of detections whose parts share a PAF edge counts, zero affinities too); a
    merge is allowed if that mean (``rule="mean"``) or the strongest joining link
    (``rule="max"``) is >= ``threshold`` and ``plausible(members)`` (if given)
    accepts the merged group. ``adjacent[p]``: bitmask of the parts joined to part p.
    Sparse: only groups with a positive affinity between them are ever compared.
    """
    import heapq

    n = len(part)
    labels = [1 << int(p) for p in part]
    members: list[list[int]] = [[i] for i in range(n)]
    active = [True] * n
    version = [0] * n
    S: list[dict[int, float]] = [{} for _ in range(n)]
    M: list[dict[int, float]] = [{} for _ in range(n)]
    ii, jj = np.nonzero(np.triu(W > 0, 1))
    for i, j, w in zip(ii.tolist(), jj.tolist(), W[ii, jj].tolist()):
        S[i][j] = S[j][i] = w
        M[i][j] = M[j][i] = w
    parts_of = [[int(p)] for p in part]

    def n_pairs(a: int, b: int) -> int:
        lb = labels[b]
        return sum((adjacent[p] & lb).bit_count() for p in parts_of[a])

    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        if labels[a] & labels[b]:
            return
        k = n_pairs(a, b)
        if k == 0:
            return
        mean = S[a][b] / k
        if (mean if rule == "mean" else M[a][b]) < threshold:
            return
        heapq.heappush(heap, (-mean, a, b, version[a], version[b]))

    for i in range(n):
        for j in S[i]:
            if j > i:
                push(i, j)
    while heap:
        _, i, j, vi, vj = heapq.heappop(heap)
        if not (active[i] and active[j]) or version[i] != vi or version[j] != vj:
            continue
        if plausible is not None and not plausible(members[i] + members[j]):
            continue
        # merge j into i
        active[j] = False
        version[i] += 1
        members[i] += members[j]
        labels[i] |= labels[j]
        parts_of[i] += parts_of[j]
        del S[i][j], M[i][j]
        for c, w in S[j].items():
            if c == i:
                continue
            S[i][c] = S[i].get(c, 0.0) + w
            M[i][c] = max(M[i].get(c, -np.inf), M[j][c])
            del S[c][j], M[c][j]
            S[c][i] = S[i][c]
            M[c][i] = M[i][c]
        S[j], M[j] = {}, {}
        for c in S[i]:
            push(i, c) if i < c else push(c, i)
    return [members[i] for i in range(n) if active[i]]


def refine_groups(groups: list[list[int]], W: np.ndarray, part: np.ndarray,
                  plausible: Callable[[list[int]], bool] | None = None, threshold: float = 0.0,
                  max_moves: int | None = None) -> list[list[int]]:
    """Local search on a grouping: maximise the total affinity of links inside groups.

    ``W`` ``(N, N)``: link affinities (NaN where no PAF edge joins two parts; links below
    ``threshold`` count as 0, so no move rests on them), ``part`` ``(N,)``: body part of
    each detection, ``groups``: lists of detection indices covering every detection once.
    A move takes one detection to a group lacking its part; a swap exchanges two
    detections of the same part between two groups. The best improving move is applied
    until none improves (at most ``max_moves``, default ``2 N``); with ``plausible``,
    moves creating a group it refuses are skipped. Every move strictly increases the
    objective, so the search ends.
    """
    n = len(part)
    if n < 2 or len(groups) < 2:
        return groups
    A = np.where(np.nan_to_num(W, nan=-np.inf) >= threshold, np.nan_to_num(W), 0.0)
    np.fill_diagonal(A, 0.0)
    label = np.empty(n, dtype=int)
    for g, members in enumerate(groups):
        label[members] = g
    n_parts = int(part.max()) + 1
    same_part = part[:, None] == part[None]
    rows = np.arange(n)
    for _ in range(2 * n if max_moves is None else max_moves):
        n_groups = int(label.max()) + 1
        member = np.zeros((n, n_groups))
        member[rows, label] = 1.0
        S = A @ member  # affinity of each detection to each group (without itself)
        occupied = np.zeros((n_parts, n_groups), dtype=bool)
        occupied[part, label] = True
        own = S[rows, label]
        move_gain = np.where(occupied[part], -np.inf, S - own[:, None])
        to_group = S[:, label]  # to_group[i, j] = affinity of i to j's group
        swap_gain = to_group - own[:, None] + to_group.T - own[None, :]
        swap_gain = np.where(same_part & (label[:, None] != label[None]), swap_gain, -np.inf)
        swap_gain = np.triu(swap_gain, 1)
        gains = np.concatenate([move_gain.ravel(), swap_gain.ravel()])
        positive = np.flatnonzero(gains > 1e-9)
        if not len(positive):
            break
        applied = False
        for k in positive[np.argsort(-gains[positive], kind="stable")]:
            new = label.copy()
            if k < move_gain.size:  # move detection i to group j
                i, j = divmod(int(k), n_groups)
                new[i] = j
                touched = (int(new[i]), int(label[i]))
            else:  # swap detections i and j
                i, j = divmod(int(k) - move_gain.size, n)
                new[i], new[j] = label[j], label[i]
                touched = (int(label[i]), int(label[j]))
            if plausible is not None and not all(
                    plausible(np.flatnonzero(new == g).tolist()) for g in set(touched) if (new == g).sum() > 2):
                continue
            label = np.unique(new, return_inverse=True)[1]
            applied = True
            break
        if not applied:
            break
    return [np.flatnonzero(label == g).tolist() for g in range(int(label.max()) + 1)]


def _group_greedy(W: np.ndarray, part: np.ndarray, n_multi: int, threshold: float) -> list[list[int]]:
    """DeepLabCut-style: optimal pairing per edge, then link groups in descending affinity."""
    links = []
    parts = np.unique(part)
    for ia_p in parts:
        for ib_p in parts:
            if ib_p <= ia_p:
                continue
            ia, ib = np.flatnonzero(part == ia_p), np.flatnonzero(part == ib_p)
            block = W[np.ix_(ia, ib)]
            if np.isnan(block).all():
                continue
            r, c = linear_sum_assignment(np.nan_to_num(block, nan=-1.0), maximize=True)
            for rr, cc in zip(r, c):
                if block[rr, cc] >= threshold:
                    links.append((float(block[rr, cc]), int(ia[rr]), int(ib[cc])))
    links.sort(key=lambda t: -t[0])
    group_of = {}
    groups: dict[int, list[int]] = {}
    next_id = 0
    for _, a, b in links:
        ga, gb = group_of.get(a), group_of.get(b)
        if ga is None and gb is None:
            groups[next_id] = [a, b]
            group_of[a] = group_of[b] = next_id
            next_id += 1
        elif ga is not None and gb is not None:
            if ga == gb:
                continue
            if set(part[groups[ga]]) & set(part[groups[gb]]):
                continue
            for m in groups[gb]:
                group_of[m] = ga
            groups[ga] += groups.pop(gb)
        else:
            g, new = (ga, b) if ga is not None else (gb, a)
            if part[new] in set(part[groups[g]]):
                continue
            groups[g].append(new)
            group_of[new] = g
    return list(groups.values())


def _finish(groups: list[list[int]], W: np.ndarray, part: np.ndarray, xy: np.ndarray, conf: np.ndarray,
            n_multi: int, s: AssemblySettings) -> tuple[list[list[int]], list[float], list[int]]:
    """Score groups, reject those with too few links, keep the best ``max_n_individuals``."""
    kept = []
    for g in groups:
        if len(g) < 2:
            continue
        ga = np.asarray(g)
        sub = W[ga[:, None], ga]  # symmetric, NaN diagonal
        n_links = int(np.count_nonzero(sub >= s.pafthreshold)) // 2
        if n_links < s.min_n_links:
            continue
        score = _group_score(W, g, conf, sub)
        if s.score == "expected_oks":
            score *= expected_oks(xy[g], s.score_px, n_multi)
        kept.append((len(g), score, g, n_links))
    kept.sort(key=lambda t: (-t[0], -t[1]))
    kept = kept[: s.max_n_individuals]
    return [k[2] for k in kept], [k[1] for k in kept], [k[3] for k in kept]


def expected_oks(xy: np.ndarray, error_px: float, n_parts: int, sigma: float = 0.1) -> float:
    """OKS an animal with keypoints ``xy`` ``(m, 2)`` would get if each of its keypoints
    were ``error_px`` off (its own bounding box as the scale); missing parts count 0."""
    area = float(np.prod(np.ptp(xy, axis=0) + np.spacing(1)))
    return float(np.exp(-error_px ** 2 / (2 * area * (2 * sigma) ** 2))) * len(xy) / n_parts


def _group_score(W: np.ndarray, g: list[int], conf: np.ndarray, sub: np.ndarray | None = None) -> float:
    """Mean PAF affinity over all edges among the group's detections (mean confidence if none)."""
    ga = np.asarray(g)
    if sub is None:
        sub = W[ga[:, None], ga]
    defined = ~np.isnan(sub)
    n_pairs = int(np.count_nonzero(defined))
    return float(sub[defined].sum() / n_pairs) if n_pairs else float(conf[ga].mean())


def _group_by_identity(part: np.ndarray, conf: np.ndarray, ident: np.ndarray, max_n: int) -> list[list[int]]:
    """One group per predicted identity, the most confident detection of each part."""
    groups: dict[int, list[int]] = {}
    for i in np.argsort(-conf, kind="stable"):
        g = groups.setdefault(int(ident[i]), [])
        if part[i] not in {part[m] for m in g}:
            g.append(int(i))
    out = [g for _, g in sorted(groups.items()) if g]
    if len(out) > max_n:  # keep the most complete, then most confident
        out = sorted(out, key=lambda g: (-len(g), -float(conf[g].mean())))[:max_n]
    return out


def frame_index(key: Any) -> int | None:
    """``"frame012"`` / ``12`` -> 12; None for non-frame keys (``metadata``)."""
    if isinstance(key, (int, np.integer)):
        return int(key)
    if isinstance(key, str) and key.startswith("frame") and key[5:].isdigit():
        return int(key[5:])
    return None


def iter_assembled(frames: Iterable[tuple[int, Mapping | None]], settings: AssemblySettings
                   ) -> Iterator[tuple[int, AssembledFrame]]:
    """Streaming assembly: ``(frame index, frame dict)`` pairs in, ``(index, AssembledFrame)`` out.

    A malformed frame raises ``ValueError`` naming the frame.
    """
    for i, frame in frames:
        if frame is not None and not isinstance(frame, Mapping):
            raise ValueError(f"frame {i}: expected a dict of detections, found {type(frame).__name__}")
        try:
            yield i, assemble_frame(frame, settings)
        except (IndexError, KeyError, TypeError, ValueError) as err:
            raise ValueError(f"frame {i}: the detections are malformed ({type(err).__name__}: {err})") from err


def assemble_frames(full: Mapping[Any, Any], settings: AssemblySettings | Mapping[str, Any],
                    progress: bool = False) -> dict:
    """Assemble every frame of a full-pickle dict -> assemblies dict (BRIEF contract).

    ``settings``: an :class:`AssemblySettings` (a stage builds it from the merged inference
    settings and ``full["metadata"]`` with :func:`madlc.stages._settings.assembly_settings`).
    Returns ``{frame: (n_animals, n_multibodyparts, 4)}`` for frames with at least one
    animal, plus ``"single": {frame: (n_unique, 3)}`` when unique parts were found.
    """
    if not isinstance(settings, AssemblySettings):
        raise TypeError(f"assemble_frames takes AssemblySettings, not {type(settings).__name__}")
    keys = [(frame_index(k), k) for k in full if frame_index(k) is not None]
    keys.sort()
    items = ((i, full[k]) for i, k in keys)
    if progress:
        from tqdm import tqdm

        items = tqdm(items, total=len(keys), desc="assembling", unit="frame")
    out: dict = {}
    single: dict[int, np.ndarray] = {}
    for i, res in iter_assembled(items, settings):
        if len(res.animals):
            out[i] = res.animals
        if res.unique is not None:
            single[i] = res.unique
    if single:
        out["single"] = single
    return out
