"""Frame-to-frame trackers: assembled animals -> tracklets (SORT-style, pure numpy).

Each frame's animals (``(n_animals, n_bodyparts, 4)``: x, y, likelihood, identity)
are matched to the running tracks by optimal assignment
(``scipy.optimize.linear_sum_assignment``) on a similarity between the detection
and the track's Kalman-predicted shape:

- ``box``: IoU of keypoint bounding boxes (grown by ``boundingboxslack``);
- ``ellipse``: centre/orientation similarity of keypoint error ellipses;
- ``skeleton``: object keypoint similarity (OKS) of the whole predicted pose.

A match needs a similarity of at least ``threshold``; unmatched detections start
new tracks; a track unmatched for more than ``max_age`` frames ends. A track is
confirmed once it has been matched ``min_hits`` times in a row after its first
detection (DeepLabCut's/SORT's counting); with ``backfill`` the frames seen while
it was tentative are written too (DeepLabCut drops them). With identity
predictions, ``identity_weight`` adds agreement with the track's identity history
to the assignment score; :func:`link_by_identity` links by identity alone.

With ``keypoint_state`` (madlc's default) a track's Kalman filter follows the whole pose
(a moving centre + part offsets, :class:`~madlc.core.tracking.kalman.PoseKF`) and each
detection is compared with the predicted pose restricted to the parts it has, so
dropped parts do not shrink boxes or move ellipses. A match that a rival track or
detection almost equals (``ambiguity_margin``: two animals crossing) ends the track
and starts a new one, leaving the decision to the stitcher, which sees the whole
trajectories on both sides. ``keypoint_state=False, backfill=False,
ambiguity_margin=0`` reproduces DeepLabCut's tracklets.

Entry point: :func:`track_assemblies`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
from scipy.optimize import linear_sum_assignment

from madlc.core.tracking.kalman import ConstantVelocityKF, PoseKF
from madlc.core.tracking.similarity import (
    box_iou,
    box_iou_pairs,
    ellipse_similarity,
    ellipse_similarity_pairs,
    fit_ellipses,
    identity_votes,
    oks_similarity,
    pose_boxes,
    pose_scales,
    state_to_boxes,
    boxes_to_state,
)

METHODS = ("box", "ellipse", "skeleton")
DEFAULT_THRESHOLD = {"box": 0.3, "ellipse": 0.6, "skeleton": 0.5}

#: frame -> (n_animals, n_bodyparts, 4) ; tracklet id -> {frame -> (n_bodyparts, 4)}
Assemblies = Mapping[int, np.ndarray]
Tracklets = dict[int, dict[int, np.ndarray]]


@dataclass
class TrackerConfig:
    """Settings of one tracking run (see ``madlc/configs/tracking/default.yaml``)."""

    method: str = "ellipse"
    max_age: int = 1
    min_hits: int = 1
    threshold: float | None = None  # similarity needed to link; None = the method's default
    boundingboxslack: float = 0.0
    box_relative_slack: float = 0.2  # extra box margin, fraction of the box diagonal (thin animals)
    pcutoff: float = 0.1
    backfill: bool = True
    identity_weight: float = 0.0  # 0 = ignore identity predictions
    n_identities: int = 0
    ellipse_sd: float = 2.0
    ellipse_min_points: int = 3
    oks_sigma: float = 0.35
    pose_weight: float = 0.5  # box/ellipse: weight of pose similarity (OKS) in the assignment
    ambiguity_margin: float = 0.1  # a match within this similarity of a rival is ambiguous (0 = off)
    ambiguity_mode: str = "cut"  # cut: end the track, start a new one; coast: skip the frame, predict on
    max_coast: int = 15  # frames a track may coast through an ambiguous stretch
    keypoint_state: bool = True  # filter every keypoint (True) or the box/ellipse parameters (DeepLabCut)
    kf_measurement_std: float = 2.0  # px
    kf_process_std: float = 1.0  # px / frame^2

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown track_method {self.method!r}; use one of {', '.join(METHODS)}")
        if self.threshold is None:
            self.threshold = DEFAULT_THRESHOLD[self.method]


@dataclass
class _Track:
    kf: ConstantVelocityKF
    hits: int = 0
    hit_streak: int = 0
    time_since_update: int = 0
    tracklet_id: int = -1  # assigned when first written
    pending: list[tuple[int, np.ndarray]] = field(default_factory=list)
    votes: np.ndarray | None = None
    coasting: bool = False


class SortTracker:
    """Online multi-animal tracker; call :meth:`step` once per frame, in order."""

    def __init__(self, config: TrackerConfig) -> None:
        self.cfg = config
        self.tracks: list[_Track] = []
        self.frame_count = 0
        self.next_tracklet_id = 0

    # -- method-specific measurement and similarity --------------------------------
    def _measure(self, xy: np.ndarray) -> np.ndarray:
        """(n, k, 2) poses -> (n, d) measurement vectors (rows with NaN where unusable)."""
        c = self.cfg
        if c.keypoint_state:
            n_seen = np.isfinite(xy).all(-1).sum(-1)
            need = {"box": 2, "ellipse": c.ellipse_min_points, "skeleton": 1}[c.method]
            z = xy.reshape(len(xy), -1).copy()
            z[n_seen < need] = np.nan
            return z
        if c.method == "box":
            return boxes_to_state(pose_boxes(xy, c.boundingboxslack, c.box_relative_slack)) if len(xy) else np.zeros((0, 4))
        if c.method == "ellipse":
            return fit_ellipses(xy, c.ellipse_sd, c.ellipse_min_points)
        return xy.reshape(len(xy), -1)

    def _usable(self, z: np.ndarray) -> np.ndarray:
        if self.cfg.method == "skeleton" or self.cfg.keypoint_state:
            return np.isfinite(z).any(1)
        return np.isfinite(z).all(1)

    def _similarity(self, z_det: np.ndarray, z_trk: np.ndarray) -> np.ndarray:
        c = self.cfg
        if c.keypoint_state and c.method != "skeleton":
            k = z_det.shape[1] // 2
            det = z_det.reshape(len(z_det), 1, k, 2)
            trk = z_trk.reshape(1, len(z_trk), k, 2)
            # compare the track's predicted pose restricted to the parts this detection has
            trk = np.where(np.isfinite(det).all(-1, keepdims=True), trk, np.nan)
            if c.method == "box":
                return box_iou_pairs(pose_boxes(det, c.boundingboxslack, c.box_relative_slack),
                                     pose_boxes(trk, c.boundingboxslack, c.box_relative_slack))
            return ellipse_similarity_pairs(fit_ellipses(det, c.ellipse_sd, 2), fit_ellipses(trk, c.ellipse_sd, 2))
        if c.method == "box":
            return box_iou(state_to_boxes(z_det), state_to_boxes(z_trk))
        if c.method == "ellipse":
            return ellipse_similarity(z_det, z_trk)
        k = z_det.shape[1] // 2
        det = z_det.reshape(len(z_det), k, 2)
        trk = z_trk.reshape(len(z_trk), k, 2)
        scale = pose_scales(det, minimum=4.0)
        return oks_similarity(trk, det, scale, c.oks_sigma, trim=1).T

    def _new_filter(self, z: np.ndarray) -> ConstantVelocityKF | PoseKF:
        c = self.cfg
        if c.keypoint_state:
            return _FlatPoseKF(z, c.kf_measurement_std, c.kf_process_std)
        meas = np.full(z.shape, c.kf_measurement_std)
        proc = np.full(z.shape, c.kf_process_std)
        if c.method == "ellipse" and not c.keypoint_state:  # the angle is in radians
            meas[4], proc[4] = 0.2, 0.1
        return ConstantVelocityKF(z, meas, proc, velocity_std=10.0 * c.kf_process_std)

    def _align(self, z: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        """Unwrap an ellipse angle (defined modulo pi) to the one nearest the prediction."""
        if self.cfg.method != "ellipse" or self.cfg.keypoint_state or not np.isfinite(predicted[4]):
            return z
        z = z.copy()
        z[4] = predicted[4] + (z[4] - predicted[4] + np.pi / 2) % np.pi - np.pi / 2
        return z

    # -- the frame loop --------------------------------------------------------------
    def step(self, frame: int, animals: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
        """Process one frame.

        Args:
            frame: the frame index.
            animals: (n_animals, n_bodyparts, 4) x, y, likelihood, identity (NaN missing).
        Returns:
            ``(tracklet_id, frame, row)`` entries to write, ``row`` (n_bodyparts, 4);
            backfilled entries of newly confirmed tracks carry earlier frames.
        """
        c = self.cfg
        self.frame_count += 1
        animals = np.asarray(animals, float).reshape(-1, *np.shape(animals)[1:]) if len(animals) else np.zeros((0, 0, 4))
        if animals.ndim != 3:
            animals = np.zeros((0, 0, 4))
        xy = animals[..., :2].copy()
        if animals.shape[-1] > 2:
            xy[animals[..., 2] < c.pcutoff] = np.nan
        z_det = self._measure(xy) if len(xy) else np.zeros((0, 0))
        usable = self._usable(z_det) if len(z_det) else np.zeros(0, bool)
        det_idx = np.flatnonzero(usable)
        votes = None
        if c.identity_weight > 0 and c.n_identities > 0 and animals.shape[-1] > 3 and len(animals):
            votes = identity_votes(animals[..., 3], animals[..., 2], c.n_identities)

        # predict every track one frame ahead
        predicted = []
        for trk in self.tracks:
            if trk.time_since_update > 0:
                trk.hit_streak = 0
            trk.time_since_update += 1
            predicted.append(trk.kf.predict())
        z_trk = np.asarray(predicted) if predicted else np.zeros((0, z_det.shape[1] if z_det.ndim == 2 else 0))

        matches: list[tuple[int, int]] = []
        if len(det_idx) and len(self.tracks):
            sim = self._similarity(z_det[det_idx], z_trk)
            score = sim.copy()
            if c.pose_weight and c.keypoint_state and c.method != "skeleton":
                # box/ellipse similarities ignore which end is the head: let the predicted pose
                # (OKS) break near-ties, e.g. when two animals cross
                k = z_det.shape[1] // 2
                det = z_det[det_idx].reshape(len(det_idx), k, 2)
                oks = oks_similarity(z_trk.reshape(len(z_trk), k, 2), det, pose_scales(det, minimum=4.0), 0.35, trim=1).T
                score = score + c.pose_weight * oks
            if votes is not None:
                tv = np.array([t.votes / max(t.votes.sum(), 1e-12) if t.votes is not None else np.zeros(c.n_identities)
                               for t in self.tracks])
                score = score + c.identity_weight * (votes[det_idx] @ tv.T)
            if c.keypoint_state:
                # links below the threshold are not allowed to steer the assignment: maximise the
                # number of valid links first, then their total similarity
                score = np.where(sim >= c.threshold, score + 1.0, 0.0)
            rows, cols = linear_sum_assignment(score, maximize=True)
            matches = [(int(det_idx[r]), int(q)) for r, q in zip(rows, cols) if sim[r, q] >= c.threshold]
        cut: set[int] = set()
        if c.ambiguity_margin > 0 and matches and len(self.tracks) > 1:
            # a match that a rival track (or rival detection) almost equals is a coin flip: end the
            # track and start a fresh one, so that the stitcher decides with the whole trajectories
            sim_full = np.zeros((len(z_det), len(self.tracks)))
            sim_full[det_idx] = sim
            for d, q in matches:
                own = sim_full[d, q]
                rival = max(np.delete(sim_full[d], q).max(initial=0.0), np.delete(sim_full[:, q], d).max(initial=0.0))
                if rival >= c.threshold and own - rival < c.ambiguity_margin:
                    cut.add(q)
            held = {d for d, q in matches if q in cut}
            matches = [(d, q) for d, q in matches if q not in cut]
            if c.ambiguity_mode == "coast":
                for q in cut:
                    self.tracks[q].coasting = True
                cut = set()
                matched_dets = {d for d, _ in matches} | held
            else:
                matched_dets = {d for d, _ in matches}
        else:
            matched_dets = {d for d, _ in matches}

        for d, q in matches:
            trk = self.tracks[q]
            trk.kf.update(self._align(z_det[d], z_trk[q]))
            trk.time_since_update = 0
            trk.coasting = False
            trk.hits += 1
            trk.hit_streak += 1
            trk.pending.append((frame, animals[d]))
            if votes is not None:
                trk.votes = votes[d] if trk.votes is None else trk.votes + votes[d]
        for q in sorted(cut, reverse=True):
            self.tracks[q].time_since_update = c.max_age + 1  # ended below
        for d in det_idx:
            if d not in matched_dets:
                trk = _Track(self._new_filter(z_det[d]))
                if cut and c.ambiguity_mode == "cut":
                    trk.hit_streak = c.min_hits  # written at once: the frames of a cut are not dropped
                trk.pending.append((frame, animals[d]))
                if votes is not None:
                    trk.votes = votes[d].copy()
                self.tracks.append(trk)

        out: list[tuple[int, int, np.ndarray]] = []
        early = self.frame_count <= c.min_hits  # SORT writes everything in the first frames
        for trk in self.tracks:
            if trk.time_since_update != 0:
                continue
            if trk.hit_streak >= c.min_hits or early:
                if trk.tracklet_id < 0:
                    trk.tracklet_id = self.next_tracklet_id
                    self.next_tracklet_id += 1
                entries = trk.pending if c.backfill else trk.pending[-1:]
                out += [(trk.tracklet_id, f, row) for f, row in entries]
                trk.pending = []
            elif not c.backfill:
                trk.pending = trk.pending[-1:]
        self.tracks = [t for t in self.tracks if t.time_since_update <= c.max_age
                       or (t.coasting and t.time_since_update <= c.max_coast)]
        return out

    def finish(self) -> list[tuple[int, int, np.ndarray]]:
        """Nothing is held back at the end (tentative tracks are dropped)."""
        return []


class _FlatPoseKF(PoseKF):
    """PoseKF on flattened (2k,) vectors, the tracker's measurement layout."""

    def __init__(self, z: np.ndarray, measurement_std: float, process_std: float) -> None:
        super().__init__(np.asarray(z, float).reshape(-1, 2), measurement_std, process_std)

    def predict(self, steps: int = 1) -> np.ndarray:
        return super().predict(steps).reshape(-1)

    def update(self, z: np.ndarray, measurement_std: float | None = None) -> None:
        super().update(np.asarray(z, float).reshape(-1, 2))


