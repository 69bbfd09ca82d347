"""Network names: DeepLabCut's ``net_type`` strings -> madlc's Hydra ``model`` group options.

Light module (no torch import): used by dataset creation, training and scorer names.
To add a network: write ``madlc/configs/model/<option>.yaml`` (keys as in ``resnet_50.yaml``),
register its backbone in :data:`madlc.nn.models.backbones.BACKBONES`, and add its DeepLabCut
name(s) here.
"""
from __future__ import annotations

from madlc.errors import ConfigError

#: DeepLabCut net_type (and a few aliases) -> file name in madlc/configs/model/
NET_TYPE_TO_MODEL: dict[str, str] = {
    "tiny": "tiny",
    "resnet_50": "resnet_50",
    "resnet_101": "resnet_101",
    "mobilenet_v2_1.0": "mobilenet_v2",
    "mobilenet_v2": "mobilenet_v2",
    "efficientnet-b0": "efficientnet_b0",
    "efficientnet_b0": "efficientnet_b0",
    "dlcrnet_ms5": "dlcrnet_ms5",
    "dlcrnet_stride8_ms5": "dlcrnet_ms5",
}

#: the multi-animal default of DeepLabCut (TF engine); madlc's Hydra default is ``tiny``
DEFAULT_MULTIANIMAL_NET = "dlcrnet_ms5"


def model_option(net_type: str) -> str:
    """Hydra ``model=`` option for a DeepLabCut ``net_type`` (``mobilenet_v2_1.0`` -> ``mobilenet_v2``)."""
    try:
        return NET_TYPE_TO_MODEL[str(net_type)]
    except KeyError:
        raise ConfigError(
            f"net_type {net_type!r} is not supported. What to do: use one of {sorted(set(NET_TYPE_TO_MODEL))}."
        ) from None
