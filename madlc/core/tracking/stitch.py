"""Tracklet stitching: global linking of tracklets into exactly ``n_tracks`` tracks.

The tracklets become a min-cost flow problem: ``n_tracks`` units of flow go from a
source to a sink; each tracklet is an arc of capacity 1 whose (negative) cost
rewards covering its frames; tracklet ``i`` may hand its flow to tracklet ``j``
that starts after ``i`` ends (within ``max_gap`` frames) at the cost of the link.
A link costs the negative log-likelihood of ``j``'s first pose given ``i``'s last
pose moved on with ``i``'s velocity (and backwards with ``j``'s), with a spread
that grows with the gap (``gap_motion``: with the median speed, or as far as this video's
animals typically move in that many frames, measured on its tracklets); plus shape disagreement (body-part distances), a small
per-frame gap cost, and identity disagreement when the network predicts
identities. Starting a track after the first frame or ending it before the last
costs extra, so occlusions are bridged instead of opening new tracks. A direct
source -> sink arc makes the problem always feasible (an empty track).

Short tracklets (``min_length``) are residuals: they are nodes of the flow too, but
may only sit between longer tracklets (a track is never made of residuals alone);
pieces shorter than ``flow_min_length`` (whose motion is unreliable) and tracklets
left over are afterwards slotted into gaps of the tracks they fit best
(``prestitch_residuals``); tracklets that jump implausibly far between frames are
split first (``split_tracklets``). If the flow solver fails, a greedy assignment
takes over; every such decision is listed in :attr:`StitchResult.messages`.

When the tracks then hold under 90 % of the detections the tracklets could place (per frame, at
most ``n_tracks``) while the tracklets are short (half of the detections in tracklets under
``min_length``) or a track stayed empty, the stitch is redone on the video's own scale: ``min_length``
lowered to the length half of the detections reach and the reward per frame divided by the
video's median evidence per detection (:func:`_fill_config`), and kept if it places more. Tracks
that still hold under half of them come with a warning saying what to try.

Entry point: :func:`stitch_tracklets_array` (dict of tracklets in, tracks array out).
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import numpy as np
from scipy.optimize import linear_sum_assignment

from madlc.core.tracking.quality import undecided_joins
from madlc.core.tracking.similarity import identity_votes, pose_centroids, pose_scales

SCALE = 100  # float costs -> integer arc costs


@dataclass
class StitchConfig:
    """Stitcher settings (defaults: ``madlc/config/schema.py`` TrackingSchema)."""

    min_length: int = 10
    split_tracklets: bool = True
    prestitch_residuals: bool = True
    max_gap: int | None = None
    coverage_reward: float = 1.0  # per covered frame
    boundary_cost: float = 10.0  # starting a track after the first frame / ending before the last
    motion_weight: float = 0.5
    shape_weight: float = 2.0
    gap_weight: float = 0.02  # per missing frame
    identity_weight: float = 5.0
    velocity_window: int = 8
    velocity_decay: float = 10.0  # frames; the predicted drift saturates after a few decays
    gap_motion: str = "speed"  # position spread across a gap: speed (median speed x gap) or measured on the video
    split_jump: float = 3.0  # split where an animal jumps this many body sizes (and 5x its fast speed) in a frame
    max_links: int = 12  # candidate successors kept per tracklet
    residual_max_cost: float = 12.0  # a residual is slotted into a track only below this link cost
    repair_swaps: bool = False  # re-check handovers between tracks on whole-track context
    repair_context: int = 30  # frames of each track used by that check
    repair_margin: float = 0.5  # cost a swap must save
    max_overlap: int = 2  # b may start this many frames before a ends (a's last frames are then b's)
    flow_min_length: int = 3  # shorter pieces (unreliable motion) are only slotted into gaps afterwards
    position_noise: float | None = None  # px std of a tracklet's end pose; None = 5% of the body size + 2 px
    n_identities: int = 0
    pcutoff: float = 0.1


class Tracklet:
    """A piece of one animal's track: sorted frames and their poses.

    Args:
        frames: (n,) increasing frame indices.
        data: (n, k, 3 or 4) x, y, likelihood[, identity] with NaN for missing keypoints.
        label: the tracklet's id in its source file.
    """

    def __init__(self, frames: np.ndarray, data: np.ndarray, label: object = None) -> None:
        order = np.argsort(frames, kind="stable")
        self.frames = np.asarray(frames, int)[order]
        self.data = np.asarray(data, float)[order]
        self.label = label
        self.votes: np.ndarray | None = None
        self._summarise()

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"Tracklet({self.label!r}, frames {self.start}-{self.end}, n={len(self)})"

    @property
    def start(self) -> int:
        return int(self.frames[0])

    @property
    def end(self) -> int:
        return int(self.frames[-1])

    def _summarise(self, window: int = 8) -> None:
        xy = self.data[..., :2]
        self.centroids = pose_centroids(xy)
        self.size = float(np.nanmedian(pose_scales(xy))) if len(self) else 1.0
        self.end_pose, self.end_velocity = _edge_state(self.frames, xy, window, at_end=True)
        self.start_pose, self.start_velocity = _edge_state(self.frames, xy, window, at_end=False)
        # rotation-invariant shape: median distance between every pair of body parts
        k = xy.shape[1]
        iu = np.triu_indices(k, 1)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a body-part pair never seen together: NaN, as intended
            d = np.linalg.norm(xy[:, iu[0]] - xy[:, iu[1]], axis=-1)
            self.shape = np.nanmedian(d, 0) if len(d) and np.isfinite(d).any() else np.full(len(iu[0]), np.nan)
            # how much the shape changes within this tracklet (first vs second half): the video's own
            # measure of how far proportions of one animal vary (rigid mice little, flapping birds a lot)
            half = len(d) // 2
            self.shape_change = (_log_shape_distance(np.nanmedian(d[:half], 0), np.nanmedian(d[half:], 0))
                                 if half >= 10 else np.nan)
        self.speeds = np.linalg.norm(np.diff(self.centroids, axis=0), axis=1) / np.maximum(np.diff(self.frames), 1)
        # evidence that this is a real animal: per frame, visible fraction of parts x their mean likelihood
        seen = np.isfinite(xy).all(-1)
        conf = np.clip(np.nan_to_num(self.data[..., 2], nan=0.0), 0, 1) if self.data.shape[-1] > 2 else seen * 1.0
        self.frame_evidence = np.where(seen, conf, 0.0).sum(1) / max(xy.shape[1], 1)
        self.evidence = float(self.frame_evidence.sum())

    def set_identity(self, n_identities: int) -> None:
        if n_identities > 0 and self.data.shape[-1] > 3:
            v = identity_votes(self.data[..., 3], self.data[..., 2], n_identities).sum(0)
            self.votes = v if v.sum() > 0 else None

    def split_at(self, cut: np.ndarray) -> list["Tracklet"]:
        """Pieces split before each position in ``cut`` (indices into the frames)."""
        bounds = [0, *sorted(int(c) for c in cut), len(self)]
        return [Tracklet(self.frames[a:b], self.data[a:b], self.label) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _log_shape_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Mean squared log ratio of two shapes' body-part distances (NaN if they share none)."""
    both = np.isfinite(p) & np.isfinite(q) & (p > 0) & (q > 0)
    return float(np.mean(np.log(p[both] / q[both]) ** 2)) if both.any() else np.nan


