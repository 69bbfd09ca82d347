"""Peak finding on score maps, location refinement, identity read-out (pure torch, batched).

All functions work on a whole batch at once and run on whatever device the tensors live on
(the GPU during video analysis), so only a few small flat tensors travel back to the host.

Peaks are returned *flat*: one row per detection of the batch, sorted by image, then body
part, then descending score. ``Peaks.counts`` gives the number of detections per
(image, body part), from which the per-frame lists are sliced on the host.

Non-maximum suppression keeps one cell per plateau (saturated score maps have runs of
equal 1.0 cells: the later cell in raster order wins), and with ``split_distance`` it
keeps two cells of one window when their location-refined positions are that far apart
and each lies within its own cell: two animals' snouts 11 px apart fall into adjacent
stride-8 cells, which plain NMS merges into one detection (on the synthetic benchmark, a
split distance of half a cell finds about two thirds of such close pairs).

Coordinates: the score-map cell ``(row, col)`` maps to the image pixel
``(col * stride + stride / 2, row * stride + stride / 2)``, plus the location-refinement
offset ``locref * locref_stdev`` (DeepLabCut's convention; channels ``2j`` = x, ``2j+1`` = y).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class Peaks:
    """Flat detections of a batch; every field has shape ``(N,)``.

    ``batch``/``joint``/``row``/``col`` are int64, ``score`` float32. ``counts`` is ``(B, J)``
    int64: detections per image and body part, in the order of the flat rows.
    """

    batch: torch.Tensor
    joint: torch.Tensor
    row: torch.Tensor
    col: torch.Tensor
    score: torch.Tensor
    counts: torch.Tensor

    def __len__(self) -> int:
        return int(self.batch.shape[0])

    @property
    def offsets(self) -> torch.Tensor:
        """``(B, J)`` index of the first flat row of each (image, body part)."""
        flat = self.counts.reshape(-1)
        return (torch.cumsum(flat, 0) - flat).reshape(self.counts.shape)

    def to(self, device: torch.device | str) -> "Peaks":
        return Peaks(*(getattr(self, f).to(device) for f in ("batch", "joint", "row", "col", "score", "counts")))


def nms_kernel(nms_radius: float) -> int:
    """Odd max-pool window of an NMS radius in score-map cells (DeepLabCut's 5 -> 5x5 window)."""
    half = max(int(nms_radius) // 2, 0)
    return 2 * half + 1


def window_max(x: torch.Tensor, kernel: int) -> torch.Tensor:
    """Max over the ``kernel x kernel`` window around each cell of ``x (..., h, w)`` (separable shifts;
    several times faster than ``max_pool2d`` with stride 1 on a CPU)."""
    r = kernel // 2
    h, w = x.shape[-2:]
    padded = F.pad(x, (r, r, 0, 0), value=float("-inf"))
    rows = padded[..., 0:w]
    for i in range(1, kernel):
        rows = torch.maximum(rows, padded[..., i:i + w])
    padded = F.pad(rows, (0, 0, r, r), value=float("-inf"))
    out = padded[..., 0:h, :]
    for i in range(1, kernel):
        out = torch.maximum(out, padded[..., i:i + h, :])
    return out


#: cells scoring below this are never split off (they would be dropped by the assembler's pcutoff anyway)
SPLIT_MIN_SCORE = 0.1


def _tie_broken(heat: torch.Tensor) -> torch.Tensor:
    """``heat`` in float64 plus a ramp far below float32 resolution, rising in raster order,
    so that equal cells (a saturated plateau) have one strict maximum."""
    h, w = heat.shape[-2:]
    ramp = torch.arange(h * w, device=heat.device, dtype=torch.float64).reshape(h, w) * (1e-9 / max(h * w, 1))
    return heat.double() + ramp


def _split_peaks(heat: torch.Tensor, offsets: torch.Tensor, is_peak: torch.Tensor, kernel: int, stride: float,
                 split_distance: float, min_confidence: float) -> torch.Tensor:
    """``is_peak`` plus the cells that NMS suppressed but that locate a different keypoint.

    A suppressed cell (``heat (B, J, h, w)``, float64 tie-broken) scoring at least
    ``SPLIT_MIN_SCORE`` is a peak of its own when its
    refined position (cell centre + ``offsets (B, J, 2, h, w)`` px) lies within its own cell
    (``0.75 * stride``) and every cell of its window that dominates it points at least
    ``split_distance`` px away from that position.
    """
    near_self = offsets.square().sum(dim=2).sqrt() <= 0.75 * stride
    cand = (~is_peak) & near_self & (heat >= max(min_confidence, SPLIT_MIN_SCORE))
    if not bool(cand.any()):
        return is_peak
    B, J, h, w = heat.shape
    b, j, r, c = cand.nonzero(as_tuple=True)
    own = heat[b, j, r, c]
    vx = offsets[b, j, 0, r, c] + c.to(offsets.dtype) * stride
    vy = offsets[b, j, 1, r, c] + r.to(offsets.dtype) * stride
    dominated = torch.zeros_like(own, dtype=torch.bool)
    half = kernel // 2
    limit2 = float(split_distance) ** 2
    for dy in range(-half, half + 1):
        for dx in range(-half, half + 1):
            if dy == 0 and dx == 0:
                continue
            rr, cc = r + dy, c + dx
            inside = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
            rr, cc = rr.clamp(0, h - 1), cc.clamp(0, w - 1)
            nx = offsets[b, j, 0, rr, cc] + cc.to(offsets.dtype) * stride
            ny = offsets[b, j, 1, rr, cc] + rr.to(offsets.dtype) * stride
            close = (nx - vx) ** 2 + (ny - vy) ** 2 < limit2
            dominated |= inside & (heat[b, j, rr, cc] > own) & close
    out = is_peak.clone()
    keep = ~dominated
    out[b[keep], j[keep], r[keep], c[keep]] = True
    return out


def find_peaks(
    heatmaps: torch.Tensor,
    nms_radius: float = 5.0,
    min_confidence: float = 0.01,
    max_peaks: int = 64,
    offsets: torch.Tensor | None = None,
    stride: float = 8.0,
    split_distance: float = 0.0,
) -> Peaks:
    """Local maxima of score maps above ``min_confidence``.

    Args:
        heatmaps: ``(B, J, h, w)`` probabilities (after the sigmoid).
        nms_radius: a cell is a peak if it is the maximum of the ``nms_kernel(nms_radius)``
            square window around it (non-maximum suppression by max-pooling; among equal
            cells the last in raster order).
        min_confidence: peaks below this score are dropped.
        max_peaks: at most this many (best) peaks per image and body part.
        offsets: optional ``(B, 2J, h, w)`` location refinement in pixels (channel ``2j`` x,
            ``2j+1`` y); with ``split_distance`` > 0 a cell suppressed by NMS is kept when it
            locates a keypoint at least ``split_distance`` px from the one its dominating
            neighbours locate (module docstring). ``stride``: pixels per cell.

    Returns:
        :class:`Peaks`, flat, sorted by image, body part, descending score.
    """
    if heatmaps.ndim != 4:
        raise ValueError(f"heatmaps must be (B, J, h, w), got shape {tuple(heatmaps.shape)}")
    B, J, h, w = heatmaps.shape
    device = heatmaps.device
    heat = heatmaps.float()
    kernel = nms_kernel(nms_radius)
    if kernel > 1:
        ranked = _tie_broken(heat)
        is_peak = ranked >= window_max(ranked, kernel)
        if offsets is not None and split_distance > 0:
            is_peak = _split_peaks(ranked, offsets.float().reshape(B, J, 2, h, w), is_peak, kernel, float(stride),
                                   float(split_distance), float(min_confidence))
    else:
        is_peak = torch.ones_like(heat, dtype=torch.bool)
    masked = torch.where(is_peak & (heat >= min_confidence), heat, torch.full_like(heat, -1.0))
    k = max(1, min(int(max_peaks), h * w))
    values, cells = torch.topk(masked.reshape(B, J, h * w), k, dim=2, sorted=True)  # (B, J, k)
    keep = values >= 0
    b, j, slot = keep.nonzero(as_tuple=True)  # row-major: (b, j, slot) order == sorted order
    cell = cells[b, j, slot]
    counts = keep.sum(dim=2)
    return Peaks(
        batch=b,
        joint=j,
        row=torch.div(cell, w, rounding_mode="floor"),
        col=cell % w,
        score=values[b, j, slot].to(torch.float32),
        counts=counts.to(torch.int64) if counts.dtype != torch.int64 else counts,
    ).to(device)


def refine_with_locref(
    peaks: Peaks,
    locref: torch.Tensor | None,
    stride: float,
    locref_stdev: float = 7.2801,
) -> torch.Tensor:
    """Image coordinates of peaks, refined by the location-refinement maps.

    Args:
        peaks: from :func:`find_peaks` (``N`` detections).
        locref: ``(B, 2J, h, w)`` offsets in units of ``locref_stdev`` pixels (channel ``2j`` x,
            ``2j+1`` y), or None for cell centres only.
        stride: input pixels per score-map cell.

    Returns:
        ``(N, 2)`` float32 ``(x, y)`` in input-image pixels.
    """
    x = peaks.col.to(torch.float32) * stride + stride / 2
    y = peaks.row.to(torch.float32) * stride + stride / 2
    if locref is not None and len(peaks):
        dx = locref[peaks.batch, 2 * peaks.joint, peaks.row, peaks.col].float()
        dy = locref[peaks.batch, 2 * peaks.joint + 1, peaks.row, peaks.col].float()
        x = x + dx * locref_stdev
        y = y + dy * locref_stdev
    return torch.stack([x, y], dim=1)


def gather_identity(peaks: Peaks, identity: torch.Tensor) -> torch.Tensor:
    """Identity scores at the peaks: ``identity (B, I, h, w)`` -> ``(N, I)`` float32."""
    return identity[peaks.batch, :, peaks.row, peaks.col].float().reshape(len(peaks), identity.shape[1])
