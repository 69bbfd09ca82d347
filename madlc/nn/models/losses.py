"""Losses of the bottom-up heads. Each takes the raw network output and the batch targets.

* heatmap: binary cross-entropy with logits, mean over all cells and joints (DeepLabCut);
* locref: Huber (or L2) on cells within ``pos_dist_thresh`` of a keypoint, mean over those cells;
* paf: squared error summed over channels, mean over cells;
* identity: cross-entropy over individuals on cells near a keypoint (others ignored).
The total is the weighted sum with ``train.loss_weights``.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F


def head_losses(raw: dict[str, torch.Tensor], batch: dict[str, torch.Tensor], huber: bool = True) -> dict[str, torch.Tensor]:
    """Per-head loss values (scalars) for the heads present in ``raw``."""
    out = {"heatmap": F.binary_cross_entropy_with_logits(raw["heatmap"].float(), batch["heatmap"])}
    mask = batch["locref_mask"]
    pred = raw["locref"].float() * mask
    target = batch["locref"] * mask
    per_cell = F.smooth_l1_loss(pred, target, reduction="sum") if huber else F.mse_loss(pred, target, reduction="sum")
    out["locref"] = per_cell / mask.sum().clamp(min=1.0)
    if "paf" in raw:
        b, _, h, w = raw["paf"].shape
        out["paf"] = F.mse_loss(raw["paf"].float(), batch["paf"], reduction="sum") / (b * h * w)
    if "identity" in raw and "identity" in batch:
        ident = batch["identity"]
        if (ident >= 0).any():
            out["identity"] = F.cross_entropy(raw["identity"].float(), ident, ignore_index=-1)
        else:
            out["identity"] = raw["identity"].sum() * 0.0
    return out


def total_loss(losses: dict[str, torch.Tensor], weights: dict[str, Any]) -> torch.Tensor:
    return sum(float(weights.get(k, 1.0)) * v for k, v in losses.items())  # type: ignore[return-value]