def _edge_state(frames: np.ndarray, xy: np.ndarray, window: int, at_end: bool) -> tuple[np.ndarray, np.ndarray]:
    """Pose (k, 2) at the first/last frame (missing parts filled from nearby frames) and velocity (2,)."""
    n = len(frames)
    if n == 0:
        return np.full((xy.shape[1], 2), np.nan), np.zeros(2)
    sl = slice(max(n - window, 0), n) if at_end else slice(0, min(window, n))
    f = frames[sl].astype(float)
    p = xy[sl]
    t0 = f[-1] if at_end else f[0]
    # velocity: median over body parts of least-squares slopes (robust to parts that come and go),
    # shrunk towards 0 for short windows whose slope is mostly noise
    slopes = []
    for j in range(p.shape[1]):
        ok = np.isfinite(p[:, j]).all(1)
        if ok.sum() >= 2 and np.ptp(f[ok]) > 0:
            ff = f[ok] - f[ok].mean()
            slopes.append((ff[:, None] * (p[ok, j] - p[ok, j].mean(0))).sum(0) / (ff**2).sum())
    vel = np.median(np.asarray(slopes), 0) if slopes else np.zeros(2)
    span = float(np.ptp(f)) if len(f) else 0.0
    vel = vel * span / (span + 2.0)
    # pose at the edge frame: each part from the nearest frame where it is seen, moved by the velocity
    pose = np.full((p.shape[1], 2), np.nan)
    order = range(len(f) - 1, -1, -1) if at_end else range(len(f))
    for i in order:
        fill = ~np.isfinite(pose).all(1) & np.isfinite(p[i]).all(1)
        if fill.any():
            pose[fill] = p[i][fill] + vel * (t0 - f[i])
        if np.isfinite(pose).all():
            break
    return pose, vel


@dataclass
class StitchResult:
    """Tracks as lists of tracklets, with a log of what the stitcher decided."""

    tracks: list[list[Tracklet]]
    unused: list[Tracklet] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    solver: str = "min-cost flow"
    #: joins motion barely decides (see :func:`undecided_joins`): (frame, margin, the two tracklets after the gaps)
    undecided: list[tuple[int, float, Tracklet, Tracklet]] = field(default_factory=list)

    def undecided_joins(self) -> list[dict]:
        """``{"frame", "tracks": [k, l], "margin"}`` per undecided join, with the tracks' current indices."""
        where = {id(t): k for k, tr in enumerate(self.tracks) for t in tr}
        out = []
        for frame, margin, b, d in self.undecided:
            if id(b) in where and id(d) in where and where[id(b)] != where[id(d)]:
                out.append({"frame": frame, "tracks": sorted([where[id(b)], where[id(d)]]), "margin": margin})
        return out


