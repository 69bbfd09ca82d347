"""After tracking: tracks discovery, filterpredictions, refinement operations, outlier frames."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from madlc.io.tracks_array import Tracks, load_tracks, save_tracks, tracks_from_dataframe

SCORER = "DLC_Resnet50_synthJan1shuffle1_snapshot_10"


def line_tracks(n_frames: int = 60, n_animals: int = 2, n_parts: int = 3, unique: bool = True) -> Tracks:
    """Animals moving on parallel straight lines (x = 10 + t, y = 20 + 30 * animal + 3 * part)."""
    inds = [f"a{k + 1}" for k in range(n_animals)] + (["single"] if unique else [])
    parts = [f"p{k + 1}" for k in range(n_parts)] + (["u1"] if unique else [])
    data = np.full((n_frames, len(inds), len(parts), 3), np.nan)
    t = np.arange(n_frames, dtype=float)
    for a in range(n_animals):
        for b in range(n_parts):
            data[:, a, b, 0] = 10 + t
            data[:, a, b, 1] = 20 + 30 * a + 3 * b
            data[:, a, b, 2] = 0.9
    if unique:
        data[:, -1, -1] = (5.0, 5.0, 1.0)
    return Tracks(data, SCORER, inds, parts, ["u1"] if unique else [], np.arange(n_frames))


def project_with_tracks(config: str, tracks: Tracks | None = None, suffix: str = "_el") -> tuple[str, Path, Path]:
    """Write ``tracks`` (default: the synthetic ground truth) as the video's tracks file."""
    proj = Path(config).parent
    video = proj / "videos" / "synth0.mp4"
    if tracks is None:
        tracks = tracks_from_dataframe(pd.read_hdf(proj / "ground-truth" / "synth0_gt.h5"))
        tracks.scorer = SCORER
    path = proj / "videos" / f"synth0{SCORER}{suffix}.h5"
    save_tracks(tracks, path)
    return config, video, path


# ---------------------------------------------------------------- Tracks container and discovery

def test_tracks_roundtrip_real_dlc_file(dlc_data_dir, tmp_path):
    t = load_tracks(dlc_data_dir / "montblanc_tracks.h5")
    assert t.data.shape == (180, 4, 5, 3)
    assert t.individuals[-1] == "single" and t.unique_bodyparts == ["center"]
    save_tracks(t, tmp_path / "x.h5", save_as_csv=True)
    original = pd.read_hdf(dlc_data_dir / "montblanc_tracks.h5")
    again = pd.read_hdf(tmp_path / "x.h5")
    assert again.columns.equals(original.columns)
    np.testing.assert_array_equal(again.to_numpy(), original.to_numpy())
    assert (tmp_path / "x.csv").exists()


def test_find_tracks_file_follows_dlc_rule(tmp_path):
    from madlc.errors import MadlcError
    from madlc.project.discovery import find_tracks_file

    cfg = {"multianimalproject": True, "project_path": str(tmp_path), "Task": "t", "date": "Jan1",
           "TrainingFraction": [0.95], "default_track_method": "ellipse"}
    video = tmp_path / "vid.mp4"
    with pytest.raises(MadlcError, match="stitch_tracklets"):
        find_tracks_file(cfg, video)
    for name in (f"vid{SCORER}_el.h5", f"vid{SCORER}_el_filtered.h5", f"vid{SCORER}_bx.h5",
                 f"vid{SCORER}_el_skeleton.h5", f"vid{SCORER}.h5", "other_el.h5"):
        (tmp_path / name).write_bytes(b"")
    assert find_tracks_file(cfg, video).name == f"vid{SCORER}_el.h5"
    assert find_tracks_file(cfg, video, filtered=True).name == f"vid{SCORER}_el_filtered.h5"
    assert find_tracks_file(cfg, video, track_method="box").name == f"vid{SCORER}_bx.h5"
    with pytest.raises(MadlcError, match="filterpredictions"):
        find_tracks_file(cfg, video, track_method="box", filtered=True)


