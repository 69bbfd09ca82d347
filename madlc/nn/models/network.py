"""The bottom-up pose network: backbone -> neck (stride 8) -> [upsampling to stride 4] -> heads.

Raw outputs of :class:`PoseNet` (``forward(images)``, images float ``(B, 3, H, W)`` RGB in [0, 1];
ImageNet normalisation happens inside the network), with ``h = ceil(H/8)``, ``w = ceil(W/8)``:

* ``heatmap`` ``(B, J, h, w)`` logits (J = multi-animal + unique body parts, ``all_joints_names`` order);
* ``locref`` ``(B, 2J, h, w)`` offsets in units of ``locref_stdev`` (channel ``2j`` = dx, ``2j+1`` = dy);
* ``paf`` ``(B, 2E, h, w)`` (channel ``2e`` = x, ``2e+1`` = y of edge ``graph[e]``), only when E > 0;
* ``identity`` ``(B, n_individuals, h, w)`` logits, only with identity.

``model.stride: 4`` doubles the maps' resolution (one bilinear upsampling and a 3x3 conv
after the neck): neighbouring animals' same body parts closer than a stride-8 cell then
fall into different cells, at about 3x the compute of the heads. Default 8.

:func:`madlc.nn.models.model_forward` turns these into probabilities and pixel offsets.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from madlc.nn.models.backbones import build_backbone

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
HEATMAP_PRIOR = 0.02  # initial heatmap probability (bias init) for a fast, stable start


def _conv(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, 1, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class FusionNeck(nn.Module):
    """DLCRNet-style multi-scale fusion: project strides 8/16/32, upsample to stride 8, sum, refine."""

    def __init__(self, channels: list[int], out: int) -> None:
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(c, out, 1) for c in channels)
        self.refine = _conv(out, out)

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        size = feats[0].shape[-2:]
        x = self.lateral[0](feats[0])
        for lat, f in zip(self.lateral[1:], feats[1:]):
            x = x + F.interpolate(lat(f), size=size, mode="bilinear", align_corners=False)
        return self.refine(x)


class SingleNeck(nn.Module):
    """Deepest feature map only, upsampled to stride 8 and refined."""

    def __init__(self, channels: list[int], out: int) -> None:
        super().__init__()
        self.lateral = nn.Conv2d(channels[-1], out, 1)
        self.refine = _conv(out, out)

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        x = F.interpolate(self.lateral(feats[-1]), size=feats[0].shape[-2:], mode="bilinear", align_corners=False)
        return self.refine(x)


NECKS = {"fusion": FusionNeck, "single": SingleNeck}


def _head(cin: int, hidden: int, cout: int) -> nn.Sequential:
    return nn.Sequential(_conv(cin, hidden), nn.Conv2d(hidden, cout, 1))


class PoseNet(nn.Module):
    """Backbone + neck + heads (module docstring). ``shape``: :func:`madlc.nn.models.config.network_shape`."""

    def __init__(self, model_cfg: dict[str, Any], shape: dict[str, Any]) -> None:
        super().__init__()
        self.stride = int(shape["stride"])
        if self.stride not in (4, 8):
            raise ValueError(f"model.stride={self.stride}: madlc's networks have stride 8 or 4")
        self.num_joints = int(shape["num_joints"])
        self.num_edges = len(shape["graph"])
        self.num_identities = int(shape["num_identities"])
        self.locref_stdev = float(shape["locref_stdev"])
        self.backbone = build_backbone(model_cfg)
        neck_ch = int(model_cfg.get("neck_channels", 64))
        hidden = int(model_cfg.get("head_channels", 64))
        neck = str(model_cfg.get("neck", "fusion"))
        if neck not in NECKS:
            raise ValueError(f"model.neck={neck!r}: use one of {sorted(NECKS)}")
        self.neck = NECKS[neck](self.backbone.channels, neck_ch)
        self.upsample = _conv(neck_ch, neck_ch) if self.stride == 4 else None
        heads = {"heatmap": self.num_joints, "locref": 2 * self.num_joints, "paf": 2 * self.num_edges,
                 "identity": self.num_identities}
        self.heads = nn.ModuleDict({k: _head(neck_ch, hidden, n) for k, n in heads.items() if n > 0})
        prior = torch.log(torch.tensor(HEATMAP_PRIOR / (1 - HEATMAP_PRIOR)))
        nn.init.constant_(self.heads["heatmap"][-1].bias, float(prior))
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        x = (images - self.mean) / self.std
        feats = self.neck(self.backbone(x))
        if self.upsample is not None:  # stride 4: ceil(H / 4) x ceil(W / 4) cells, like the targets
            size = (-(-images.shape[-2] // 4), -(-images.shape[-1] // 4))
            feats = self.upsample(F.interpolate(feats, size=size, mode="bilinear", align_corners=False))
        return {k: head(feats) for k, head in self.heads.items()}


def postprocess(raw: dict[str, torch.Tensor], locref_stdev: float) -> dict[str, torch.Tensor]:
    """Raw outputs -> sigmoid heatmaps, locref in pixels, PAFs, softmax identity (see madlc.nn.models)."""
    out = {"heatmaps": torch.sigmoid(raw["heatmap"].float()), "locref": raw["locref"].float() * locref_stdev}
    ref = raw["heatmap"]
    out["paf"] = raw["paf"].float() if "paf" in raw else ref.new_zeros((ref.shape[0], 0) + tuple(ref.shape[2:])).float()
    if "identity" in raw:
        out["identity"] = torch.softmax(raw["identity"].float(), dim=1)
    return out