def _frame_range(assemblies: Assemblies, n_frames: int | None) -> Iterable[int]:
    frames = [f for f in assemblies if isinstance(f, (int, np.integer))]
    last = max(frames) + 1 if frames else 0
    return range(max(last, n_frames or 0))


def track_assemblies(assemblies: Assemblies, config: TrackerConfig, n_frames: int | None = None,
                     progress: bool = False) -> Tracklets:
    """Link assembled animals into tracklets.

    Args:
        assemblies: frame -> (n_animals, n_bodyparts, 4) (x, y, likelihood, identity);
            absent frames have no animal. Non-integer keys (``"single"``) are ignored.
        config: tracker settings.
        n_frames: video length (default: last frame with animals + 1).
    Returns:
        tracklet id -> {frame -> (n_bodyparts, 4)}; ids are 0, 1, ... in order of appearance.
    """
    tracker = SortTracker(config)
    tracklets: Tracklets = {}
    frames = _frame_range(assemblies, n_frames)
    if progress:
        from tqdm import tqdm

        frames = tqdm(frames, desc=f"{config.method} tracking", unit="frame")
    for f in frames:
        animals = assemblies.get(f)
        if animals is None:
            animals = np.zeros((0, 0, 4))
        for tid, frame, row in tracker.step(f, animals):
            tracklets.setdefault(tid, {})[frame] = _clean_row(row, config.pcutoff)
    return {tid: dict(sorted(v.items())) for tid, v in tracklets.items()}