def test_track_method_auto_finds_the_picked_trackers_files(tmp_path):
    """``auto`` picks the tracker per video: downstream stages take the newest tracks of any tracker."""
    import os

    from madlc.project.discovery import find_tracks_file, resolve_track_method

    cfg = {"multianimalproject": True, "project_path": str(tmp_path), "Task": "t", "date": "Jan1",
           "TrainingFraction": [0.95], "default_track_method": "ellipse"}
    assert resolve_track_method(cfg, "auto") == "auto"
    for age, name in enumerate((f"vid{SCORER}_sk.h5", f"vid{SCORER}_el.h5")):
        (tmp_path / name).write_bytes(b"")
        os.utime(tmp_path / name, (1e9 - age * 100, 1e9 - age * 100))
    assert find_tracks_file(cfg, tmp_path / "vid.mp4", track_method="auto").name == f"vid{SCORER}_sk.h5"


# ---------------------------------------------------------------- filtering

def test_median_filter_removes_injected_jump():
    from madlc.core.filters import filter_array

    t = line_tracks()
    noisy = t.data.copy()
    noisy[30, 0, 1, :2] += (40.0, -25.0)
    noisy[10, 1, 0, :2] = np.nan  # missing stays missing
    out = filter_array(noisy, "median", windowlength=5)
    np.testing.assert_allclose(out[30, 0, 1, :2], t.data[30, 0, 1, :2], atol=1.01)  # 40 px jump gone
    assert np.isnan(out[10, 1, 0, :2]).all()
    np.testing.assert_array_equal(out[..., 2], noisy[..., 2])  # likelihoods untouched


def test_low_likelihood_points_do_not_feed_the_filter():
    from madlc.core.filters import median_filter

    x = np.arange(20, dtype=float)
    like = np.ones(20)
    x[8:11] = 500.0  # a 3-frame excursion that a 5-frame median would keep...
    like[8:11] = 0.0001  # ...but it is below p_bound, so it is treated as missing
    out = median_filter(x, like, windowlength=5, p_bound=0.001)
    assert np.all(out[8:11] < 20)


def test_spline_fills_short_gaps_with_low_likelihood_only():
    from madlc.core.filters import filter_array

    t = line_tracks(unique=False)
    data = t.data.copy()
    data[20:23, 0, 0] = np.nan  # 3-frame gap: filled
    data[40:50, 0, 0] = np.nan  # 10-frame gap: left alone
    out = filter_array(data, "spline", windowlength=5)
    np.testing.assert_allclose(out[20:23, 0, 0, 0], 10 + np.arange(20, 23), atol=0.5)
    assert np.all(out[20:23, 0, 0, 2] == 0.01)
    assert np.isnan(out[40:50, 0, 0]).all()


def test_arima_filter_smooths_a_noisy_series():
    from madlc.core.filters import arima_filter

    rng = np.random.default_rng(0)
    truth = 50 + np.cumsum(rng.normal(0, 1, 120))
    noisy = truth + rng.normal(0, 3, 120)
    smooth, ci = arima_filter(noisy, np.ones(120))
    assert np.mean(np.abs(smooth - truth)) < np.mean(np.abs(noisy - truth))
    assert ci.shape == (120, 2)


def test_filterpredictions_writes_filtered_h5_and_csv(synth_project_small_copy):
    import madlc

    t = tracks_from_dataframe(pd.read_hdf(Path(synth_project_small_copy).parent / "ground-truth" / "synth0_gt.h5"))
    t.scorer = SCORER
    clean = t.data.copy()
    t.data[50, 1, 2, :2] += 25
    config, video, source = project_with_tracks(synth_project_small_copy, t)
    out = madlc.filterpredictions(config, [str(video)], overrides=["filter.windowlength=3"])
    target = source.with_name(source.stem + "_filtered.h5")
    assert out == [str(target)]
    df = pd.read_hdf(target)
    assert df.shape == pd.read_hdf(source).shape and list(df.columns.names) == ["scorer", "individuals", "bodyparts", "coords"]
    assert pd.read_csv(target.with_suffix(".csv"), header=[0, 1, 2, 3], index_col=0).shape == df.shape
    filtered = tracks_from_dataframe(df)
    assert np.hypot(*(filtered.data[50, 1, 2, :2] - clean[50, 1, 2, :2])) < 5


