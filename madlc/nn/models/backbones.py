"""Backbones: each returns feature maps at strides 8, 16 and 32 (a list of 3 tensors).

Registry :data:`BACKBONES` maps the ``model.backbone`` key to a builder ``(model_cfg) -> Backbone``.
To add one: write a builder returning ``Backbone(stages)`` whose three stages produce the
stride-8, -16 and -32 maps, and register it here (and a config in ``madlc/configs/model/``).

ImageNet weights come from torchvision when they can be loaded (cached or downloadable); otherwise
the backbone is randomly initialised and ONE warning line says so. ``model.weights`` may name a
local torchvision state_dict instead.
"""
from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from madlc.errors import ConfigError


class Backbone(nn.Module):
    """Three sequential stages producing strides 8, 16, 32; ``channels`` lists their widths."""

    def __init__(self, stages: list[nn.Module]) -> None:
        super().__init__()
        self.stages = nn.ModuleList(stages)
        with torch.no_grad():
            was_training = self.training
            self.eval()
            self.channels = [f.shape[1] for f in self(torch.zeros(1, 3, 64, 64))]
            self.train(was_training)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats


def _conv_bn(cin: int, cout: int, stride: int, double: bool = True) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    if double:
        layers += [nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


def tiny(model_cfg: dict[str, Any]) -> Backbone:
    """Five stride-2 stages (one 3x3 conv at strides 2 and 4, two after): a CPU-friendly backbone for tests and the demo."""
    ch = list(model_cfg.get("tiny_channels") or [16, 32, 64, 96, 128])
    if len(ch) != 5:
        raise ConfigError(f"model.tiny_channels={ch}: give 5 channel counts (strides 2, 4, 8, 16, 32).")
    s8 = nn.Sequential(_conv_bn(3, ch[0], 2, False), _conv_bn(ch[0], ch[1], 2, False), _conv_bn(ch[1], ch[2], 2))
    return Backbone([s8, _conv_bn(ch[2], ch[3], 2), _conv_bn(ch[3], ch[4], 2)])


def _torchvision(name: str, model_cfg: dict[str, Any]) -> nn.Module:
    """A torchvision classification model, with ImageNet weights when they can be had."""
    import torchvision.models as tvm

    builder = getattr(tvm, name)
    local = model_cfg.get("weights")
    if local:
        net = builder(weights=None)
        path = Path(str(local)).expanduser()
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except (OSError, RuntimeError, ValueError) as err:
            raise ConfigError(f"model.weights={path}: cannot load these backbone weights ({err}). "
                              "What to do: give a torchvision state_dict file, or set model.weights=null.") from err
        missing, unexpected = net.load_state_dict(state, strict=False)
        if len(missing) > len(state) // 2:
            raise ConfigError(f"model.weights={path}: does not fit {name} ({len(missing)} missing tensors).")
        return net
    if model_cfg.get("pretrained", True):
        weights = tvm.get_model_weights(name).DEFAULT
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # torch.hub prints "Downloading ..." to stdout
                return builder(weights=weights)
        except Exception as err:  # noqa: BLE001 - no network / no cache: any failure means random init
            logging.getLogger("madlc").warning(
                f"{name}: ImageNet weights unavailable ({type(err).__name__}); using random initialisation.")
    return builder(weights=None)


def resnet(name: str) -> Callable[[dict[str, Any]], Backbone]:
    def build(model_cfg: dict[str, Any]) -> Backbone:
        net = _torchvision(name, model_cfg)
        s8 = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2)
        return Backbone([s8, net.layer3, net.layer4])

    return build


def mobilenet_v2(model_cfg: dict[str, Any]) -> Backbone:
    f = _torchvision("mobilenet_v2", model_cfg).features
    return Backbone([f[:7], f[7:14], f[14:18]])


def efficientnet_b0(model_cfg: dict[str, Any]) -> Backbone:
    f = _torchvision("efficientnet_b0", model_cfg).features
    return Backbone([f[:4], f[4:6], f[6:8]])


BACKBONES: dict[str, Callable[[dict[str, Any]], Backbone]] = {
    "tiny": tiny,
    "resnet_50": resnet("resnet50"),
    "resnet_101": resnet("resnet101"),
    "mobilenet_v2": mobilenet_v2,
    "efficientnet_b0": efficientnet_b0,
}


def build_backbone(model_cfg: dict[str, Any]) -> Backbone:
    name = str(model_cfg.get("backbone", "tiny"))
    if name not in BACKBONES:
        raise ConfigError(f"model.backbone={name!r} is unknown. What to do: use one of {sorted(BACKBONES)}.")
    return BACKBONES[name](model_cfg)
