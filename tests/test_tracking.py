"""Trackers, stitcher and the track/stitch API: DeepLabCut's real files and hard synthetic cases."""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from madlc.core.metrics.tracking import tracking_metrics
from madlc.core.tracking import stitch as stitch_mod
from madlc.core.tracking.stitch import StitchConfig, Tracklet, stitch, stitch_tracklets_array, tracklets_from_dict
from madlc.synth.detections import NoiseLevel, degrade, ground_truth_tracks, simulate_poses
from madlc.core.tracking.trackers import TrackerConfig, link_by_identity, track_assemblies

DLC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dlc"
needs_dlc = pytest.mark.skipif(not (DLC / "montblanc_tracklets.pickle").exists(), reason=f"DeepLabCut test files not in {DLC}")

warnings.filterwarnings("ignore", category=RuntimeWarning)


@pytest.fixture()
def montblanc(tmp_path: Path) -> Path:
    for f in DLC.glob("montblanc_*"):
        shutil.copy(f, tmp_path / f.name)
        (tmp_path / f.name).chmod(0o644)
    return tmp_path


def _frames(d: dict) -> dict[int, set[int]]:
    return {k: set(v) for k, v in d.items() if k not in ("header", "single")}


# ------------------------------------------------------------------ DeepLabCut's files
@needs_dlc
def test_ellipse_tracking_of_dlc_assemblies_reproduces_dlc_tracklets(montblanc: Path) -> None:
    from madlc.io import read_tracklets
    from madlc.stages.track import track

    out = track(str(montblanc / "montblanc_assemblies.pickle"), "ellipse", output=str(montblanc / "a_el.pickle"),
                overrides=["tracking.keypoint_state=false", "tracking.backfill=false", "tracking.ambiguity_margin=0", "tracking.max_age=1",
                           "tracking.min_hits=1", "tracking.iou_threshold=0.6"])
    ours = read_tracklets(out)
    ref = read_tracklets(montblanc / "montblanc_tracklets.pickle")
    assert sorted(len(v) for k, v in ours.items() if k not in ("header", "single")) == [45, 131, 179, 179]
    assert len(ours["single"]) == len(ref["single"])
    assert list(ours["header"]) == list(ref["header"])
    for k, frames in _frames(ref).items():
        assert frames == _frames(ours)[k]
        for f in frames:
            np.testing.assert_allclose(ours[k][f], ref[k][f], equal_nan=True)


@needs_dlc
def test_default_tracker_on_dlc_assemblies_gives_long_tracklets(montblanc: Path) -> None:
    from madlc.io import read_tracklets
    from madlc.stages.track import track

    for method in ("ellipse", "box", "skeleton"):
        out = read_tracklets(track(str(montblanc / "montblanc_assemblies.pickle"), method))
        lengths = sorted((len(v) for k, v in out.items() if k not in ("header", "single")), reverse=True)
        assert lengths[0] >= 100 if method == "ellipse" else lengths[0] >= 10, (method, lengths)


@needs_dlc
def test_stitching_dlc_tracklets_matches_dlc_tracks(montblanc: Path) -> None:
    from madlc.stages.stitch import stitch as stitch_file

    out = stitch_file(str(montblanc / "montblanc_tracklets.pickle"), n_tracks=3, output=str(montblanc / "s.h5"),
                      individuals="bird1,bird2,bird3")
    ours, ref = pd.read_hdf(out), pd.read_hdf(montblanc / "montblanc_tracks.h5")
    assert ours.shape == ref.shape == (180, 39)
    assert list(ours.columns.names) == list(ref.columns.names)
    assert ours.index.equals(ref.index) and ours.index.dtype == np.int64
    assert set(ours.columns) == set(ref.columns)
    a = ours.to_numpy().reshape(180, 13, 3)[:, :12].reshape(180, 3, 4, 3)
    b = ref.to_numpy().reshape(180, 13, 3)[:, :12].reshape(180, 3, 4, 3)
    # agreement up to the naming of the tracks: every frame of every track identical
    best = max(
        np.mean([np.allclose(a[:, i], b[:, j], equal_nan=True) for i, j in enumerate(perm)])
        for perm in [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]
    )
    per_frame = max(
        np.mean([np.isclose(a[:, i], b[:, j], equal_nan=True).all(axis=(1, 2)).mean() for i, j in enumerate(perm)])
        for perm in [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]
    )
    assert per_frame == 1.0 and best == 1.0
    np.testing.assert_allclose(ours.xs("single", level="individuals", axis=1).to_numpy(),
                               ref.xs("single", level="individuals", axis=1).to_numpy(), equal_nan=True)