# ---------------------------------------------------------------- refinement operations

def test_fill_gaps_gives_low_likelihood_and_respects_max_gap():
    from madlc.stages.refine_tracklets import TrackEditor

    t = line_tracks(unique=False)
    t.data[5:7, 0, 0] = np.nan  # 2-frame gap
    t.data[30:40, 1, 2] = np.nan  # 10-frame gap
    t.data[:3, 0, 1] = np.nan  # leading gap: nothing to interpolate from
    ed = TrackEditor(t.copy())
    assert ed.fill_gaps(max_gap=5) == 2
    np.testing.assert_allclose(ed.data[5:7, 0, 0, :2], [[15, 20], [16, 20]])
    assert np.all(ed.data[5:7, 0, 0, 2] == 0.01)
    assert np.isnan(ed.data[30:40, 1, 2]).all()
    assert ed.fill_gaps(max_gap=0) == 10  # 0 fills every gap
    assert np.all(ed.data[30:40, 1, 2, 2] == 0.01)
    assert np.isnan(ed.data[:3, 0, 1]).all()


def test_swap_twice_restores_the_file(tmp_path, dlc_data_dir):
    from madlc.stages.refine_tracklets import TrackEditor

    src = tmp_path / "videoDLC_x_el.h5"
    save_tracks(load_tracks(dlc_data_dir / "montblanc_tracks.h5"), src)
    before = pd.read_hdf(src)
    ed = TrackEditor.load(src)
    ed.swap("bird1", "bird3", 20, 90)
    assert not np.array_equal(ed.data[50, 0], before.loc[50, (slice(None), "bird1")].to_numpy().reshape(-1, 3),
                              equal_nan=True)
    ed.swap("bird1", "bird3", 20, 90)
    ed.save()
    assert (tmp_path / "videoDLC_x_el.h5.bak").exists()
    after = pd.read_hdf(src)
    assert after.columns.equals(before.columns)
    np.testing.assert_array_equal(after.to_numpy(), before.to_numpy())


def test_find_swaps_finds_an_injected_swap():
    from madlc.core.refine import swap_individuals
    from madlc.stages.refine_tracklets import TrackEditor

    t = line_tracks(n_frames=80)
    t.data = swap_individuals(t.data, 0, 1, 30, 45)
    ed = TrackEditor(t)
    swaps = ed.find_swaps(min_swap_len=2)
    assert [(s.individual_a, s.individual_b, s.start, s.stop) for s in swaps] == [("a1", "a2", 30, 45)]
    ed.swap(swaps[0].individual_a, swaps[0].individual_b, swaps[0].start, swaps[0].stop)
    assert ed.find_swaps() == []
    # a one-frame flicker is shorter than min_swap_len=2
    ed.data[:] = swap_individuals(ed.data, 0, 1, 60, 61)
    assert ed.find_swaps(min_swap_len=2) == []
    assert len(ed.find_swaps(min_swap_len=1)) == 1