def tracklets_from_dict(tracklets: Mapping[object, Mapping[int, np.ndarray]]) -> list[Tracklet]:
    """``{id: {frame: (k, 3|4)}}`` -> Tracklets (``header``/``single`` entries ignored; empty ones dropped)."""
    out = []
    for label, frames in tracklets.items():
        if label in ("header", "single") or not isinstance(frames, Mapping) or not frames:
            continue
        keys = np.asarray([frame_index(f) for f in frames], int)
        data = np.stack([_as_row(v) for v in frames.values()])
        out.append(Tracklet(keys, data, label))
    return out


def frame_index(key: object) -> int:
    """``12``, ``np.int64(12)`` or ``"frame012"`` -> 12."""
    if isinstance(key, (int, np.integer)):
        return int(key)
    digits = re.search(r"\d+", str(key))
    if digits is None:
        raise ValueError(f"frame key {key!r} holds no frame number")
    return int(digits.group())


def _as_row(value: object) -> np.ndarray:
    """A tracklet entry as (k, 4): flat ``[x, y, p, ...]`` tracker predictions are reshaped, identity -1 added."""
    arr = np.asarray(value, float)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 3)
    if arr.shape[-1] == 3:
        arr = np.concatenate([arr, np.full(arr.shape[:-1] + (1,), -1.0)], -1)
    return arr


class _Scales:
    """Video-wide scales (body size, speed) so that costs are unit-free."""

    def __init__(self, tracklets: list[Tracklet], position_noise: float | None = None) -> None:
        sizes = [t.size for t in tracklets if np.isfinite(t.size)]
        self.size = float(np.median(sizes)) if sizes else 20.0
        speeds = np.concatenate([t.speeds for t in tracklets]) if tracklets else np.zeros(0)
        speeds = speeds[np.isfinite(speeds)]
        self.speed = float(np.median(speeds)) if len(speeds) else 0.1 * self.size
        self.fast = float(np.percentile(speeds, 95)) if len(speeds) else 0.3 * self.size
        self.sigma0 = position_noise if position_noise else 0.05 * self.size + 2.0
        self.sigma_v = max(0.5 * self.speed, 0.02 * self.size)
        # tolerance of the shape comparison: 0.15 (log units) or, where one animal's proportions change
        # more than that within a tracklet (deformable animals), that change
        changes = np.array([t.shape_change for t in tracklets])
        changes = changes[np.isfinite(changes)]
        self.shape_var = max(0.15**2, float(np.median(changes))) if len(changes) >= 3 else 0.15**2
        self._tracklets = tracklets
        self._profile: tuple[np.ndarray, np.ndarray] | None = None

    def spread(self, gap: int) -> float:
        """How far (px) an animal of this video typically gets in ``gap`` frames.

        The median over its tracklets of the median body-part displacement between frames
        ``gap`` apart (animals resting in a huddle barely move in 40 frames, running ones do);
        beyond the longest lag measured it grows like a random walk.
        """
        if self._profile is None:
            self._profile = _drift_profile(self._tracklets)
        lags, drift = self._profile
        if not len(lags):
            return self.sigma_v * gap
        if gap <= lags[-1]:
            return float(np.interp(gap, lags, drift))
        return float(drift[-1] * np.sqrt(gap / lags[-1]))


def _drift_profile(tracklets: list[Tracklet], lags: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128),
                   max_pairs: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """(lags, median body-part displacement over each lag) measured on the tracklets."""
    rng = np.random.default_rng(0)
    out_lags, out_drift = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for lag in lags:
            d = []
            for t in tracklets:
                if len(t) <= lag:
                    continue
                pos = np.searchsorted(t.frames, t.frames + lag)
                ok = (pos < len(t)) & (t.frames[np.minimum(pos, len(t) - 1)] == t.frames + lag)
                i0, i1 = np.flatnonzero(ok), pos[ok]
                if len(i0):
                    xy = t.data[..., :2]
                    d.append(np.nanmedian(np.linalg.norm(xy[i1] - xy[i0], axis=-1), axis=1))
            d = np.concatenate(d) if d else np.zeros(0)
            d = d[np.isfinite(d)]
            if len(d) < 20:
                break
            if len(d) > max_pairs:
                d = rng.choice(d, max_pairs, replace=False)
            out_lags.append(lag)
            out_drift.append(float(np.median(d)))
    drift = np.maximum.accumulate(np.asarray(out_drift)) if out_drift else np.zeros(0)
    return np.asarray(out_lags, float), drift


