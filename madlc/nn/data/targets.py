"""Target maps for the bottom-up network, from keypoints of one (cropped, augmented) image. Pure numpy.

Grid convention (shared with :mod:`madlc.nn.models.decode` and the inference stage): output cell
``(row i, col j)`` of a stride-``s`` map is centred at image pixel ``(x, y) = (j*s + s/2, i*s + s/2)``
(DeepLabCut's convention); the map of an ``H x W`` input is ``ceil(H/s) x ceil(W/s)``.

Maps (``J`` joints = multi + unique body parts, ``E`` PAF edges, ``h x w`` output grid):

* ``heatmap`` ``(J, h, w)``: 1 within ``pos_dist_thresh`` px of a keypoint of that joint (``disk``,
  DeepLabCut), or ``exp(-d^2 / (2 sigma^2))`` with ``sigma = pos_dist_thresh / 2`` (``gaussian``).
* ``locref`` ``(2J, h, w)``: channel ``2j`` = dx, ``2j+1`` = dy from the cell centre to the nearest
  keypoint of joint ``j``, divided by ``locref_stdev``; ``locref_mask`` ``(2J, h, w)``: 1 within
  ``pos_dist_thresh`` of a keypoint.
* ``paf`` ``(2E, h, w)``: channels ``2e, 2e+1`` = unit vector (x, y) from ``graph[e][0]`` to
  ``graph[e][1]`` on cells within ``pafwidth/2`` of the limb segment (averaged where animals overlap).
* ``identity`` ``(h, w)`` int64: index of the individual whose keypoint is nearest (within
  ``pos_dist_thresh``), -1 elsewhere (ignored by the loss).
"""
from __future__ import annotations

import numpy as np


def grid_centres(out_h: int, out_w: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre coordinates: ``xs`` (w,), ``ys`` (h,) in input pixels."""
    return np.arange(out_w) * stride + stride / 2.0, np.arange(out_h) * stride + stride / 2.0


def make_targets(keypoints: np.ndarray, out_size: tuple[int, int], stride: int, graph: list[list[int]],
                 num_multi: int, num_identities: int = 0, pos_dist_thresh: float = 17.0,
                 locref_stdev: float = 7.2801, pafwidth: float = 20.0, heatmap: str = "disk") -> dict[str, np.ndarray]:
    """Target maps (module docstring) for ``keypoints`` ``(n_slots, J, 2)`` (NaN = absent).

    Slots ``0..num_individuals-1`` are animals; a last ``single`` slot may hold unique body parts.
    ``num_identities`` > 0 adds the identity map (slots < num_identities are identities).
    """
    h, w = out_size
    n_slots, n_joints = keypoints.shape[:2]
    xs, ys = grid_centres(h, w, stride)
    gx, gy = np.meshgrid(xs, ys)  # (h, w)
    heat = np.zeros((n_joints, h, w), np.float32)
    locref = np.zeros((n_joints, 2, h, w), np.float32)
    lmask = np.zeros((n_joints, 2, h, w), np.float32)
    ident = np.full((h, w), -1, np.int64)
    ident_d2 = np.full((h, w), np.inf)
    r2 = float(pos_dist_thresh) ** 2
    sigma2 = (pos_dist_thresh / 2.0) ** 2
    valid = np.isfinite(keypoints).all(-1)
    for j in range(n_joints):
        slots = np.flatnonzero(valid[:, j])
        if len(slots) == 0:
            continue
        pts = keypoints[slots, j]  # (k, 2)
        dx = pts[:, 0, None, None] - gx  # (k, h, w)
        dy = pts[:, 1, None, None] - gy
        d2 = dx * dx + dy * dy
        nearest = d2.argmin(0)
        dmin = np.take_along_axis(d2, nearest[None], 0)[0]
        inside = dmin <= r2
        heat[j] = inside if heatmap == "disk" else np.exp(-dmin / (2 * sigma2))
        locref[j, 0] = np.where(inside, np.take_along_axis(dx, nearest[None], 0)[0], 0) / locref_stdev
        locref[j, 1] = np.where(inside, np.take_along_axis(dy, nearest[None], 0)[0], 0) / locref_stdev
        lmask[j] = inside
        if num_identities:
            for k, slot in enumerate(slots):
                if slot >= num_identities:
                    continue
                closer = (d2[k] <= r2) & (d2[k] < ident_d2)
                ident[closer] = slot
                ident_d2[closer] = d2[k][closer]
    paf = np.zeros((len(graph), 2, h, w), np.float32)
    count = np.zeros((len(graph), h, w), np.float32)
    half = pafwidth / 2.0
    for e, (a, b) in enumerate(graph):  # graph indexes multi-animal parts: the single slot never matches
        for s in range(n_slots):
            if not (valid[s, a] and valid[s, b]):
                continue
            pa, pb = keypoints[s, a], keypoints[s, b]
            v = pb - pa
            length = float(np.hypot(*v))
            if length < 1e-6:
                continue
            u = v / length
            px, py = gx - pa[0], gy - pa[1]
            along = px * u[0] + py * u[1]
            across = np.abs(px * u[1] - py * u[0])
            on = (along >= 0) & (along <= length) & (across <= half)
            paf[e, 0][on] += u[0]
            paf[e, 1][on] += u[1]
            count[e][on] += 1
    paf /= np.maximum(count, 1)[:, None]
    out = {
        "heatmap": heat,
        "locref": locref.reshape(2 * n_joints, h, w),
        "locref_mask": lmask.reshape(2 * n_joints, h, w),
        "paf": paf.reshape(2 * len(graph), h, w),
    }
    if num_identities:
        out["identity"] = ident
    return out