def _clean_row(row: np.ndarray, pcutoff: float) -> np.ndarray:
    """Copy of an animal row with keypoints below ``pcutoff`` set to NaN in x, y."""
    row = np.array(row, dtype=float)
    if row.shape[-1] > 2:
        low = ~(row[:, 2] >= pcutoff)
        row[low, :2] = np.nan
    return row


def link_by_identity(assemblies: Assemblies, n_identities: int, pcutoff: float = 0.1,
                     n_frames: int | None = None, min_vote: float = 0.0) -> Tracklets:
    """Tracklets from the network's identity predictions alone (``identity_only``).

    In each frame, animals are assigned to identities by optimal assignment on their
    confidence-weighted keypoint identity votes; tracklet ``k`` holds identity ``k``.
    Animals without identity votes (or beyond ``n_identities``) are dropped.
    """
    tracklets: Tracklets = {}
    for f in _frame_range(assemblies, n_frames):
        animals = assemblies.get(f)
        if animals is None or len(animals) == 0:
            continue
        animals = np.asarray(animals, float)
        if animals.shape[-1] < 4:
            continue
        conf = np.where(animals[..., 2] >= pcutoff, animals[..., 2], 0.0)
        votes = identity_votes(animals[..., 3], conf, n_identities)
        rows, cols = linear_sum_assignment(votes, maximize=True)
        for r, k in zip(rows, cols):
            if votes[r, k] > min_vote:
                tracklets.setdefault(int(k), {})[f] = _clean_row(animals[r], pcutoff)
    return dict(sorted(tracklets.items()))
