"""DeepLabCut 3's bottom-up networks (``resnet_50``, ``resnet_101``, ``dlcrnet_stride16_ms5``), rebuilt in madlc.

A DeepLabCut 3.0.x snapshot (``snapshot-*.pt``, its ``"model"`` state_dict) loads into
:class:`DLCPoseModel` as it is: the modules carry DeepLabCut's names (``backbone.model.layer1.0.conv1``,
``heads.bodypart.convt1``, ``heads.bodypart.hm_ref_layers.0``, ...), so no key mapping is needed, and
a state_dict madlc saves from it loads into DeepLabCut's ``PoseModel``. The architecture is read
from the ``model`` section of DeepLabCut's ``train/pytorch_config.yaml``:

* backbone ``type: ResNet``: DeepLabCut builds ``timm.create_model(model_name, output_stride=...)``;
  timm's ResNets have torchvision's layout and parameter names, so madlc builds torchvision's
  ResNet with the same norm layer (``*_gn``: GroupNorm with 32 groups, else BatchNorm) and the
  same dilation (``output_stride`` 16: the last stage dilated; 8: the last two), its ``fc`` removed.
  ``resnet_50`` is ``resnet50_gn`` (GroupNorm) at stride 16; ``resnet_101`` is ``resnet101`` (BatchNorm).
* backbone ``type: DLCRNet`` (``dlcrnet_stride16_ms5``): that ResNet plus DeepLabCut's multi-scale
  fusion: the outputs of ``layer1[2]`` and ``layer2[2]`` go through strided conv blocks
  (``conv_block1..5``), are resized (bilinear, antialiased) to the last stage's size and
  concatenated in front of it (2304 channels).
* head ``type: DLCRNetHead`` (the ``bodypart`` head): stride-2 transposed convolutions to
  keypoint, locref, PAF and feature maps, ``num_stages`` 3x3 refinement stages of heatmap and PAF,
  then one transposed 3x3 conv (stride 2, no padding) per output: maps of ``4 * h16 + 1`` cells,
  stride 4 (backbone stride / head stride, as DeepLabCut computes it).

Raw outputs of :meth:`DLCPoseModel.forward` use the keys of :class:`madlc.nn.models.network.PoseNet`
(``heatmap`` logits, ``locref`` in units of ``locref_stdev``, ``paf``), so
:func:`madlc.nn.models.model_forward` applies unchanged. Decoding as DeepLabCut does (Gaussian
smoothing, max-pool NMS, ``stride // 2`` cell centre, its PAF line integral) is
:mod:`madlc.nn.inference.dlc_decode`.

Training in madlc (``madlc train-network`` on such a shuffle): the maps are cut to the ``ceil(H / 4)``
cells madlc's targets have (DeepLabCut's stride-4 cell ``(i, j)`` is centred at ``(4j + 2, 4i + 2)``, as
madlc's targets are); madlc's losses and augmentation apply, and the snapshot it writes has DeepLabCut's
keys, so DeepLabCut loads it.

Input: images ``(B, 3, H, W)`` RGB in [0, 1] from 8-bit frames; the network normalises them as
DeepLabCut's albumentations ``Normalize`` does on the 8-bit values (float32 ``(v - 255 mean) * 1/(255 std)``).
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from madlc.errors import ConfigError
from madlc.nn.models.dlc_config import RESNET_NAME as _RESNET_NAME
from madlc.nn.models.dlc_config import unsupported_reason

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _resnet(model_name: str, output_stride: int) -> nn.Module:
    """torchvision's ResNet with timm's ``model_name`` norm layer and ``output_stride`` dilation, no ``fc``."""
    import torchvision.models as tvm

    match = _RESNET_NAME.match(str(model_name))
    if not match:
        raise ConfigError(f"model.backbone.model_name={model_name!r}: madlc rebuilds DeepLabCut's ResNets "
                          "resnet50, resnet101, resnet152 (and their _gn GroupNorm variants) only.")
    dilate = {32: [False, False, False], 16: [False, False, True], 8: [False, True, True]}.get(int(output_stride))
    if dilate is None:
        raise ConfigError(f"model.backbone.output_stride={output_stride}: use 32, 16 or 8.")
    norm = (lambda c: nn.GroupNorm(32, c)) if match.group(3) else None
    net = getattr(tvm, match.group(1))(weights=None, replace_stride_with_dilation=dilate, norm_layer=norm)
    net.fc = nn.Identity()
    return net


def _stem(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return net.maxpool(net.relu(net.bn1(net.conv1(x))))


class ResNetBackbone(nn.Module):
    """DeepLabCut's ``ResNet`` backbone: ``self.model`` is the ResNet (timm's ``forward_features``)."""

    def __init__(self, model_name: str = "resnet50_gn", output_stride: int = 32, **_: Any) -> None:
        super().__init__()
        self.stride = int(output_stride)
        self.model = _resnet(model_name, output_stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        net = self.model
        return net.layer4(net.layer3(net.layer2(net.layer1(_stem(net, x)))))


def _conv_block(cin: int, cout: int, kernel: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel_size=kernel, stride=stride), nn.BatchNorm2d(cout, momentum=0.001),
                         nn.ReLU())


class DLCRNetBackbone(ResNetBackbone):
    """DeepLabCut's ``DLCRNet`` backbone: the ResNet's stride-4 and stride-8 features fused into the last stage's."""

    def __init__(self, model_name: str = "resnet50", output_stride: int = 32, **_: Any) -> None:
        super().__init__(model_name, output_stride)
        self.conv_block1 = _conv_block(512, 512, 3, 2)
        self.conv_block2 = _conv_block(512, 128, 1, 1)
        self.conv_block3 = _conv_block(256, 256, 3, 2)
        self.conv_block4 = _conv_block(256, 256, 3, 2)
        self.conv_block5 = _conv_block(256, 128, 1, 1)

    @staticmethod
    def _stage(layer: nn.Sequential, x: torch.Tensor, tap: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Output of a ResNet stage and of its block ``tap`` (DeepLabCut hooks ``layer1[2]``, ``layer2[2]``)."""
        tapped = x
        for i, block in enumerate(layer):
            x = block(x)
            if i == tap:
                tapped = x
        return x, tapped

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        from torchvision.transforms.functional import resize

        net = self.model
        x, bank1 = self._stage(net.layer1, _stem(net, x), 2)
        x, bank2 = self._stage(net.layer2, x, 2)
        out = net.layer4(net.layer3(x))
        bank2 = self.conv_block2(self.conv_block1(bank2))
        bank1 = self.conv_block5(self.conv_block4(self.conv_block3(bank1)))
        size = list(out.shape[-2:])
        return torch.cat((resize(bank1, size, antialias=True), resize(bank2, size, antialias=True), out), dim=1)


class DeconvModule(nn.Module):
    """DeepLabCut's ``DeconvModule``: transposed convs (ReLU between), optional final 1x1-style conv."""

    def __init__(self, channels: list[int], kernel_size: list[int], strides: list[int],
                 final_conv: dict[str, Any] | None = None) -> None:
        super().__init__()
        if not len(channels) == len(kernel_size) + 1 == len(strides) + 1:
            raise ConfigError(f"head config: {len(channels)} channels for {len(kernel_size)} kernels and "
                              f"{len(strides)} strides (needs one channel count more).")
        self.stride = 1
        self.deconv_layers: nn.Module = nn.Identity()
        if kernel_size:
            layers: list[nn.Module] = []
            cin = int(channels[0])
            for cout, k, s in zip(channels[1:], kernel_size, strides):
                layers += [nn.ConvTranspose2d(cin, int(cout), kernel_size=int(k), stride=int(s)), nn.ReLU()]
                cin = int(cout)
                self.stride *= int(s)
            self.deconv_layers = nn.Sequential(*layers[:-1])
        self.final_conv: nn.Module = nn.Identity()
        if final_conv:
            self.final_conv = nn.Conv2d(int(channels[-1]), int(final_conv["out_channels"]),
                                        kernel_size=int(final_conv["kernel_size"]), stride=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.final_conv(self.deconv_layers(x))


def _up2(cin: int, cout: int) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(cin, cout, kernel_size=3, stride=2, padding=1, output_padding=1)


class DLCRNetHead(nn.Module):
    """DeepLabCut's ``DLCRNetHead``: heatmap, locref and PAF maps with ``num_stages`` refinement stages."""

    def __init__(self, heatmap_config: dict[str, Any], locref_config: dict[str, Any], paf_config: dict[str, Any],
                 num_stages: int = 5, features_dim: int = 128, **_: Any) -> None:
        super().__init__()
        heatmap_config, locref_config, paf_config = (
            {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in c.items()}
            for c in (heatmap_config, locref_config, paf_config))
        self.num_stages = int(num_stages)
        cin = int(heatmap_config["channels"][0])
        n_kpts, n_limbs = int(heatmap_config["channels"][-1]), int(paf_config["channels"][-1])
        refined = int(features_dim) + n_kpts + n_limbs
        if self.num_stages > 0:
            heatmap_config["channels"][0] = paf_config["channels"][0] = refined
            locref_config["channels"][0] = locref_config["channels"][-1]
        self.heatmap_head = DeconvModule(**heatmap_config)
        self.locref_head = DeconvModule(**locref_config)
        if self.heatmap_head.stride != self.locref_head.stride:
            raise ConfigError("head config: heatmap and locref strides differ (DeepLabCut requires them equal).")
        self.stride = self.heatmap_head.stride * (2 if self.num_stages > 0 else 1)
        self.paf_head = DeconvModule(**paf_config)
        self.convt1 = _up2(cin, n_kpts)
        self.convt2 = _up2(cin, int(locref_config["channels"][-1]))
        self.convt3 = _up2(cin, n_limbs)
        self.convt4 = _up2(cin, int(features_dim))
        self.hm_ref_layers = nn.ModuleList(nn.Conv2d(refined, n_kpts, 3, 1, padding="same")
                                           for _ in range(self.num_stages))
        self.paf_ref_layers = nn.ModuleList(nn.Conv2d(refined, n_limbs, 3, 1, padding="same")
                                            for _ in range(self.num_stages))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if self.num_stages == 0:
            return {"heatmap": self.heatmap_head(x), "locref": self.locref_head(x), "paf": self.paf_head(x)}
        heat, paf, features = self.convt1(x), self.convt3(x), self.convt4(x)
        stage_in = torch.cat((heat, paf, features), dim=1)
        for i, (hm_layer, paf_layer) in enumerate(zip(self.hm_ref_layers, self.paf_ref_layers)):
            previous = heat
            heat = hm_layer(stage_in)
            paf = paf_layer(stage_in)
            if i > 0:
                heat = heat + previous
            stage_in = torch.cat((heat, paf, features), dim=1)
        return {"heatmap": self.heatmap_head(stage_in), "locref": self.locref_head(self.convt2(x)),
                "paf": self.paf_head(stage_in)}


BACKBONE_TYPES = {"ResNet": ResNetBackbone, "DLCRNet": DLCRNetBackbone}
HEAD_TYPES = {"DLCRNetHead": DLCRNetHead}


class DLCPoseModel(nn.Module):
    """DeepLabCut 3's bottom-up ``PoseModel`` (backbone + ``heads.bodypart``) with DeepLabCut's module names."""

    def __init__(self, dlc_model: dict[str, Any], locref_stdev: float = 7.2801) -> None:
        super().__init__()
        reason = unsupported_reason(dlc_model)
        if reason:
            raise ConfigError(f"this DeepLabCut model has {reason}. What to do: analyse it with DeepLabCut, or "
                              "train a madlc shuffle (madlc create-multianimaltraining-dataset CONFIG).")
        bb = dict(dlc_model["backbone"])
        self.backbone = BACKBONE_TYPES[bb.pop("type")](**bb)
        head_cfg = dlc_model["heads"]["bodypart"]
        keys = ("heatmap_config", "locref_config", "paf_config", "num_stages", "features_dim")
        self.heads = nn.ModuleDict({"bodypart": DLCRNetHead(**{k: head_cfg[k] for k in keys if k in head_cfg})})
        self.stride = self.backbone.stride / self.heads["bodypart"].stride
        self.locref_stdev = float(locref_stdev)
        mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32) * 255
        scale = torch.reciprocal(torch.tensor(IMAGENET_STD, dtype=torch.float32) * 255)
        self.register_buffer("mean255", mean.view(1, 3, 1, 1), persistent=False)
        self.register_buffer("inv_std255", scale.view(1, 3, 1, 1), persistent=False)

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        levels = torch.round(images * 255.0)  # the 8-bit values DeepLabCut normalises
        x = (levels - self.mean255) * self.inv_std255
        out = self.heads["bodypart"](self.backbone(x))
        if self.training:  # madlc's targets cover ceil(H / stride) cells, the maps one more: cut them to fit
            h, w = (-(-int(images.shape[-2]) // int(self.stride)), -(-int(images.shape[-1]) // int(self.stride)))
            out = {k: v[..., :h, :w] for k, v in out.items()}
        return out
