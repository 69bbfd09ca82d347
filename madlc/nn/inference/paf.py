"""Part-affinity-field line integrals between candidate detections (pure torch, batched).

For every image of a batch and every PAF edge ``(s, t)`` of the graph, every detection of
body part ``s`` is paired with every detection of ``t``; the affinity ``m1`` of a pair is the
mean, along the segment joining the two score-map cells (``n_samples`` points, trapezoid
weights), of the PAF vector projected on the segment's unit direction (absolute value, so it
does not depend on which end the field points to; 1 for a perfect unit field). ``distance``
is the segment length in score-map cells (what DeepLabCut stores). When both detections
share a cell, the affinity is the field's magnitude there.

All pairs of the batch are built with index arithmetic and evaluated in one gather, on the
device of the inputs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from madlc.nn.inference.peaks import Peaks


@dataclass
class PairCosts:
    """Flat pair costs of a batch; every field has shape ``(P,)``.

    Pairs are grouped by image, then by edge (in the order of ``edges`` given to
    :func:`paf_costs`), then row-major over (source detection, target detection), so the
    block of one (image, edge) reshapes to ``(n_source, n_target)``. ``src``/``dst`` are flat
    peak indices; ``counts`` is ``(B, n_edges)`` pairs per block.
    """

    batch: torch.Tensor
    edge: torch.Tensor
    src: torch.Tensor
    dst: torch.Tensor
    m1: torch.Tensor
    distance: torch.Tensor
    counts: torch.Tensor


def _pairs(peaks: Peaks, graph: torch.Tensor, edges: torch.Tensor, device) -> tuple[torch.Tensor, ...]:
    """All (source, target) detection pairs of the batch for the chosen edges."""
    B, J = peaks.counts.shape
    counts, offsets = peaks.counts.to(device), peaks.offsets.to(device)
    s, t = graph[edges, 0], graph[edges, 1]  # (E',)
    n_s, n_t = counts[:, s], counts[:, t]  # (B, E')
    per_block = (n_s * n_t).reshape(-1)  # blocks ordered (b, edge)
    total = int(per_block.sum())
    n_blocks = per_block.shape[0]
    block = torch.repeat_interleave(torch.arange(n_blocks, device=device), per_block)
    start = torch.cumsum(per_block, 0) - per_block
    k = torch.arange(total, device=device) - start[block]
    b = torch.div(block, len(edges), rounding_mode="floor")
    e_local = block % len(edges)
    nt = n_t.reshape(-1)[block]
    i = torch.div(k, nt, rounding_mode="floor")
    j = k % nt
    src = offsets[b, s[e_local]] + i
    dst = offsets[b, t[e_local]] + j
    return b, e_local, src, dst, per_block.reshape(B, len(edges))


def paf_costs(
    paf: torch.Tensor,
    peaks: Peaks,
    graph: Sequence[Sequence[int]],
    edges: Sequence[int] | None = None,
    n_samples: int = 10,
) -> PairCosts:
    """PAF affinities and lengths of all candidate links of a batch.

    Args:
        paf: ``(B, 2E, h, w)``; channels ``2e`` (x) and ``2e + 1`` (y) are the field of
            ``graph[e]``.
        peaks: detections from :func:`madlc.nn.inference.peaks.find_peaks` on the same grid.
        graph: ``E`` edges ``[s, t]`` (body-part indices).
        edges: indices into ``graph`` to evaluate (DeepLabCut's ``PAFinds``); default all.
        n_samples: points sampled along each segment (DeepLabCut: 10).

    Returns:
        :class:`PairCosts` with ``edge`` holding indices into ``edges``.
    """
    device = paf.device
    B, C, h, w = paf.shape
    graph_t = torch.as_tensor([list(map(int, e)) for e in graph], dtype=torch.int64, device=device).reshape(-1, 2)
    if C < 2 * len(graph_t):
        raise ValueError(f"paf has {C} channels but the graph has {len(graph_t)} edges (needs {2 * len(graph_t)})")
    edge_ids = torch.arange(len(graph_t), device=device) if edges is None else torch.as_tensor(
        list(map(int, edges)), dtype=torch.int64, device=device)
    if len(edge_ids) == 0 or len(peaks) == 0:
        empty_i = torch.zeros(0, dtype=torch.int64, device=device)
        empty_f = torch.zeros(0, dtype=torch.float32, device=device)
        return PairCosts(empty_i, empty_i, empty_i, empty_i, empty_f, empty_f,
                         torch.zeros(B, len(edge_ids), dtype=torch.int64, device=device))
    b, e_local, src, dst, counts = _pairs(peaks, graph_t, edge_ids, device)
    rows, cols = peaks.row.to(device), peaks.col.to(device)
    x0, y0 = cols[src].float(), rows[src].float()  # (P,) segment ends in cells
    dx, dy = cols[dst].float() - x0, rows[dst].float() - y0
    length = torch.sqrt(dx * dx + dy * dy)  # (P,)
    inv = 1.0 / length.clamp_min(1e-6)
    ux, uy = dx * inv, dy * inv
    frac = torch.linspace(0, 1, n_samples, device=device)  # (S,)
    px = torch.round(x0[:, None] + frac * dx[:, None]).long().clamp_(0, w - 1)  # (P, S)
    py = torch.round(y0[:, None] + frac * dy[:, None]).long().clamp_(0, h - 1)
    # one flat gather per component: index of (b, 2e, py, px) in the contiguous (B, C, h, w) tensor
    base = (b * C + 2 * edge_ids[e_local]) * (h * w)  # (P,)
    flat_index = base[:, None] + py * w + px  # (P, S)
    flat = paf.reshape(-1) if paf.is_contiguous() else paf.contiguous().reshape(-1)
    fx = flat[flat_index].float()
    fy = flat[flat_index + h * w].float()
    weights = torch.ones(n_samples, device=device)
    if n_samples > 1:
        weights[0] = weights[-1] = 0.5
    weights = weights / weights.sum()
    along = ((fx * ux[:, None] + fy * uy[:, None]) @ weights).abs()
    magnitude = torch.sqrt(fx[:, 0] ** 2 + fy[:, 0] ** 2)
    m1 = torch.where(length > 0, along, magnitude)
    return PairCosts(b, e_local, src, dst, m1, length, counts)