def link_cost(a: Tracklet, b: Tracklet, cfg: StitchConfig, scales: _Scales) -> float:
    """Cost of ``b`` continuing the animal of ``a`` (``b`` starts after ``a`` ends)."""
    gap = max(b.start - a.end, 1)  # b may overlap a's last frames by max_overlap: treated as gap 1
    h = cfg.velocity_decay * (1 - np.exp(-gap / cfg.velocity_decay))
    fwd = a.end_pose + a.end_velocity * h
    bwd = b.start_pose - b.start_velocity * h
    e_f = _pose_distance(fwd, b.start_pose)
    e_b = _pose_distance(bwd, a.end_pose)
    e_0 = _pose_distance(a.end_pose, b.start_pose)
    errs = [e for e in (e_f, e_b) if np.isfinite(e)]
    err = float(min(errs)) if errs else e_0
    if not np.isfinite(err):
        c1, c2 = a.centroids[np.isfinite(a.centroids).all(1)], b.centroids[np.isfinite(b.centroids).all(1)]
        err = float(np.linalg.norm(c1[-1] - c2[0])) if len(c1) and len(c2) else 3 * scales.size
    if cfg.gap_motion == "measured":
        sigma = np.hypot(scales.sigma0, scales.spread(gap))
    else:
        sigma = np.hypot(scales.sigma0, scales.sigma_v * gap)
    motion = min(0.5 * (err / sigma) ** 2 + np.log(sigma / scales.sigma0), 50.0)
    cost = cfg.motion_weight * motion + cfg.gap_weight * (gap - 1)
    if cfg.shape_weight:
        both = np.isfinite(a.shape) & np.isfinite(b.shape) & (a.shape > 0) & (b.shape > 0)
        if both.sum():
            cost += cfg.shape_weight * min(float(np.mean(np.log(a.shape[both] / b.shape[both]) ** 2))
                                           / (2 * scales.shape_var), 20.0)
    if cfg.identity_weight and a.votes is not None and b.votes is not None:
        pa, pb = a.votes / a.votes.sum(), b.votes / b.votes.sum()
        cost += cfg.identity_weight * -np.log(max(float(pa @ pb), 1e-3))
    return float(cost)