def test_edit_operations_and_undo():
    from madlc.stages.refine_tracklets import TrackEditor

    ed = TrackEditor(line_tracks())
    original = ed.data.copy()
    ed.move_point(10, "a1", "p2", 1.5, 2.5)
    np.testing.assert_array_equal(ed.data[10, 0, 1], [1.5, 2.5, 1.0])
    ed.delete_points("a2", [3, 4], bodyparts=["p1"])
    assert np.isnan(ed.data[3:5, 1, 0]).all() and not np.isnan(ed.data[3:5, 1, 1]).any()
    ed.delete_points("a2", range(20, 21))  # a 1-frame hole splits a2 into two stretches
    assert ed.tracklet_segments()["a2"] == [(0, 20), (21, 60)]
    ed.delete_points("a1", range(2, 60))  # a1 is left with a 2-frame stretch
    assert ed.drop_short_tracklets(min_tracklet_len=3) == 1
    assert np.isnan(ed.data[:, 0, :3]).all()
    assert ed.undo_depth == 5
    for _ in range(5):
        assert ed.undo()
    assert not ed.undo()
    np.testing.assert_array_equal(ed.data, original)
    with pytest.raises(KeyError, match="unknown individual"):
        ed.swap("a1", "nobody", 0, 5)


def test_tracklet_pickle_editor_reassigns_tracklets(dlc_data_dir):
    from madlc.stages.refine_tracklets import TrackEditor

    ed = TrackEditor.load(dlc_data_dir / "montblanc_tracklets.pickle", ["bird1", "bird2", "bird3"], nframes=180)
    assert ed.data.shape == (180, 4, 5, 3) and len(ed.tracklets) == 4
    holder = {int(k): set(np.unique(ed.owner[:, k])) - {-1} for k in range(3)}
    tid = sorted(holder[0])[0]
    frames = sorted(ed.tracklets[tid])
    ed.reassign_tracklet(tid, "bird2")
    np.testing.assert_allclose(ed.data[frames[0], 1, :4, :2], ed.tracklets[tid][frames[0]][:, :2])
    assert np.all(ed.owner[frames, 1] == tid)
    ed.undo()
    assert np.all(ed.owner[frames, 0] == tid)
    single_before = ed.data[:, 3].copy()
    assert ed.drop_short_tracklets(min_tracklet_len=50) >= 1  # the 45-frame tracklet goes
    assert 3 not in ed.tracklets and not np.any(ed.owner == 3)
    np.testing.assert_array_equal(ed.data[:, 3], single_before)  # unique parts are not a tracklet


def test_refine_tracklets_writes_h5_with_all_frames_and_calls_gui_hook(synth_project_small_copy, dlc_data_dir, tmp_path):
    import shutil

    import madlc
    from madlc.io.config import read_config, write_config
    import madlc.stages.refine_tracklets as refine

    cfg = read_config(synth_project_small_copy)
    cfg.update({"individuals": ["bird1", "bird2", "bird3"], "multianimalbodyparts": ["head", "tail", "leftwing", "rightwing"],
                "uniquebodyparts": ["center"], "skeleton": []})
    write_config(cfg, synth_project_small_copy)
    pickle_file = tmp_path / "montblancDLC_resnet50_MontBlancDec16shuffle1_30000_el.pickle"
    shutil.copy(dlc_data_dir / "montblanc_tracklets.pickle", pickle_file)
    out = madlc.refine_tracklets(synth_project_small_copy, str(pickle_file), str(tmp_path / "absent.mp4"), max_gap=0,
                                 gui=False)
    assert out == str(pickle_file.with_suffix(".h5"))
    df = pd.read_hdf(out)
    assert list(df.index) == list(range(180))
    assert list(dict.fromkeys(df.columns.get_level_values("individuals"))) == ["bird1", "bird2", "bird3", "single"]
    like = df.xs("likelihood", level="coords", axis=1).to_numpy()
    assert np.any(like == 0.01)  # filled gaps
    calls = []
    refine.set_refine_gui(lambda editor, **kw: calls.append((editor, kw)) or "saved.h5")
    try:
        assert madlc.refine_tracklets(synth_project_small_copy, out, "", trail_len=7) == "saved.h5"
    finally:
        refine.set_refine_gui(None)
    assert calls and calls[0][1]["trail_len"] == 7 and calls[0][0].tracks.n_frames == 180


