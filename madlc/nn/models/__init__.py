"""Networks, losses and training of madlc's bottom-up (PAF) pose model.

Entry points for other stages (torch is imported only when they are called):

``load_model(model_folder_or_snapshot, snapshotindex=-1, device="cpu") -> (model, model_cfg)``
    ``model``: a :class:`madlc.nn.models.network.PoseNet` in eval mode; ``model_cfg``: the model
    folder's ``train/pytorch_config.yaml`` as a dict (FORMATS.md §4.6 + madlc's settings, see
    :mod:`madlc.nn.models.config`) with three added keys: ``snapshot`` (path of the loaded file),
    ``stride`` (8) and ``shape`` (``num_joints``, ``num_multibodyparts``, ``graph``,
    ``num_identities``, ``locref_stdev``, ``stride``). A folder picks ``list_snapshots(train)[snapshotindex]``
    (DeepLabCut's order: by epoch, ``snapshot-best-*`` last).

``model_forward(model, images) -> dict`` (no gradients)
    ``images``: float tensor ``(B, 3, H, W)``, RGB in [0, 1] (the network normalises internally;
    any H, W). Output maps have ``h = ceil(H/8)``, ``w = ceil(W/8)``; cell ``(i, j)`` is centred at
    pixel ``(j*8 + 4, i*8 + 4)``:

    * ``heatmaps`` ``(B, J, h, w)``: sigmoid probabilities, ``J`` = multianimalbodyparts +
      uniquebodyparts (``all_joints_names`` order);
    * ``locref`` ``(B, 2J, h, w)``: offsets IN PIXELS (already multiplied by ``locref_stdev``), channel
      ``2j`` = dx, ``2j+1`` = dy: keypoint = cell centre + offset;
    * ``paf`` ``(B, 2E, h, w)``: part affinity fields, channel ``2e`` = x, ``2e+1`` = y component of the
      unit vector from ``graph[e][0]`` to ``graph[e][1]`` (``graph`` = ``model_cfg["shape"]["graph"]``,
      indices into multianimalbodyparts); ``E`` may be 0;
    * ``identity`` ``(B, n_individuals, h, w)``: softmax over individuals (only with identity);
    * ``stride``: the int 8.

``train_network`` lives in :mod:`madlc.stages.train_network`; to add a backbone see :mod:`madlc.nn.models.backbones`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from madlc.errors import file_error


def read_snapshot(path: str | Path) -> dict[str, Any]:
    """Load a ``snapshot-*.pt``; a truncated or foreign file raises FormatError naming it."""
    import torch

    path = Path(path)
    try:
        snap = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise file_error(path, "no such snapshot", "train the network first (train_network)") from None
    except Exception as err:  # noqa: BLE001 - torch raises many types for corrupt files
        raise file_error(path, f"this snapshot is corrupt or not a madlc/DeepLabCut snapshot ({type(err).__name__}: "
                         f"{str(err)[:200]})", "delete it (training resumes from the previous one) or retrain") from err
    if not isinstance(snap, dict) or "model" not in snap:
        raise file_error(path, "this snapshot has no 'model' state", "delete it or retrain")
    return snap


def build_model(model_cfg: dict[str, Any]) -> Any:
    """A fresh (randomly initialised / ImageNet backbone) PoseNet for a pytorch_config dict."""
    from madlc.nn.models.config import network_shape
    from madlc.nn.models.network import PoseNet

    return PoseNet(model_cfg["model"], network_shape(model_cfg))


def load_model(model_folder_or_snapshot: str | Path, snapshotindex: int = -1, device: str = "cpu") -> tuple[Any, dict[str, Any]]:
    """Load a trained network (module docstring) from a model folder or a snapshot file."""
    from madlc.nn.models.config import load_pytorch_config, model_folder_of, network_shape
    from madlc.project.paths import list_snapshots

    src = Path(model_folder_or_snapshot)
    folder = model_folder_of(src)
    model_cfg = load_pytorch_config(folder)
    if src.is_file() and src.suffix == ".pt":
        snapshot = src
    else:
        snaps = list_snapshots(folder / "train")
        if not snaps:
            raise file_error(folder / "train", "no snapshot-*.pt here", "train the network first (train_network)")
        try:
            snapshot = snaps[snapshotindex]
        except IndexError:
            raise file_error(folder / "train", f"snapshotindex {snapshotindex} out of range ({len(snaps)} snapshots)",
                             "use -1 for the last one") from None
    state = read_snapshot(snapshot)
    model = build_model_quiet(model_cfg)
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as err:
        raise file_error(snapshot, f"weights do not fit the network in {folder / 'train' / 'pytorch_config.yaml'} "
                         f"({str(err)[:200]})", "use the config the snapshot was trained with") from err
    model.to(device).eval()
    model_cfg = dict(model_cfg, snapshot=str(snapshot), stride=model.stride, shape=network_shape(model_cfg))
    return model, model_cfg


def build_model_quiet(model_cfg: dict[str, Any]) -> Any:
    """Like :func:`build_model` without fetching ImageNet weights (they are overwritten by a snapshot)."""
    cfg = dict(model_cfg, model=dict(model_cfg["model"], pretrained=False, weights=None))
    return build_model(cfg)


def model_forward(model: Any, images: Any) -> dict[str, Any]:
    """Probabilities and pixel offsets for a batch of images in [0, 1] (module docstring)."""
    import torch

    from madlc.nn.models.network import postprocess

    param = next(model.parameters())
    with torch.no_grad():
        raw = model(images.to(param.device, torch.float32))
        out = postprocess(raw, model.locref_stdev)
    out["stride"] = model.stride
    return out
