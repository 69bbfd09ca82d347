"""madlc's rebuild of DeepLabCut 3's bottom-up networks (madlc.nn.models.dlc_net), without DeepLabCut.

The equality with DeepLabCut's own model and predictor is checked in tests/test_dlc_weights.py (DeepLabCut venv);
these tests pin the layout DeepLabCut's snapshots need (module names, tensor count, map sizes, stride).
"""
from __future__ import annotations

import copy

import pytest
import torch

from madlc.errors import ConfigError
from madlc.nn.models.dlc_config import dlc_model_stride, unsupported_reason
from madlc.nn.models.dlc_net import DLCPoseModel


def _head(in_channels: int, n_kpts: int = 3, n_edges: int = 3) -> dict:
    def block(n: int) -> dict:
        return {"channels": [in_channels, n], "kernel_size": [3], "strides": [2]}

    return {"type": "DLCRNetHead", "heatmap_config": block(n_kpts), "locref_config": block(2 * n_kpts),
            "paf_config": block(2 * n_edges), "num_stages": 5, "predictor": {"type": "PartAffinityFieldPredictor"}}


RESNET_50 = {"backbone": {"type": "ResNet", "model_name": "resnet50_gn", "output_stride": 16,
                          "freeze_bn_stats": False, "freeze_bn_weights": False},
             "backbone_output_channels": 2048, "heads": {"bodypart": _head(2048)}}
DLCRNET = {"backbone": {"type": "DLCRNet", "model_name": "resnet50", "output_stride": 16, "pretrained": True},
           "backbone_output_channels": 2304, "heads": {"bodypart": _head(2304)}}


def test_resnet_50_has_deeplabcuts_tensors_maps_and_stride() -> None:
    torch.manual_seed(0)
    net = DLCPoseModel(RESNET_50).eval()
    state = net.state_dict()
    assert len(state) == 193  # what DeepLabCut 3.0.2 saves for this config (3 body parts, 3 edges)
    assert all(k.startswith(("backbone.model.", "heads.bodypart.")) for k in state)
    assert isinstance(net.backbone.model.bn1, torch.nn.GroupNorm)  # timm's resnet50_gn
    assert tuple(state["heads.bodypart.heatmap_head.deconv_layers.0.weight"].shape) == (137, 3, 3, 3)
    assert net.stride == dlc_model_stride(RESNET_50) == 4
    with torch.no_grad():
        out = net(torch.rand(1, 3, 72, 96))
    assert out["heatmap"].shape == (1, 3, 21, 25)  # 4 * ceil(size / 16) + 1 cells, as DeepLabCut's
    assert out["locref"].shape == (1, 6, 21, 25) and out["paf"].shape == (1, 6, 21, 25)
    net.train()
    out = net(torch.rand(2, 3, 72, 96))  # training: cut to madlc's ceil(size / 4) target cells
    assert out["heatmap"].shape == (2, 3, 18, 24)


def test_dlcrnet_fuses_to_2304_channels_and_batchnorm_resnet_101() -> None:
    net = DLCPoseModel(DLCRNET).eval()
    with torch.no_grad():
        feats = net.backbone(torch.rand(1, 3, 64, 80))
    assert feats.shape[1] == 2304 and net.stride == 4
    assert "backbone.conv_block5.1.running_mean" in net.state_dict()
    r101 = copy.deepcopy(RESNET_50)
    r101["backbone"]["model_name"] = "resnet101"
    net = DLCPoseModel(r101)
    assert isinstance(net.backbone.model.bn1, torch.nn.BatchNorm2d) and len(net.backbone.model.layer3) == 23


def test_networks_madlc_cannot_rebuild_are_named() -> None:
    with_identity = copy.deepcopy(RESNET_50)
    with_identity["heads"]["identity"] = {"type": "HeatmapHead"}
    assert "identity" in unsupported_reason(with_identity)
    hrnet = copy.deepcopy(RESNET_50)
    hrnet["backbone"] = {"type": "HRNet", "model_name": "hrnet_w32"}
    assert "HRNet" in unsupported_reason(hrnet)
    with pytest.raises(ConfigError, match="identity"):
        DLCPoseModel(with_identity)