# ---------------------------------------------------------------- outliers and merging

def test_extract_outlier_frames_jump_and_merge(synth_project_small_copy):
    import madlc
    from madlc.errors import MadlcError
    from madlc.io.config import read_config

    proj = Path(synth_project_small_copy).parent
    t = tracks_from_dataframe(pd.read_hdf(proj / "ground-truth" / "synth0_gt.h5"))
    t.scorer = SCORER
    t.data[...,  2] = np.where(np.isnan(t.data[..., 0]), np.nan, 0.95)
    t.data[57, 2, 0, :2] += 60  # a 60 px one-frame jump: flagged at frames 57 and 58
    config, video, _ = project_with_tracks(synth_project_small_copy, t)
    folder = proj / "labeled-data" / "synth0"
    existing = {p.name for p in folder.glob("img*.png")}
    written = madlc.extract_outlier_frames(config, [str(video)], outlieralgorithm="jump", epsilon=40, numframes2extract=5)
    # frames 57 and 58 are flagged; an image that already exists (maybe labeled) is never replaced
    assert sorted(Path(w).name for w in written) == sorted({"img57.png", "img58.png"} - existing)
    ml = pd.read_hdf(folder / "machinelabels-iter0.h5")
    assert [i[2] for i in ml.index] == ["img57.png", "img58.png"]
    assert ml.index[0][:2] == ("labeled-data", "synth0")
    assert (folder / "machinelabels.csv").exists()
    from PIL import Image

    assert Image.open(folder / "img58.png").size == (128, 96)
    # manual frames append; old rows win
    madlc.extract_outlier_frames(config, [str(video)], outlieralgorithm="manual", frames2use=[5, 58])
    ml = pd.read_hdf(folder / "machinelabels-iter0.h5")
    assert [i[2] for i in ml.index] == ["img57.png", "img58.png", "img05.png"]
    # uncertain: nothing is below p_bound here
    assert madlc.extract_outlier_frames(config, [str(video)], outlieralgorithm="uncertain") == []
    # merge: every folder with frames has CollectedData -> iteration 0 -> 1
    assert madlc.merge_datasets(config) == 1
    assert read_config(config)["iteration"] == 1
    (proj / "labeled-data" / "newvideo").mkdir()
    Image.new("RGB", (8, 8)).save(proj / "labeled-data" / "newvideo" / "img1.png")
    with pytest.raises(MadlcError, match="newvideo"):
        madlc.merge_datasets(config)


def test_fitting_outliers_flag_a_point_off_its_trajectory():
    from madlc.core.outliers import outlier_frames, spread_evenly

    rng = np.random.default_rng(1)
    data = np.zeros((80, 1, 1, 3))
    data[:, 0, 0, 0] = 30 + np.cumsum(rng.normal(0, 0.5, 80))
    data[:, 0, 0, 1] = 40 + np.cumsum(rng.normal(0, 0.5, 80))
    data[:, 0, 0, 2] = 0.9
    data[33, 0, 0, :2] += 35
    assert 33 in outlier_frames(data, "fitting", epsilon=15).tolist()
    assert outlier_frames(data, "jump", epsilon=15).tolist() == [33, 34]
    assert spread_evenly(range(100), 3) == [0, 50, 99] and spread_evenly([4, 2], 5) == [2, 4]


