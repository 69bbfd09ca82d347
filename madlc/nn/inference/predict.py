"""From network outputs to DeepLabCut's per-frame detection dicts.

:func:`decode_outputs` does the device part on a whole batch (peaks, location refinement,
identity, PAF costs -> a few flat tensors); :func:`to_frame_dicts` splits those (on the host)
into one dict per image in the ``_full.pickle`` layout (FORMATS.md §6.1, TF variant)::

    {"coordinates": ([arr (n_j, 2) float64 per body part],),
     "confidence": [arr (n_j, 1) float32],
     "costs": {edge index: {"m1": (n_s, n_t) float32, "distance": (n_s, n_t) float32}} or None,
     "identity": [arr (n_j, n_individuals) float32]}      # only with an identity head

Every edge of ``paf_inds`` gets an entry (possibly with 0 rows or columns). Costs are
rounded to 3 decimals, like DeepLabCut's; ``distance`` is in score-map cells.

:func:`predict_images` runs a model on a list of images (evaluation, maps).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np


@dataclass
class InferenceSettings:
    """What turns network maps into detections (DeepLabCut's test pose_cfg + madlc extras)."""

    num_joints: int
    all_joints_names: list[str]
    stride: float = 8.0
    nms_radius: float = 5.0
    min_confidence: float = 0.01
    split_distance: float = 0.0  # px; > 0: NMS keeps neighbouring cells that locate different keypoints
    max_peaks: int = 64  # per image and body part (keeps PAF pair counts bounded)
    locref_stdev: float = 7.2801
    location_refinement: bool = True
    graph: list[list[int]] = field(default_factory=list)  # PAF edges [s, t] (full graph)
    paf_inds: list[int] | None = None  # edges to evaluate (DeepLabCut's paf_best); None = all
    n_samples: int = 10  # points per PAF line integral
    sigma: float = 1

    @property
    def edges(self) -> list[int]:
        return list(range(len(self.graph))) if self.paf_inds is None else [int(i) for i in self.paf_inds]

    def metadata(self, nframes: int) -> dict[str, Any]:
        """The ``_full.pickle`` ``metadata`` dict for a video of ``nframes`` frames."""
        from madlc.project.paths import frame_key_width

        return {
            "nms radius": float(self.nms_radius),
            "minimal confidence": float(self.min_confidence),
            "sigma": self.sigma,
            "PAFgraph": [[int(a), int(b)] for a, b in self.graph],
            "PAFinds": [int(i) for i in self.edges],
            "all_joints": [[i] for i in range(self.num_joints)],
            "all_joints_names": list(self.all_joints_names),
            "nframes": int(nframes),
            "key_str_width": frame_key_width(int(nframes)),
        }


@dataclass
class Decoded:
    """Flat per-batch results on one device (see :mod:`madlc.nn.inference.peaks` / ``paf``)."""

    n_images: int
    counts: Any  # (B, J) int64
    xy: Any  # (N, 2) float32
    score: Any  # (N,)
    identity: Any | None  # (N, I)
    pair_counts: Any | None  # (B, E')
    m1: Any | None  # (P,)
    distance: Any | None  # (P,)

    def to(self, device: Any, non_blocking: bool = False) -> "Decoded":
        def move(t):
            return None if t is None else t.to(device, non_blocking=non_blocking)

        return Decoded(self.n_images, move(self.counts), move(self.xy), move(self.score), move(self.identity),
                       move(self.pair_counts), move(self.m1), move(self.distance))


def decode_outputs(outputs: dict[str, Any], settings: InferenceSettings, image_size: tuple[int, int] | None = None
                   ) -> Decoded:
    """Peaks, refined coordinates, identities and PAF costs of a batch (on the outputs' device).

    Args:
        outputs: ``heatmap (B, J, h, w)`` probabilities; optional ``locref (B, 2J, h, w)``,
            ``paf (B, 2E, h, w)``, ``identity (B, I, h, w)`` probabilities.
        image_size: ``(height, width)`` of the real image inside a padded input; maps are cropped
            to the cells covering it.
    """
    from madlc.nn.inference.paf import paf_costs
    from madlc.nn.inference.peaks import find_peaks, gather_identity, refine_with_locref

    heat = outputs["heatmap"]
    locref = outputs.get("locref") if settings.location_refinement else None
    paf = outputs.get("paf")
    ident = outputs.get("identity")
    if heat.shape[1] != settings.num_joints:
        raise ValueError(f"the network predicts {heat.shape[1]} body parts, the project has {settings.num_joints}")
    if image_size is not None:
        h = min(heat.shape[2], int(np.ceil(image_size[0] / settings.stride)))
        w = min(heat.shape[3], int(np.ceil(image_size[1] / settings.stride)))
        heat = heat[:, :, :h, :w]
        locref = None if locref is None else locref[:, :, :h, :w]
        paf = None if paf is None else paf[:, :, :h, :w]
        ident = None if ident is None else ident[:, :, :h, :w]
    offsets = None if locref is None else locref * settings.locref_stdev
    peaks = find_peaks(heat, settings.nms_radius, settings.min_confidence, settings.max_peaks, offsets,
                       settings.stride, settings.split_distance)
    xy = refine_with_locref(peaks, locref, settings.stride, settings.locref_stdev)
    identity = gather_identity(peaks, ident) if ident is not None else None
    pair_counts = m1 = distance = None
    if settings.graph and paf is not None:
        costs = paf_costs(paf, peaks, settings.graph, settings.edges, settings.n_samples)
        pair_counts, m1, distance = costs.counts, costs.m1, costs.distance
    return Decoded(heat.shape[0], peaks.counts, xy, peaks.score, identity, pair_counts, m1, distance)


def to_frame_dicts(decoded: Decoded, settings: InferenceSettings) -> list[dict[str, Any]]:
    """Split a (host) :class:`Decoded` batch into one ``_full.pickle`` frame dict per image."""
    counts = decoded.counts.numpy()
    xy = decoded.xy.numpy().astype(np.float64)
    score = decoded.score.numpy().astype(np.float32).reshape(-1, 1)
    ident = None if decoded.identity is None else decoded.identity.numpy().astype(np.float32)
    has_costs = decoded.m1 is not None
    if has_costs:
        pair_counts = decoded.pair_counts.numpy()
        m1 = np.round(decoded.m1.numpy().astype(np.float32), 3)
        dist = np.round(decoded.distance.numpy().astype(np.float32), 3)
        pair_bounds = np.concatenate([[0], np.cumsum(pair_counts.reshape(-1))])
    bounds = np.concatenate([[0], np.cumsum(counts.reshape(-1))])
    J = counts.shape[1]
    edges = settings.edges
    frames = []
    for b in range(decoded.n_images):
        cuts = bounds[b * J: (b + 1) * J + 1]
        frame: dict[str, Any] = {
            "coordinates": ([xy[cuts[j]:cuts[j + 1]] for j in range(J)],),
            "confidence": [score[cuts[j]:cuts[j + 1]] for j in range(J)],
            "costs": None,
        }
        if has_costs:
            costs = {}
            for k, e in enumerate(edges):
                s, t = settings.graph[e]
                lo, hi = pair_bounds[b * len(edges) + k], pair_bounds[b * len(edges) + k + 1]
                shape = (int(counts[b, s]), int(counts[b, t]))
                costs[int(e)] = {"m1": m1[lo:hi].reshape(shape), "distance": dist[lo:hi].reshape(shape)}
            frame["costs"] = costs
        if ident is not None:
            frame["identity"] = [ident[cuts[j]:cuts[j + 1]] for j in range(J)]
        frames.append(frame)
    return frames


def predict_images(
    model: Callable[[Any], dict[str, Any]],
    images: Sequence[np.ndarray] | np.ndarray,
    settings: InferenceSettings,
    batch_size: int = 8,
    device: Any = None,
) -> list[dict[str, Any]]:
    """Detections of each image, as ``_full.pickle`` frame dicts (used on labeled images).

    Args:
        model: maps a uint8 batch ``(B, H, W, 3)`` tensor (RGB, on ``device``) to the output dict
            of :func:`decode_outputs` (see :func:`madlc.nn.inference.model.load_inference_model`).
        images: RGB uint8 ``(H, W, 3)`` arrays, any sizes (grouped by size into batches).
        settings: :class:`InferenceSettings`.
    """
    import torch

    device = torch.device("cpu") if device is None else torch.device(device)
    results: list[dict[str, Any] | None] = [None] * len(images)
    by_size: dict[tuple, list[int]] = {}
    for i, img in enumerate(images):
        img = np.asarray(img)
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"image {i}: expected an RGB (H, W, 3) array, got shape {img.shape}")
        by_size.setdefault(img.shape, []).append(i)
    with torch.inference_mode():
        for shape, idx in by_size.items():
            for start in range(0, len(idx), batch_size):
                part = idx[start:start + batch_size]
                batch = torch.from_numpy(np.stack([np.asarray(images[i], dtype=np.uint8) for i in part])).to(device)
                decoded = decode_outputs(model(batch), settings, image_size=shape[:2]).to("cpu")
                for i, frame in zip(part, to_frame_dicts(decoded, settings)):
                    results[i] = frame
    return results  # type: ignore[return-value]