def _pose_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Median distance of the parts both poses have (robust to one odd part)."""
    d = np.sqrt(((p - q) ** 2).sum(1))
    d = np.sort(d[np.isfinite(d)])
    n = len(d)
    return float(0.5 * (d[(n - 1) // 2] + d[n // 2])) if n else float("nan")


def _split_jumps(tracklets: list[Tracklet], scales: _Scales, cfg: StitchConfig) -> tuple[list[Tracklet], int]:
    out, n_cuts = [], 0
    limit = max(cfg.split_jump * scales.size, 5 * scales.fast)
    for t in tracklets:
        jumps = np.flatnonzero(np.nan_to_num(t.speeds, nan=0.0) > limit) + 1
        if len(jumps):
            pieces = t.split_at(jumps)
            n_cuts += len(pieces) - 1
            out += pieces
        else:
            out.append(t)
    return out, n_cuts


def _identity_change(t: Tracklet, n_identities: int, min_piece: int, min_gain: float) -> int | None:
    """Frame position where the predicted identity of a tracklet changes for good, or None.

    The split that best explains the per-frame identity votes by one identity before and
    another after, if it explains ``min_gain`` more of the frames than a single identity.
    """
    n = len(t)
    if n < 2 * min_piece or t.data.shape[-1] < 4:
        return None
    votes = np.zeros((n, n_identities))
    for j in range(t.data.shape[1]):
        ids = t.data[:, j, 3]
        ok = np.isfinite(ids) & (ids >= 0) & (ids < n_identities)
        votes[np.flatnonzero(ok), ids[ok].astype(int)] += 1
    if votes.sum() == 0:
        return None
    top = votes.argmax(1)
    hit = np.zeros((n, n_identities))
    hit[np.arange(n), top] = votes.max(1) > 0
    before = np.cumsum(hit, 0)
    after = before[-1] - before
    cuts = np.arange(min_piece, n - min_piece + 1)
    kb, ka = before[cuts - 1].argmax(1), after[cuts - 1].argmax(1)
    score = before[cuts - 1].max(1) + after[cuts - 1].max(1)
    score = np.where(kb != ka, score, -1)
    best = int(np.argmax(score))
    if score[best] - before[-1].max() >= min_gain * n:
        return int(cuts[best])
    return None


def _split_identity(tracklets: list[Tracklet], cfg: StitchConfig) -> tuple[list[Tracklet], int]:
    out, n_cuts = [], 0
    todo = list(tracklets)
    while todo:
        t = todo.pop()
        cut = _identity_change(t, cfg.n_identities, max(cfg.min_length, 5), 0.2)
        if cut is None:
            out.append(t)
        else:
            todo += t.split_at(np.array([cut]))
            n_cuts += 1
    return out, n_cuts


def stitch(tracklets: list[Tracklet], n_tracks: int, cfg: StitchConfig | None = None,
           weight_func: Callable[[Tracklet, Tracklet], float] | None = None,
           n_frames: int | None = None) -> StitchResult:
    """Link tracklets into ``n_tracks`` tracks; never raises on odd inputs (see module doc)."""
    cfg = cfg or StitchConfig()
    messages: list[str] = []
    tracklets = [t for t in tracklets if len(t)]
    if n_tracks <= 0:
        return StitchResult([], tracklets, ["n_tracks <= 0: no track built."])
    if not tracklets:
        return StitchResult([[] for _ in range(n_tracks)], [], ["no tracklets: every track is empty."])
    for t in tracklets:
        t.set_identity(cfg.n_identities)
    scales = _Scales(tracklets, cfg.position_noise)
    if cfg.split_tracklets:
        tracklets, n_cuts = _split_jumps(tracklets, scales, cfg)
        if n_cuts:
            messages.append(f"split {n_cuts} tracklet(s) where an animal jumped implausibly far in one frame.")
        if cfg.n_identities > 0:
            tracklets, n_id_cuts = _split_identity(tracklets, cfg)
            if n_id_cuts:
                messages.append(f"split {n_id_cuts} tracklet(s) where the predicted identity changed for good.")
        for t in tracklets:
            t.set_identity(cfg.n_identities)
    first = min(t.start for t in tracklets)
    last = max(t.end for t in tracklets) if n_frames is None else max(n_frames - 1, max(t.end for t in tracklets))
    cost_fn = weight_func or (lambda a, b: link_cost(a, b, cfg, scales))
    tracks, pool, solver, linked = _link(tracklets, n_tracks, cfg, cost_fn, first, last)
    coverable = _coverable(tracklets, n_tracks)
    covered = _covered(tracks)
    short = _typical_length(tracklets) < cfg.min_length
    if coverable and covered < FILL_TRIGGER * coverable and (short or any(not tr for tr in tracks)):
        # the tracks miss many detections while the tracklets are short (a poor assembly cut into
        # pieces: the flow rarely starts a track) or a track stayed empty (the detections' evidence
        # per frame is too low to pay for a track's boundaries): stitch again on the video's own
        # scale (see _fill_config) and keep that if it places more.
        fill_cfg, why = _fill_config(tracklets, cfg)
        tracks2, pool2, solver2, linked2 = _link(tracklets, n_tracks, fill_cfg, cost_fn, first, last)
        covered2 = _covered(tracks2)
        if covered2 > covered:
            messages.append(
                f"the tracks held only {covered / coverable:.0%} of the detections the tracklets could place "
                f"({why}): re-stitched with min_length={fill_cfg.min_length}, flow_min_length="
                f"{fill_cfg.flow_min_length} and the reward per frame scaled x{fill_cfg.coverage_reward / max(cfg.coverage_reward, 1e-12):.3g} "
                f"to this video's detection quality; the tracks now hold {covered2 / coverable:.0%}.")
            tracks, pool, solver, linked, covered = tracks2, pool2, solver2, linked2, covered2
    messages += linked
    if coverable and covered < POOR_COVERAGE * coverable:
        messages.append(
            f"WARNING: the {n_tracks} track(s) hold only {covered / coverable:.0%} of the detections the tracklets "
            f"could place ({covered} of {coverable} animal-frames): the stitched tracks miss most of the animals. "
            "What to try: check n_tracks (the number of animals), lower tracking.min_length / boundary_cost or raise "
            "coverage_reward, or improve the tracklets (assembly settings, a better-trained network, another "
            "track_method) so that they are longer.")
    if cfg.repair_swaps:
        n_swaps = repair_swaps(tracks, cost_fn, cfg.repair_context, margin=cfg.repair_margin)
        if n_swaps:
            messages.append(f"swapped the futures of {n_swaps} track pair(s) where whole-track motion disagreed with the links.")
    empty = sum(1 for tr in tracks if not tr)
    if empty:
        messages.append(f"{empty} of {n_tracks} track(s) got no tracklet (fewer animals than n_tracks?).")
    undecided = undecided_joins(tracks, cost_fn)
    if undecided:
        messages.append(f"{len(undecided)} join(s) where two animals were unseen at the same time and motion barely "
                        f"tells them apart (frames {', '.join(str(u[0]) for u in undecided[:8])}"
                        f"{' ...' if len(undecided) > 8 else ''}): check those frames for swapped identities.")
    return StitchResult(tracks, pool, messages, solver, undecided)


#: re-stitch on the video's own scale when the tracks hold less than this share of the placeable detections
#: (and the tracklets are short or a track stayed empty)
FILL_TRIGGER = 0.9
#: below this share of the placeable detections after all, the result says so loudly
POOR_COVERAGE = 0.5


def _link(tracklets: list[Tracklet], n_tracks: int, cfg: StitchConfig, cost_fn, first: int, last: int
          ) -> tuple[list[list[Tracklet]], list[Tracklet], str, list[str]]:
    """Min-cost flow over the tracklets (greedy if it fails), then residuals slotted into gaps.

    Returns the tracks, the tracklets left over, the solver used and what was decided.
    """
    messages: list[str] = []
    long_ = [t for t in tracklets if len(t) >= cfg.min_length]
    residuals = [t for t in tracklets if len(t) < cfg.min_length]
    if not long_:
        long_, residuals = sorted(tracklets, key=len, reverse=True), []
        messages.append(f"no tracklet has min_length={cfg.min_length} frames: all may start or end a track.")
    # every tracklet is a node of the flow; short ones (residuals) only between longer ones, so
    # that no track is made of residuals alone
    inner = [t for t in residuals if len(t) >= cfg.flow_min_length]
    nodes = long_ + inner
    anchors = [True] * len(long_) + [False] * len(inner)
    try:
        tracks = _solve_flow(nodes, n_tracks, cfg, cost_fn, first, last, anchors)
        solver = "min-cost flow"
    except Exception as err:  # noqa: BLE001 - any solver failure falls back to the greedy linker
        messages.append(f"min-cost flow failed ({type(err).__name__}: {err}); used a greedy assignment instead.")
        tracks = _solve_greedy(long_, n_tracks, cost_fn)
        solver = "greedy"
    used = {id(t) for tr in tracks for t in tr}
    unused_long = [t for t in long_ if id(t) not in used]
    if unused_long:
        size = f" of >= {cfg.min_length} frames" if min(map(len, long_)) >= cfg.min_length else ""
        messages.append(f"{len(unused_long)} tracklet(s){size} did not fit into {n_tracks} track(s).")
    pool = [t for t in residuals if id(t) not in used] + unused_long
    if cfg.prestitch_residuals and pool:
        pool, n_slotted = _slot_residuals(tracks, pool, cost_fn, cfg)
        if n_slotted:
            messages.append(f"slotted {n_slotted} short or leftover tracklet(s) into gaps of the tracks.")
    return tracks, pool, solver, messages


def _coverable(tracklets: list[Tracklet], n_tracks: int) -> int:
    """Animal-frames ``n_tracks`` tracks could hold: per frame, at most ``n_tracks`` of the tracklets there."""
    frames = np.concatenate([np.unique(t.frames) for t in tracklets])
    counts = np.bincount(frames - frames.min())
    return int(np.minimum(counts, n_tracks).sum())


def _covered(tracks: list[list[Tracklet]]) -> int:
    """Animal-frames the tracks hold (a frame two tracklets of one track share counts once)."""
    return sum(len(np.unique(np.concatenate([t.frames for t in tr]))) for tr in tracks if tr)


def _typical_length(tracklets: list[Tracklet]) -> int:
    """The length half of the detections reach: their tracklet has at least that many frames."""
    lengths = np.sort([len(t) for t in tracklets])[::-1]
    held = np.cumsum(lengths)
    return int(lengths[np.searchsorted(held, 0.5 * held[-1])])


def _fill_config(tracklets: list[Tracklet], cfg: StitchConfig) -> tuple[StitchConfig, str]:
    """Settings scaled to this video for tracks that must be built from short or weak tracklets.

    - ``min_length`` drops to the length half of the detections reach (their tracklet is at least
      that long; never above the setting): short tracklets may then start and end tracks, while
      the shortest pieces still only sit between them or fill gaps;
    - ``flow_min_length`` never exceeds that length, so that pieces of 1-2 frames still count when
      nothing is longer;
    - the reward per covered frame is divided by the video's median evidence per detection (visible
      fraction of the parts x likelihood), so that a typical detection earns ``coverage_reward``
      whatever the number of body parts or the network's confidence.
    """
    typical_length = _typical_length(tracklets)
    min_length = max(1, min(cfg.min_length, typical_length))
    flow_min_length = max(1, min(cfg.flow_min_length, min_length))
    per_frame = np.concatenate([t.frame_evidence for t in tracklets])
    per_frame = per_frame[per_frame > 0]
    typical_evidence = float(np.median(per_frame)) if len(per_frame) else 1.0
    reward = cfg.coverage_reward * max(1.0, 1.0 / max(typical_evidence, 1e-3))
    why = (f"half of the detections lie in tracklets of < {typical_length + 1} frames, a typical detection has "
           f"evidence {typical_evidence:.2f} per frame")
    return replace(cfg, min_length=min_length, flow_min_length=flow_min_length, coverage_reward=reward), why


def _candidate_links(tracklets: list[Tracklet], cfg: StitchConfig, cost_fn) -> list[tuple[int, int, float]]:
    starts = np.array([t.start for t in tracklets])
    order = np.argsort(starts, kind="stable")
    sorted_starts = starts[order]
    links = []
    for i, a in enumerate(tracklets):
        lo = np.searchsorted(sorted_starts, a.end + 1 - cfg.max_overlap)
        hi = len(order) if cfg.max_gap is None else np.searchsorted(sorted_starts, a.end + cfg.max_gap + 1)
        cands = [j for j in order[lo:hi] if tracklets[j].start > a.start and tracklets[j].end > a.end]
        cands = cands[: max(cfg.max_links * 4, 16)]
        scored = sorted(((cost_fn(a, tracklets[j]), int(j)) for j in cands), key=lambda x: x[0])
        links += [(i, j, c) for c, j in scored[: cfg.max_links] if np.isfinite(c)]
    return links


def _solve_flow(tracklets: list[Tracklet], n_tracks: int, cfg: StitchConfig, cost_fn, first: int, last: int,
                anchors: list[bool] | None = None) -> list[list[Tracklet]]:
    from ortools.graph.python import min_cost_flow

    mcf = min_cost_flow.SimpleMinCostFlow()
    src, snk = 0, 1
    n_flow = n_tracks

    def arc(u: int, v: int, cap: int, cost: float) -> None:
        mcf.add_arc_with_capacity_and_unit_cost(u, v, cap, int(round(cost * SCALE)))

    arc(src, snk, n_flow, 0.0)
    for i, t in enumerate(tracklets):
        u, v = 2 + 2 * i, 3 + 2 * i
        if anchors is None or anchors[i]:
            arc(src, u, 1, 0.0 if t.start <= first else cfg.boundary_cost)
            arc(v, snk, 1, 0.0 if t.end >= last else cfg.boundary_cost)
        arc(u, v, 1, -cfg.coverage_reward * t.evidence)
    for i, j, c in _candidate_links(tracklets, cfg, cost_fn):
        arc(3 + 2 * i, 2 + 2 * j, 1, c)
    mcf.set_node_supply(src, n_flow)
    mcf.set_node_supply(snk, -n_flow)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"solver status {status}")
    nxt: dict[int, int] = {}
    heads = []
    for a in range(mcf.num_arcs()):
        if mcf.flow(a) <= 0:
            continue
        u, v = mcf.tail(a), mcf.head(a)
        if u == src and v != snk:
            heads.append((v - 2) // 2)
        elif u >= 2 and u % 2 == 1 and v >= 2:
            nxt[(u - 3) // 2] = (v - 2) // 2
    tracks = []
    for h in heads:
        path, i = [], h
        while i is not None and len(path) <= len(tracklets):
            path.append(tracklets[i])
            i = nxt.get(i)
        tracks.append(path)
    tracks += [[] for _ in range(n_tracks - len(tracks))]
    return tracks


def _solve_greedy(tracklets: list[Tracklet], n_tracks: int, cost_fn) -> list[list[Tracklet]]:
    """Longest tracklets first, each to the track it overlaps with nowhere and joins most cheaply."""
    tracks: list[list[Tracklet]] = [[] for _ in range(n_tracks)]
    for t in sorted(tracklets, key=len, reverse=True):
        best, best_cost = None, np.inf
        for k, tr in enumerate(tracks):
            c = _fit_cost(tr, t, cost_fn)
            if c < best_cost:
                best, best_cost = k, c
        if best is not None:
            tracks[best].append(t)
            tracks[best].sort(key=lambda x: x.start)
    return tracks


def _fit_cost(track: list[Tracklet], t: Tracklet, cost_fn) -> float:
    """Cost of inserting ``t`` into ``track`` (inf if it overlaps a tracklet of the track)."""
    if not track:
        return 0.0
    before = [x for x in track if x.end < t.start]
    after = [x for x in track if x.start > t.end]
    if len(before) + len(after) != len(track):
        return np.inf
    costs = []
    if before:
        costs.append(cost_fn(max(before, key=lambda x: x.end), t))
    if after:
        costs.append(cost_fn(t, min(after, key=lambda x: x.start)))
    return float(np.mean(costs))


def _slot_residuals(tracks: list[list[Tracklet]], pool: list[Tracklet], cost_fn, cfg: StitchConfig
                    ) -> tuple[list[Tracklet], int]:
    left, n = [], 0
    for t in sorted(pool, key=len, reverse=True):
        costs = [_fit_cost(tr, t, cost_fn) if tr else np.inf for tr in tracks]
        k = int(np.argmin(costs)) if costs else -1
        if k >= 0 and costs[k] <= cfg.residual_max_cost:
            tracks[k].append(t)
            tracks[k].sort(key=lambda x: x.start)
            n += 1
        else:
            left.append(t)
    return left, n


def _piece(track: list[Tracklet], lo: int, hi: int) -> Tracklet | None:
    """The frames ``lo..hi`` of a track as one Tracklet (None if it has none there)."""
    frames, data = [], []
    for t in track:
        keep = (t.frames >= lo) & (t.frames <= hi)
        if keep.any():
            frames.append(t.frames[keep])
            data.append(t.data[keep])
    if not frames:
        return None
    f = np.concatenate(frames)
    d = np.concatenate(data)
    _, first = np.unique(f[::-1], return_index=True)  # later tracklets win on overlapping frames
    idx = len(f) - 1 - first
    return Tracklet(f[idx], d[idx])


def _junctions(track: list[Tracklet]) -> list[int]:
    """Positions i where track[i] hands over to track[i + 1]."""
    return list(range(len(track) - 1))


def repair_swaps(tracks: list[list[Tracklet]], cost_fn, context: int = 30, window: int = 15,
                 margin: float = 0.5, max_rounds: int = 3) -> int:
    """Swap the futures of two tracks where that joins their pasts and futures more cheaply.

    Link costs between single tracklets are noisy when the tracklets are short (around
    crossings the tracker cuts tracks into pieces of a few frames). Here the cost of each
    handover is re-computed on ``context`` frames of the whole track on either side, and
    two tracks whose handovers are within ``window`` frames exchange their futures when
    that lowers the summed cost by more than ``margin``. Returns the number of swaps.
    """
    n_swaps = 0
    for _ in range(max_rounds):
        changed = False
        points = [(k, i, tr[i].end, tr[i + 1].start) for k, tr in enumerate(tracks) for i in _junctions(tr)]
        points.sort(key=lambda p: p[2])
        for a in range(len(points)):
            k, i, end_k, start_k = points[a]
            for b in range(a + 1, len(points)):
                l, j, end_l, start_l = points[b]
                if end_l - end_k > window:
                    break
                if l == k or i >= len(tracks[k]) - 1 or j >= len(tracks[l]) - 1:
                    continue
                tk, tl = tracks[k], tracks[l]
                if tk[i].end != end_k or tl[j].end != end_l:
                    continue  # stale after an earlier swap
                # swapping tails needs each new head to end before the other tail starts
                if tk[i].end >= tl[j + 1].start or tl[j].end >= tk[i + 1].start:
                    continue
                t0, t1 = min(end_k, end_l), max(start_k, start_l)
                hk, hl = _piece(tk[: i + 1], t0 - context, t1), _piece(tl[: j + 1], t0 - context, t1)
                fk, fl = _piece(tk[i + 1:], t0, t1 + context), _piece(tl[j + 1:], t0, t1 + context)
                if None in (hk, hl, fk, fl):
                    continue
                keep = cost_fn(hk, fk) + cost_fn(hl, fl)
                swap = cost_fn(hk, fl) + cost_fn(hl, fk)
                if swap + margin < keep:
                    tracks[k], tracks[l] = tk[: i + 1] + tl[j + 1:], tl[: j + 1] + tk[i + 1:]
                    n_swaps += 1
                    changed = True
                    break
            if changed:
                break
        if not changed:
            break
    return n_swaps


def order_tracks(result: StitchResult, n_identities: int = 0) -> None:
    """Put tracks in a stable order: by identity when predicted, else by first frame then first tracklet label."""
    tracks = result.tracks
    if n_identities > 0 and len(tracks) and any(t.votes is not None for tr in tracks for t in tr):
        votes = np.zeros((len(tracks), max(n_identities, len(tracks))))
        for k, tr in enumerate(tracks):
            for t in tr:
                if t.votes is not None:
                    votes[k, : len(t.votes)] += t.votes
        rows, cols = linear_sum_assignment(votes, maximize=True)
        result.tracks = [tracks[r] for r, _ in sorted(zip(rows, cols), key=lambda rc: rc[1])]
        return

    def key(tr: list[Tracklet]) -> tuple:
        if not tr:
            return (np.inf, "")
        return (tr[0].start, str(tr[0].label))

    result.tracks = sorted(tracks, key=key)


def tracks_to_array(tracks: list[list[Tracklet]], n_bodyparts: int, n_frames: int | None = None) -> np.ndarray:
    """Tracks -> (n_frames, n_tracks, n_bodyparts, 3) x, y, likelihood (NaN where missing).

    ``n_frames`` defaults to the last tracked frame + 1 (DeepLabCut's stitched-tracks length).
    """
    last = max((t.end for tr in tracks for t in tr), default=-1)
    n = last + 1 if n_frames is None else max(n_frames, 0)
    out = np.full((n, len(tracks), n_bodyparts, 3), np.nan)
    for k, tr in enumerate(tracks):
        for t in tr:
            keep = t.frames < n
            out[t.frames[keep], k] = t.data[keep, :, :3]
    return out


def stitch_tracklets_array(tracklets: Mapping[object, Mapping[int, np.ndarray]], n_tracks: int,
                           cfg: StitchConfig | None = None, weight_func=None, n_frames: int | None = None
                           ) -> tuple[np.ndarray, StitchResult]:
    """Tracklet dict -> ((n_frames, n_tracks, n_bodyparts, 3) tracks array, the StitchResult)."""
    cfg = cfg or StitchConfig()
    items = tracklets_from_dict(tracklets)
    n_bp = items[0].data.shape[1] if items else 0
    result = stitch(items, n_tracks, cfg, weight_func, n_frames)
    order_tracks(result, cfg.n_identities)
    return tracks_to_array(result.tracks, n_bp, n_frames), result
