"""Backbone registry, output layout of the network, config overrides."""
from __future__ import annotations

import pytest
import torch

from madlc.errors import ConfigError
from madlc.nn.models.backbones import BACKBONES, build_backbone
from madlc.nn.models.config import apply_overrides
from madlc.nn.models.names import NET_TYPE_TO_MODEL, model_option
from madlc.nn.models.network import PoseNet, postprocess
from madlc.settings import CONFIG_DIR

torch.set_num_threads(1)

SHAPE = {"num_joints": 5, "num_multibodyparts": 4, "graph": [[0, 1], [1, 2], [2, 3]], "num_identities": 3,
         "locref_stdev": 7.2801, "stride": 8}


def test_every_net_type_has_a_config_and_backbone() -> None:
    import yaml

    for net_type, option in NET_TYPE_TO_MODEL.items():
        cfg = yaml.safe_load((CONFIG_DIR / "model" / f"{option}.yaml").read_text())
        assert cfg["backbone"] in BACKBONES, net_type
        assert cfg["stride"] == 8
    assert model_option("efficientnet-b0") == "efficientnet_b0"
    with pytest.raises(ConfigError):
        model_option("resnet_152x")


def test_tiny_output_layout() -> None:
    net = PoseNet({"backbone": "tiny", "neck": "fusion", "neck_channels": 16, "head_channels": 8}, SHAPE).eval()
    with torch.no_grad():
        raw = net(torch.rand(2, 3, 100, 130))
    out = postprocess(raw, net.locref_stdev)
    assert out["heatmaps"].shape == (2, 5, 13, 17)  # ceil(100/8), ceil(130/8)
    assert out["locref"].shape == (2, 10, 13, 17) and out["paf"].shape == (2, 6, 13, 17)
    assert out["identity"].shape == (2, 3, 13, 17)
    assert 0 <= out["heatmaps"].min() and out["heatmaps"].max() <= 1
    assert torch.allclose(out["identity"].sum(1), torch.ones(2, 13, 17))


def test_stride_4_doubles_the_maps() -> None:
    shape = dict(SHAPE, stride=4)
    net = PoseNet({"backbone": "tiny", "neck": "fusion", "neck_channels": 16, "head_channels": 8}, shape).eval()
    with torch.no_grad():
        raw = net(torch.rand(1, 3, 100, 130))
    assert net.stride == 4 and raw["heatmap"].shape == (1, 5, 25, 33) and raw["paf"].shape == (1, 6, 25, 33)
    with pytest.raises(ValueError, match="stride 8 or 4"):
        PoseNet({"backbone": "tiny"}, dict(SHAPE, stride=16))


@pytest.mark.parametrize("backbone", ["mobilenet_v2", "efficientnet_b0"])
def test_torchvision_backbones_stride_8(backbone: str) -> None:
    bb = build_backbone({"backbone": backbone, "pretrained": False})
    feats = bb(torch.rand(1, 3, 64, 64))
    assert [f.shape[-1] for f in feats] == [8, 4, 2]


def test_overrides_on_saved_config() -> None:
    pcfg = {"net_type": "tiny", "model": {"name": "tiny", "heads": {"x": 1}}, "data": {"crop_size": [400, 400]},
            "train": {"lr": 1e-4}, "metadata": {}}
    out = apply_overrides(pcfg, ["model=resnet_50", "train.lr=1e-3", "data.crop_size=[64,48]", "+train.extra=2"])
    assert out["net_type"] == "resnet_50" and out["model"]["backbone"] == "resnet_50" and out["model"]["heads"] == {"x": 1}
    assert out["train"]["lr"] == 1e-3 and out["data"]["crop_size"] == [64, 48] and out["train"]["extra"] == 2
    assert apply_overrides(pcfg, ["model=mobilenet_v2_1.0"])["net_type"] == "mobilenet_v2_1.0"
    assert apply_overrides(pcfg, ["inference.pcutoff=0.3", "tracking=default"]) == pcfg  # other stages' settings
    with pytest.raises(ConfigError, match="train.lrr"):
        apply_overrides(pcfg, ["train.lrr=1"])
    with pytest.raises(ConfigError, match="no option"):
        apply_overrides(pcfg, ["model=vgg"])


@pytest.mark.parametrize("option", ["dlcrnet_ms5", "resnet_50"])
def test_resnet_models_forward(option: str) -> None:
    import yaml

    model_cfg = yaml.safe_load((CONFIG_DIR / "model" / f"{option}.yaml").read_text())
    net = PoseNet(dict(model_cfg, pretrained=False, neck_channels=32, head_channels=16), SHAPE).eval()
    with torch.no_grad():
        out = net(torch.rand(1, 3, 72, 64))
    assert out["heatmap"].shape == (1, 5, 9, 8) and out["paf"].shape == (1, 6, 9, 8)
