"""DeepLabCut 3's bottom-up decoding (its ``PartAffinityFieldPredictor``), for networks DeepLabCut trained.

Given the maps of :class:`madlc.nn.models.dlc_net.DLCPoseModel` (sigmoid heatmaps, locref in pixels,
PAFs), this reproduces DeepLabCut 3.0.x's detections step by step:

1. the heatmaps are smoothed with a normalised 2-D Gaussian of ``2 * nms_radius + 1`` cells
   (``sigma`` cells; 1-D weights ``softmax(-k^2 / 2 sigma^2)``, zero padding);
2. a cell is a peak when it equals the max-pool of window ``nms_radius`` (stride 1, padding
   ``nms_radius // 2``; equal neighbours are all kept) and scores at least ``min_confidence``
   (DeepLabCut fixes 0.01); its score is the *smoothed* value;
3. peaks are listed per image and body part in raster order (not by score), without a cap;
4. coordinates: ``stride * (col, row) + stride // 2 + locref`` (pixels);
5. PAF cost of a (source, target) pair: 10 points along the segment between the two cells,
   truncated to integer cells; the field's x component integrated (trapezoid) over the column
   coordinates and its y component over the row coordinates; ``m1`` is the norm of that vector
   divided by the segment length (+ float32 epsilon), ``distance`` the length in cells, both
   rounded to 3 decimals.

Every edge of ``settings.edges`` gets a cost entry (DeepLabCut omits an edge with no pair; its
empty matrix here is equivalent). Output: :class:`madlc.nn.inference.predict.Decoded`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from madlc.nn.inference.paf import _pairs
from madlc.nn.inference.peaks import Peaks


def gaussian_kernel(sigma: float, size: int) -> torch.Tensor:
    """DeepLabCut's smoothing kernel: outer product of 1-D softmax(-k^2 / 2 sigma^2) weights, ``size x size``."""
    k = torch.arange(-size // 2 + 1, size // 2 + 1, dtype=torch.float32) ** 2
    weights = F.softmax(-k / (2 * float(sigma) ** 2), dim=0)
    return torch.einsum("i,j->ij", weights, weights)


def smooth_heatmaps(heat: torch.Tensor, sigma: float, nms_radius: int) -> torch.Tensor:
    """Heatmaps ``(B, J, h, w)`` convolved per channel with :func:`gaussian_kernel` (``same`` size, zero padding)."""
    J = heat.shape[1]
    kernel = gaussian_kernel(sigma, 2 * int(nms_radius) + 1)[None, None].repeat(J, 1, 1, 1).to(heat.device, heat.dtype)
    return F.conv2d(heat, kernel, stride=1, padding="same", groups=J)


def find_peaks_dlc(smoothed: torch.Tensor, nms_radius: int, threshold: float) -> Peaks:
    """Max-pool NMS peaks of smoothed heatmaps, raster order per (image, body part) (module docstring)."""
    B, J, h, w = smoothed.shape
    radius = int(nms_radius)
    pooled = F.max_pool2d(smoothed, kernel_size=radius, stride=1, padding=radius // 2)
    maxima = smoothed * torch.eq(smoothed, pooled).float()
    b, j, r, c = torch.nonzero(maxima >= threshold, as_tuple=True)
    counts = torch.zeros(B * J, dtype=torch.int64, device=smoothed.device)
    counts.index_add_(0, b * J + j, torch.ones_like(b))
    return Peaks(batch=b, joint=j, row=r, col=c, score=smoothed[b, j, r, c].float(), counts=counts.reshape(B, J))


def peak_positions(peaks: Peaks, offsets: torch.Tensor | None, stride: float) -> torch.Tensor:
    """``(N, 2)`` pixel ``(x, y)``: ``stride * (col, row) + stride // 2 + offsets`` (``offsets`` ``(B, 2J, h, w)`` px)."""
    strides = torch.tensor((float(stride), float(stride)), device=peaks.row.device)
    xy = strides * torch.stack([peaks.col, peaks.row], dim=1) + strides // 2
    if offsets is not None and len(peaks):
        dx = offsets[peaks.batch, 2 * peaks.joint, peaks.row, peaks.col]
        dy = offsets[peaks.batch, 2 * peaks.joint + 1, peaks.row, peaks.col]
        xy = xy + torch.stack([dx, dy], dim=1).float()
    return xy.float()


def paf_costs_dlc(paf: torch.Tensor, peaks: Peaks, graph: list[list[int]], edges: list[int], n_points: int = 10
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pair counts ``(B, E')``, ``m1`` and ``distance`` ``(P,)`` of all pairs, madlc's pair order (module docstring)."""
    device = paf.device
    B, C, h, w = paf.shape
    graph_t = torch.as_tensor(graph, dtype=torch.int64, device=device).reshape(-1, 2)
    edge_ids = torch.as_tensor(edges, dtype=torch.int64, device=device)
    if len(edge_ids) == 0 or len(peaks) == 0:
        zero = torch.zeros(0, dtype=torch.float32, device=device)
        return torch.zeros(B, len(edge_ids), dtype=torch.int64, device=device), zero, zero
    b, e_local, src, dst, counts = _pairs(peaks, graph_t, edge_ids, device)
    start = torch.stack([peaks.row[src], peaks.col[src]], dim=1).float()  # (P, 2) rows, cols
    end = torch.stack([peaks.row[dst], peaks.col[dst]], dim=1).float()
    length = torch.norm(end - start, dim=1) + torch.tensor(np.spacing(1, dtype=np.float32), device=device)
    t = torch.linspace(0, 1, n_points, device=device, dtype=torch.float32)[None, :, None]
    cells = (start[:, None] + t * (end - start)[:, None]).to(torch.int32)
    cells[..., 0] = cells[..., 0].clamp(0, h - 1)
    cells[..., 1] = cells[..., 1].clamp(0, w - 1)
    fields = paf.reshape(B, -1, 2, h, w)
    edge = edge_ids[e_local]
    values = fields[b[:, None].expand(-1, n_points), edge[:, None].expand(-1, n_points), :,
                    cells[..., 0].long(), cells[..., 1].long()]  # (P, n_points, 2): x, y components
    integral = torch.trapz(values, torch.flip(cells.float(), dims=[-1]), dim=1)
    m1 = torch.round(torch.norm(integral, dim=1) / length * 1000) / 1000
    return counts, m1, torch.round(length * 1000) / 1000


def decode_dlc(outputs: dict[str, Any], settings: Any) -> Any:
    """DeepLabCut's detections of a batch as a :class:`madlc.nn.inference.predict.Decoded` (module docstring)."""
    from madlc.nn.inference.predict import Decoded

    heat = outputs["heatmap"].float()
    if heat.shape[1] != settings.num_joints:
        raise ValueError(f"the network predicts {heat.shape[1]} body parts, the project has {settings.num_joints}")
    smoothed = smooth_heatmaps(heat, float(settings.sigma), int(settings.nms_radius))
    peaks = find_peaks_dlc(smoothed, int(settings.nms_radius), float(settings.min_confidence))
    locref = outputs.get("locref") if settings.location_refinement else None
    xy = peak_positions(peaks, None if locref is None else locref * settings.locref_stdev, settings.stride)
    pair_counts = m1 = distance = None
    paf = outputs.get("paf")
    if settings.graph and paf is not None:
        pair_counts, m1, distance = paf_costs_dlc(paf.float(), peaks, settings.graph, settings.edges, settings.n_samples)
    return Decoded(heat.shape[0], peaks.counts, xy, peaks.score, None, pair_counts, m1, distance)