def test_promote_machinelabels_seeds_labels_without_touching_human_ones(synth_project_small_copy):
    import madlc
    from madlc.io.labels import read_labels
    from madlc.stages.promote_machinelabels import promote_machinelabels

    proj = Path(synth_project_small_copy).parent
    t = tracks_from_dataframe(pd.read_hdf(proj / "ground-truth" / "synth0_gt.h5"))
    t.scorer = SCORER
    t.data[..., 2] = np.where(np.isnan(t.data[..., 0]), np.nan, 0.95)
    labels_path = proj / "labeled-data" / "synth0" / "CollectedData_synth.h5"
    before = read_labels(labels_path)
    labeled = sorted(int(name[3:-4]) for _, _, name in before.index)
    free = next(f for f in range(100) if f not in labeled)
    t.data[free, 0, 0, 2] = 0.1  # below pcutoff: not promoted
    config, video, _ = project_with_tracks(synth_project_small_copy, t)
    madlc.extract_outlier_frames(config, [str(video)], outlieralgorithm="manual", frames2use=[free, labeled[0]])
    assert promote_machinelabels(config, video) == str(labels_path)
    after = read_labels(labels_path)
    key_free = ("labeled-data", "synth0", f"img{free:02d}.png")
    key_old = ("labeled-data", "synth0", f"img{labeled[0]:02d}.png")
    assert key_free in after.index and len(after) == len(before) + 1  # the labeled frame is not added twice
    pd.testing.assert_series_equal(after.loc[key_old], before.loc[key_old])  # human labels win
    assert np.isnan(after.loc[key_free].xs(("animal1", "snout"), level=("individuals", "bodyparts")).to_numpy()).all()
    np.testing.assert_allclose(after.loc[key_free].xs(("animal2", "snout"), level=("individuals", "bodyparts")).to_numpy(),
                               t.data[free, 1, 0, :2])
    assert labels_path.with_name(labels_path.name + ".bak").exists()


def test_refine_tracklets_gui_closed_without_saving(synth_project_small_copy, monkeypatch):
    import madlc
    import madlc.stages.refine_tracklets as refine

    _, video, path = project_with_tracks(synth_project_small_copy)
    before = path.read_bytes()
    monkeypatch.setattr(refine, "DEFAULT_GUI", "madlc.stages.refine_tracklets:_test_launcher")
    monkeypatch.setattr(refine, "_test_launcher", lambda editor, **kw: None, raising=False)
    assert madlc.refine_tracklets(synth_project_small_copy, str(path), str(video), gui=True) == ""
    assert path.read_bytes() == before


def test_single_animal_chain_keeps_three_level_files(synth_project_single, copy_project):
    import madlc

    config = copy_project(synth_project_single)
    proj = Path(config).parent
    t = tracks_from_dataframe(pd.read_hdf(proj / "ground-truth" / "synth0_gt.h5"))
    t.scorer = SCORER
    save_tracks(t, proj / "videos" / f"synth0{SCORER}.h5")  # single-animal: no tracker suffix
    video = str(proj / "videos" / "synth0.mp4")
    filtered = madlc.filterpredictions(config, [video])[0]
    assert filtered.endswith(f"synth0{SCORER}_filtered.h5")
    assert list(pd.read_hdf(filtered).columns.names) == ["scorer", "bodyparts", "coords"]
    folder = Path(madlc.plot_trajectories(config, [video], filtered=True, resolution=30)[0])
    assert (folder / "trajectory_filtered.png").exists()
    out = madlc.create_labeled_video(config, [video], filtered=True)[0]
    assert out.endswith(f"synth0{SCORER}_filtered_p60_labeled.mp4")


def test_kmeans_pick_takes_one_frame_per_look(tmp_path):
    from madlc.stages.extract_outlier_frames import kmeans_pick
    from madlc.video.reader import VideoReader
    from madlc.video.writer import VideoWriter

    video = tmp_path / "looks.mp4"
    with VideoWriter(video, fps=10, size=(32, 24)) as w:
        for f in range(30):
            frame = np.zeros((24, 32, 3), np.uint8)
            frame[:, : 10 * (f // 10 + 1)] = 200  # three looks: frames 0-9, 10-19, 20-29
            w.write(frame)
    with VideoReader(video) as reader:
        picks = kmeans_pick(reader, range(30), 3)
    assert sorted(p // 10 for p in picks) == [0, 1, 2]