@needs_dlc
def test_track_full_pickle_assembles_first(montblanc: Path) -> None:
    from madlc.io import read_tracklets
    from madlc.stages.stitch import stitch as stitch_file
    from madlc.stages.track import track

    out = track(str(montblanc / "montblanc_full.pickle"), "ellipse")
    assert (montblanc / "montblanc_assemblies.pickle").exists()
    assert out.endswith("montblanc_el.pickle")
    t = read_tracklets(out)
    assert [b for b in dict.fromkeys(t["header"].get_level_values("bodyparts"))][-1] == "center"
    h5 = stitch_file(out, n_tracks=3)
    df = pd.read_hdf(h5)
    assert df.columns.get_level_values("individuals").unique().tolist() == ["ind1", "ind2", "ind3", "single"]


# ------------------------------------------------------------------ synthetic hard cases
def _straight_crossing(n_frames: int = 120, offset: float = 4.0, seed: int = 0) -> np.ndarray:
    """Two animals running at each other on (almost) the same line and passing over each other."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames, dtype=float)
    body = np.array([[20.0, 0], [10, 4], [10, -4], [5, 0], [-5, 0], [-20, 0]])
    a = np.stack([body + [100 + 3 * s, 200] for s in t])
    b = np.stack([body * [-1, 1] + [100 + 3 * (n_frames - 1) - 3 * s, 200 + offset] for s in t])
    gt = np.stack([a, b], 1)
    return gt + rng.normal(0, 0.5, gt.shape)


def _as_assemblies(gt: np.ndarray, missing: dict[int, range] | None = None, shuffle_seed: int = 0) -> dict:
    rng = np.random.default_rng(shuffle_seed)
    out = {}
    for f in range(len(gt)):
        rows = []
        for a in range(gt.shape[1]):
            if missing and a in missing and f in missing[a]:
                continue
            rows.append(np.concatenate([gt[f, a], np.ones((gt.shape[2], 1)), np.full((gt.shape[2], 1), -1.0)], 1))
        arr = np.asarray(rows) if rows else np.zeros((0, gt.shape[2], 4))
        out[f] = arr[rng.permutation(len(arr))]
    return out


@pytest.mark.parametrize("method", ["box", "ellipse", "skeleton"])
def test_crossing_does_not_swap(method: str) -> None:
    gt = _straight_crossing()
    tracklets = track_assemblies(_as_assemblies(gt), TrackerConfig(method=method))
    pred, _ = stitch_tracklets_array(tracklets, 2)
    m = tracking_metrics(pred, ground_truth_tracks(gt))
    assert m["num_switches"] == 0, m
    assert m["idf1"] > 0.97, m


def test_stitcher_bridges_a_40_frame_occlusion() -> None:
    gt = simulate_poses(3, 400, seed=3)
    missing = {0: range(150, 190), 1: range(250, 290)}
    tracklets = track_assemblies(_as_assemblies(gt, missing), TrackerConfig(method="ellipse"))
    assert len(tracklets) >= 5  # the occlusions cut the tracks
    pred, result = stitch_tracklets_array(tracklets, 3)
    visible = np.ones(gt.shape[:2], bool)
    visible[150:190, 0] = visible[250:290, 1] = False
    m = tracking_metrics(pred, ground_truth_tracks(gt, visible))
    assert m["num_switches"] == 0 and m["idf1"] > 0.99, (m, result.messages)


def test_moderate_noise_three_animals_with_identity() -> None:
    gt = simulate_poses(3, 600, seed=2)
    det = degrade(gt, NoiseLevel.moderate(), seed=2)
    tracklets = track_assemblies(det.assemblies, TrackerConfig(method="ellipse", identity_weight=0.5, n_identities=3))
    pred, _ = stitch_tracklets_array(tracklets, 3, StitchConfig(n_identities=3))
    m = tracking_metrics(pred, ground_truth_tracks(gt, det.visible))
    assert m["idf1"] > 0.9 and m["mota"] > 0.9, m


def test_identity_only_links_by_identity() -> None:
    gt = simulate_poses(3, 200, seed=4)
    det = degrade(gt, NoiseLevel(identity_accuracy=0.95, false_rate=0.0), seed=4)
    tracklets = link_by_identity(det.assemblies, 3)
    assert sorted(tracklets) == [0, 1, 2]
    pred, _ = stitch_tracklets_array(tracklets, 3, StitchConfig(n_identities=3))
    m = tracking_metrics(pred, ground_truth_tracks(gt, det.visible))
    assert m["idf1"] > 0.95, m


@pytest.mark.parametrize("n_tracks", [1, 2, 5])
def test_n_tracks_smaller_or_larger_than_animals(n_tracks: int) -> None:
    gt = simulate_poses(3, 200, seed=5)
    tracklets = track_assemblies(_as_assemblies(gt), TrackerConfig())
    pred, result = stitch_tracklets_array(tracklets, n_tracks)
    assert pred.shape == (200, n_tracks, 6, 3)
    filled = np.isfinite(pred[..., 0]).any(-1).any(0)
    assert filled.sum() == min(n_tracks, 3)
    if n_tracks > 3:
        assert any("got no tracklet" in m for m in result.messages)


def _tracklet(frames, x0=0.0, k=4):
    frames = np.asarray(list(frames))
    data = np.zeros((len(frames), k, 4))
    data[..., 0] = x0 + frames[:, None] + np.arange(k)
    data[..., 1] = 10.0
    data[..., 2] = 1.0
    data[..., 3] = -1
    return {int(f): d for f, d in zip(frames, data)}


@pytest.mark.parametrize("case", ["empty", "one_huge", "overlapping", "all_short", "solver_fails", "no_finite"])
def test_hard_inputs_never_crash(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if case == "empty":
        tracklets = {}
    elif case == "one_huge":
        tracklets = {0: _tracklet(range(5000))}
    elif case == "overlapping":
        tracklets = {i: _tracklet(range(100), 30.0 * i) for i in range(5)}
    elif case == "all_short":
        tracklets = {i: _tracklet(range(3 * i, 3 * i + 3)) for i in range(20)}
    elif case == "no_finite":
        tracklets = {0: {f: np.full((4, 4), np.nan) for f in range(20)}, 1: _tracklet(range(30, 60))}
    else:
        def boom(*a, **k):
            raise RuntimeError("no feasible flow")
        monkeypatch.setattr(stitch_mod, "_solve_flow", boom)
        tracklets = {i: _tracklet(range(20 * i, 20 * i + 20)) for i in range(6)}
    pred, result = stitch_tracklets_array(tracklets, 2)
    assert pred.ndim == 4 and pred.shape[1] == 2
    if case == "solver_fails":
        assert result.solver == "greedy" and any("greedy" in m for m in result.messages)
        assert np.isfinite(pred[..., 0]).any(-1).any(-1).sum() == 120
    if case == "overlapping":
        assert any("did not fit" in m for m in result.messages)
    if case == "one_huge":
        assert len(pred) == 5000


def test_stitch_zero_tracks_and_tracklet_class() -> None:
    items = tracklets_from_dict({0: _tracklet(range(10)), "header": None, "single": {}})
    assert len(items) == 1 and isinstance(items[0], Tracklet)
    assert stitch(items, 0).tracks == []


def test_flat_prediction_rows_and_string_keys_are_accepted() -> None:
    flat = {f"frame{f:03d}": np.array([1.0 + f, 2.0, 1.0] * 4) for f in range(15)}
    pred, _ = stitch_tracklets_array({0: flat}, 1)
    assert pred.shape == (15, 1, 4, 3)
    assert pred[3, 0, 0, 0] == 4.0


# ------------------------------------------------------------------ settings
def test_settings_precedence(tmp_path: Path) -> None:
    from madlc.errors import ConfigError
    from madlc.stages._settings import tracking_settings

    assert tracking_settings()["max_age"] == 1
    cfg_file = tmp_path / "inference_cfg.yaml"
    cfg_file.write_text("max_age: 7\nmin_hits: 2\npafthreshold: 0.1\n")  # no record: DeepLabCut's file
    s = tracking_settings(cfg_file)
    assert s["max_age"] == 7 and s["min_hits"] == 2 and "pafthreshold" not in s
    s = tracking_settings(cfg_file, ["tracking.max_age=3", "inference.min_hits=4"])
    assert s["max_age"] == 3 and s["min_hits"] == 2  # inference.min_hits is the inference group's key
    with pytest.raises(ConfigError, match="tracking.nonsense"):
        tracking_settings(overrides=["tracking.nonsense=1"])


def test_track_missing_file_raises_clear_error(tmp_path: Path) -> None:
    from madlc.errors import MadlcError
    from madlc.stages.track import track

    with pytest.raises(MadlcError, match="no such file"):
        track(str(tmp_path / "nothing_assemblies.pickle"))


def test_empty_video_gives_empty_tracks_file(tmp_path: Path) -> None:
    from madlc.io import write_assemblies
    from madlc.stages.stitch import stitch as stitch_file
    from madlc.stages.track import track

    write_assemblies({}, tmp_path / "emptyDLC_x_assemblies.pickle")
    out = track(str(tmp_path / "emptyDLC_x_assemblies.pickle"), "box", bodyparts="a,b,c")
    assert out.endswith("emptyDLC_x_bx.pickle")
    df = pd.read_hdf(stitch_file(out, n_tracks=2))
    assert df.shape == (0, 18)
    assert df.columns.get_level_values("bodyparts").unique().tolist() == ["a", "b", "c"]


def test_swap_repair_runs_and_keeps_tracks_valid() -> None:
    gt = simulate_poses(3, 400, seed=7)
    det = degrade(gt, NoiseLevel.moderate(), seed=7)
    tracklets = track_assemblies(det.assemblies, TrackerConfig(method="skeleton"))
    pred, result = stitch_tracklets_array(tracklets, 3, StitchConfig(repair_swaps=True))
    assert pred.shape[1] == 3
    for track in result.tracks:  # tracklets of a track never overlap by more than max_overlap
        for a, b in zip(track, track[1:]):
            assert b.start > a.end - 3


def _huddle_detections(n_animals: int = 3, n_frames: int = 400, seed: int = 3):
    """A small huddling scene (look-alike animals in contact) degraded like benchmarks/huddle.py's easy level."""
    from madlc.synth.motion import simulate_poses as synth_poses

    gt, _ = synth_poses(n_animals, 6, n_frames, size=(640, 480), seed=seed, huddle=0.8)
    noise = NoiseLevel(jitter=3.0, drop_rate=0.12, occlusion_rate=0.0, swap_rate=0.006, false_rate=0.05,
                       identity_accuracy=1.0, miss_rate=0.025, identities=False)
    det = degrade(gt, noise, seed=seed)
    return gt, det


def test_huddle_mode_keeps_animals_in_contact() -> None:
    from madlc.synth.motion import simulate_poses as synth_poses

    gt, _ = synth_poses(3, 6, 600, size=(640, 480), seed=1, huddle=0.8)
    centres = gt.mean(2)
    length = np.median(np.linalg.norm(gt[:, :, 0] - gt[:, :, -1], axis=-1))
    d = np.linalg.norm(centres[:, :, None] - centres[:, None], axis=-1)
    d[:, np.arange(3), np.arange(3)] = np.inf
    assert (d.min((1, 2)) < length).mean() > 0.6  # long stretches in contact
    assert d.min() > 0.2 * length  # ... but bodies never pass through each other


def test_default_tracking_holds_identities_in_a_huddle(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`madlc track` (method auto) + `madlc stitch --n-tracks 3` on look-alike huddling animals."""
    import json

    from madlc.io import read_tracks, write_assemblies
    from madlc.stages.stitch import stitch as stitch_file
    from madlc.stages.track import track

    gt, det = _huddle_detections()
    src = tmp_path / "huddleDLC_x_assemblies.pickle"
    write_assemblies(det.assemblies, src)
    out = track(str(src), bodyparts="a,b,c,d,e,f")
    assert out.endswith("huddleDLC_x_sk.pickle")  # the tracker auto picked
    assert "track_method auto -> skeleton (crowded" in capsys.readouterr().out
    tracks_file = stitch_file(out, n_tracks=3)
    pred = read_tracks(tracks_file).to_numpy(float).reshape(-1, 3, 6, 3)
    m = tracking_metrics(pred, ground_truth_tracks(gt, det.visible))
    assert m["idf1"] >= 0.85, m
    note = json.loads((tmp_path / "huddleDLC_x_sk_tracker.json").read_text())  # what auto picked, for stitch
    assert note["picked"] == "skeleton" and note["settings"]["gap_motion"] == "measured"
    quality = json.loads((tmp_path / "huddleDLC_x_sk_quality.json").read_text())
    assert quality["tracker"]["picked"] == "skeleton" and quality["tracker"]["crowding"] > 0.5
    assert quality["n_tracks"] == 3 and 0.9 <= quality["frames_all_animals"] <= 1.0
    assert quality["frames_in_contact"] > 0.5 and len(quality["tracklets_per_track"]) == 3
    assert "candidate identity swap" in capsys.readouterr().out


def test_crowded_overlapping_tracklets_stitch_into_n_tracks() -> None:
    """More tracklets overlap in time than n_tracks allows: the extra ones are left out, no error."""
    pieces = {i: {f: np.column_stack([np.full(4, 10.0 * i + f), np.arange(4.0), np.ones(4), -np.ones(4)])
                  for f in range(0, 60)} for i in range(5)}
    pieces[5] = {f: pieces[0][f] + [0, 1, 0, 0] for f in range(20, 40)}  # a sixth, overlapping the others
    arr, result = stitch_tracklets_array(pieces, 3)
    assert arr.shape == (60, 3, 4, 3)
    assert np.isfinite(arr[..., 0]).all()  # every track covers every frame
    for track in result.tracks:
        frames = np.concatenate([t.frames for t in track])
        assert len(frames) == len(set(frames.tolist()))  # a track holds one animal per frame
    assert any("did not fit" in m for m in result.messages)


def test_quality_summary_flags_handovers_in_contact() -> None:
    from madlc.core.tracking.quality import quality_summary

    tracks = np.full((50, 2, 3, 3), np.nan)
    tracks[:, 0, :, 0] = np.arange(3.0) * 10
    tracks[:, 1, :, 0] = np.arange(3.0) * 10 + 12  # in contact all along
    tracks[..., 1] = 0.0
    tracks[..., 2] = 1.0
    tracks[10:13, 1] = np.nan  # one animal missing for 3 frames
    summary = quality_summary(tracks, handovers=[[25], [27]])
    assert summary["frames_all_animals"] == pytest.approx(47 / 50)
    assert summary["tracklets_per_track"] == [2, 2]
    assert summary["n_candidate_swaps"] == 1 and summary["candidate_swaps"][0]["frame"] == 25
    later = quality_summary(tracks, handovers=[[25], [40]])  # re-linked at different times: no choice made
    assert later["n_candidate_swaps"] == 0


# ------------------------------------------------------------------ only short tracklets (issue 16)
def _short_pieces(n_frames: int = 300, k: int = 24, seed: int = 0, likelihood: float = 0.2,
                  missing: float = 0.6) -> tuple[dict, dict]:
    """Two animals moving smoothly, cut into 3-8-frame tracklets (gaps of 0-2 frames) of weak, partial
    detections (a poor assembly of 24 parts), plus 20 spurious 1-frame pieces. Returns tracklets, animal per label."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames)
    centres = [np.stack([300 + 80 * np.sin(t / 40), 250 + 60 * np.cos(t / 55)], 1),
               np.stack([380 + 28 * np.cos(t / 35), 290 + 20 * np.sin(t / 45)], 1)]  # paths cross
    body = rng.normal(0, 12, (k, 2))
    tracklets, animal = {}, {}
    for a, centre in enumerate(centres):
        f = 0
        while f < n_frames:
            frames = range(f, min(f + int(rng.integers(3, 9)), n_frames))
            rows = np.full((len(frames), k, 4), -1.0)
            rows[..., :2] = centre[list(frames), None] + body + rng.normal(0, 1.0, (len(frames), k, 2))
            rows[..., 2] = likelihood
            rows[rng.random((len(frames), k)) < missing, :3] = np.nan
            animal[len(tracklets)] = a
            tracklets[len(tracklets)] = dict(zip(frames, rows))
            f = frames[-1] + 1 + int(rng.integers(0, 3))
    for _ in range(20):
        row = np.full((k, 4), -1.0)
        row[:, :2] = rng.uniform(0, 700, 2) + body
        row[:, 2] = 0.2
        animal[len(tracklets)] = -1
        tracklets[len(tracklets)] = {int(rng.integers(0, n_frames)): row}
    return tracklets, animal


@pytest.mark.parametrize("seed", [0, 1])
def test_short_weak_tracklets_still_make_tracks(seed: int) -> None:
    """Every tracklet under min_length and weak: the stitcher used to write empty tracks."""
    tracklets, animal = _short_pieces(seed=seed)
    assert max(len(v) for v in tracklets.values()) < StitchConfig().min_length
    pred, result = stitch_tracklets_array(tracklets, 2, n_frames=300)
    real = sum(len(v) for label, v in tracklets.items() if animal[label] >= 0)
    held = np.zeros((2, 3))  # frames of animal 0, animal 1, spurious per track
    for k, track in enumerate(result.tracks):
        for piece in track:
            held[k, animal[piece.label]] += len(piece)
    assert held[:, :2].sum() >= 0.9 * real, (held, result.messages)
    assert np.isfinite(pred[..., 0]).any(-1).sum() >= 0.9 * real
    # each track is one animal throughout (identity kept where the paths cross)
    assert sorted(held[:, :2].argmax(1).tolist()) == [0, 1]
    assert (held[:, :2].max(1) >= 0.99 * held[:, :2].sum(1)).all(), held
    assert any("re-stitched with min_length=" in m for m in result.messages), result.messages


def test_short_tracklets_with_good_evidence_are_unchanged_by_the_fallback() -> None:
    """Confident detections cut into short pieces: the first stitch already covers them; no second pass."""
    tracklets, animal = _short_pieces(likelihood=1.0, missing=0.0)
    _, result = stitch_tracklets_array(tracklets, 2, n_frames=300)
    held = sum(len(p) for track in result.tracks for p in track if animal[p.label] >= 0)
    assert held >= 0.9 * sum(len(v) for label, v in tracklets.items() if animal[label] >= 0)
    assert not any("re-stitched" in m for m in result.messages)


def test_unplaceable_detections_warn_naming_the_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Scattered one-frame detections cannot make tracks: the stitch says so, names the file and what to try."""
    from madlc.io.tracklets import tracklet_header, write_tracklets
    from madlc.stages.stitch import stitch as stitch_file

    rng = np.random.default_rng(0)
    tracklets = {"header": tracklet_header("DLC_x", ["a", "b", "c"])}
    for i in range(60):
        row = np.column_stack([rng.uniform(0, 500, 3), rng.uniform(0, 500, 3), np.full(3, 0.5), -np.ones(3)])
        tracklets[i] = {int(i * 2): row}
    pickle_file = tmp_path / "scatterDLC_x_el.pickle"
    write_tracklets(tracklets, pickle_file, nframes=120)
    with caplog.at_level("WARNING"):
        out = stitch_file(str(pickle_file), n_tracks=2)
    assert Path(out).exists()
    warning = [r.getMessage() for r in caplog.records if "hold only" in r.getMessage()]
    assert warning and str(pickle_file) in warning[0] and "What to try" in warning[0], caplog.text


def test_undecided_join_of_two_animals_unseen_together_is_listed() -> None:
    """Two look-alike animals vanish at the same time and reappear where either could be: the
    stitcher still builds two tracks, and lists the join as undecided for the quality summary."""
    from madlc.core.tracking.quality import quality_summary

    def animal(x0: float, y0: float, frames: range) -> dict:
        return {f: np.column_stack([x0 + np.arange(4.0) * 10, np.full(4, y0), np.ones(4), -np.ones(4)])
                for f in frames}

    # both walk towards the same spot, vanish for 30 frames, reappear side by side, still
    pieces = {0: animal(100.0, 100.0, range(40)), 1: animal(100.0, 130.0, range(40)),
              2: animal(100.0, 112.0, range(70, 110)), 3: animal(100.0, 118.0, range(70, 110))}
    arr, result = stitch_tracklets_array(pieces, 2, StitchConfig())
    assert arr.shape[1] == 2 and np.isfinite(arr[:, :, 0, 0]).sum() == 160
    joins = result.undecided_joins()
    assert joins and joins[0]["frame"] == 70 and joins[0]["tracks"] == [0, 1] and joins[0]["margin"] < 1.0
    assert any("motion barely" in m for m in result.messages)
    summary = quality_summary(arr, [[t.start for t in tr[1:]] for tr in result.tracks], undecided=joins)
    assert any(s["kind"].startswith("undecided join") and s["frame"] == 70 for s in summary["candidate_swaps"])
    # each reappears where it vanished, a body length from the other: decided, nothing listed
    pieces[2], pieces[3] = animal(100.0, 100.0, range(70, 110)), animal(100.0, 130.0, range(70, 110))
    _, result = stitch_tracklets_array(pieces, 2, StitchConfig())
    assert result.undecided_joins() == []


def test_default_tracking_holds_a_huddle_where_the_tracker_could_follow_a_neighbour() -> None:
    """benchmarks/huddle.py's huddle3 / easy / seed 2 (1,500 frames, ~3 s): two animals missed in one
    frame while a third touches them; with no ambiguity cuts at all the skeleton tracker followed the
    neighbour (IDF1 0.808); auto's crowd settings (cuts at margin 0.03) keep every identity."""
    from madlc.core.tracking.auto import choose_tracker
    from madlc.stages._settings import choice_settings, stitch_config, tracker_config, tracking_settings
    from madlc.synth.motion import simulate_poses as synth_poses

    gt, _ = synth_poses(3, 8, 1500, size=(640, 480), seed=2, huddle=0.6, scale=1.0)
    lo, hi = np.nanmin(gt, 2), np.nanmax(gt, 2)
    body = float(np.nanmedian(np.hypot(*(hi - lo).transpose(2, 0, 1))))
    noise = NoiseLevel(jitter=0.025 * body, outlier_rate=0.01, drop_rate=0.12, occlusion_rate=0.0,
                       occlusion_frames=(5, 40), swap_rate=0.006, false_rate=0.05, identity_accuracy=1.0,
                       miss_rate=0.025, identities=False)
    det = degrade(gt, noise, seed=3)
    settings = tracking_settings()
    choice = choose_tracker(det.assemblies, float(settings["pcutoff"]))
    assert choice.method == "skeleton" and choice.crowding >= 0.5
    settings = choice_settings(settings, choice.settings)
    tracklets = track_assemblies(det.assemblies, tracker_config(settings, choice.method), len(gt))
    pred, _ = stitch_tracklets_array(tracklets, 3, stitch_config(settings), n_frames=len(gt))
    m = tracking_metrics(pred, ground_truth_tracks(gt, det.visible))
    assert m["idf1"] >= 0.9, m
