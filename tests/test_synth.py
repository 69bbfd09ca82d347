"""madlc.synth: simulated poses, rendering, videos, ground truth and whole synthetic projects."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from madlc.synth.motion import BodyGeometry, chain_skeleton, simulate_poses, visibility
from madlc.synth.render import Appearance, render_frame
from madlc.synth.video import SynthScene, parse_size, write_synthetic_video


def test_simulate_poses_shape_determinism_and_bounds():
    poses, visible = simulate_poses(3, 5, 300, (160, 120), seed=4)
    assert poses.shape == (300, 3, 5, 2) and visible.shape == (300, 3, 5) and visible.dtype == bool
    again, _ = simulate_poses(3, 5, 300, (160, 120), seed=4)
    np.testing.assert_array_equal(poses, again)
    other, _ = simulate_poses(3, 5, 300, (160, 120), seed=5)
    assert not np.allclose(poses, other)
    assert (poses[..., 0] >= 0).all() and (poses[..., 0] < 160).all()
    assert (poses[..., 1] >= 0).all() and (poses[..., 1] < 120).all()
    # smooth motion: no body part jumps more than a few pixels between frames
    assert np.linalg.norm(np.diff(poses, axis=0), axis=-1).max() < 12
    # consecutive parts keep the segment length
    geometry = BodyGeometry.for_size((160, 120), 5)
    seg = np.linalg.norm(np.diff(poses, axis=2), axis=-1)
    np.testing.assert_allclose(seg, geometry.segment, rtol=1e-9)


def test_animals_interact_and_cross():
    poses, visible = simulate_poses(3, 4, 600, (160, 120), seed=0)
    centres = poses.mean(axis=2)
    dist = np.linalg.norm(centres[:, :, None] - centres[:, None], axis=-1)
    close = [dist[:, i, j].min() for i, j in ((0, 1), (0, 2), (1, 2))]
    assert min(close) < 6, close  # animals come on top of each other (crossings)
    assert sum(c < 15 for c in close) >= 2  # more than one pair meets
    assert 0.6 < visible.mean() < 1.0  # some parts get hidden by animals drawn on top


def test_visibility_top_animal_hides_the_one_below():
    geometry = BodyGeometry(segment=10, limb_width=4, blob_radius=2.5)
    poses = np.array([[[50, 50], [40, 50], [30, 50]],  # animal 0
                      [[41, 60], [41, 50], [41, 40]]], dtype=float)  # animal 1 crosses it at (41, 50)
    vis, _ = visibility(poses, chain_skeleton(3), geometry)
    assert vis[1].all()  # the top animal is fully visible
    assert vis[0].tolist() == [True, False, True]
    vis, lm = visibility(poses, chain_skeleton(3), geometry, occluders=np.array([[45, 45, 60, 55]]),
                         landmarks=np.array([[41, 45], [5, 5]]))
    assert not vis[0, 0] and lm.tolist() == [False, True]


def test_render_frame_puts_part_colours_at_ground_truth():
    size = (128, 96)
    poses, visible = simulate_poses(3, 4, 40, size, seed=1)
    appearance = Appearance.make(3, 4)
    img = render_frame(poses[-1], size, appearance, noise=0.0)
    assert img.shape == (96, 128, 3) and img.dtype == np.uint8
    hits = 0
    for a in range(3):
        for k in range(4):
            if visible[-1, a, k]:
                x, y = np.round(poses[-1, a, k]).astype(int)
                hits += np.abs(img[y, x].astype(int) - appearance.part_colors[k]).max() < 60
    assert hits >= visible[-1].sum() - 1


def test_identity_appearance_is_distinct_per_animal():
    app = Appearance.make(4, 3, identity=True)
    assert len(set(app.body_colors)) == 4
    assert len(set(Appearance.make(4, 3).body_colors)) == 1
    assert len(set(app.part_colors)) == 3


def test_parse_size():
    assert parse_size("160x120") == (160, 120)
    assert parse_size((64, 48)) == (64, 48)
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        parse_size("big")


def test_write_synthetic_video_matches_scene(tmp_path):
    from madlc.video.reader import VideoReader, video_info

    path = tmp_path / "v.mp4"
    truth, kept = write_synthetic_video(path, 2, 3, 25, "96x64", fps=25, seed=3, n_landmarks=1,
                                        keep_frames=[0, 24])
    info = video_info(path)
    assert (info.width, info.height, info.nframes, info.fps) == (96, 64, 25, 25.0)
    assert truth.poses.shape == (25, 2, 3, 2) and truth.landmarks.shape == (1, 2)
    assert truth.landmark_visible.shape == (25, 1)
    with VideoReader(path) as reader:
        frame = reader.read(24)
    assert np.abs(frame.astype(int) - kept[24].astype(int)).mean() < 12  # lossy codec, same picture
    # same scene again from its seed
    scene = SynthScene(2, 3, (96, 64), seed=3, n_landmarks=1)
    for t, img, poses_t, _, _ in scene.frames(25):
        pass
    np.testing.assert_array_equal(img, kept[24])
    np.testing.assert_array_equal(poses_t, truth.poses[24])


def test_synth_project_small_layout(synth_project_small):
    from madlc.project.config import load_config

    cfg = load_config(synth_project_small)
    root = Path(synth_project_small).parent
    assert cfg["individuals"] == ["animal1", "animal2", "animal3"]
    assert cfg["multianimalbodyparts"] == ["snout", "neck", "back", "tailbase"]
    assert cfg["skeleton"] == [["snout", "neck"], ["neck", "back"], ["back", "tailbase"]]
    assert list(cfg["video_sets"]) == [str(root / "videos" / "synth0.mp4")]
    assert cfg["video_sets"][str(root / "videos" / "synth0.mp4")]["crop"] == "0, 128, 0, 96"
    labels = pd.read_hdf(root / "labeled-data" / "synth0" / "CollectedData_synth.h5")
    assert list(labels.columns.names) == ["scorer", "individuals", "bodyparts", "coords"]
    assert labels.shape == (20, 3 * 4 * 2) and (labels.dtypes == np.float64).all()
    assert labels.index.nlevels == 3
    assert all(a == "labeled-data" and b == "synth0" and c.startswith("img") for a, b, c in labels.index)
    for _, _, name in labels.index:
        assert len(name) == len("img00.png")  # 100 frames -> 2 digits (FORMATS §1.2)
        assert (root / "labeled-data" / "synth0" / name).exists()
    csv = pd.read_csv(root / "labeled-data" / "synth0" / "CollectedData_synth.csv", header=[0, 1, 2, 3],
                      index_col=[0, 1, 2])
    np.testing.assert_allclose(csv.to_numpy(), labels.to_numpy())
    assert (root / "held-out" / "heldout0.mp4").exists()
    assert str(root / "held-out" / "heldout0.mp4") not in cfg["video_sets"]


def test_synth_labels_agree_with_ground_truth_and_images(synth_project_small):
    import cv2

    root = Path(synth_project_small).parent
    labels = pd.read_hdf(root / "labeled-data" / "synth0" / "CollectedData_synth.h5")
    gt = pd.read_hdf(root / "ground-truth" / "synth0_gt.h5")
    assert gt.shape == (100, 3 * 4 * 3)
    assert list(gt.columns.get_level_values("coords")[:3]) == ["x", "y", "likelihood"]
    assert gt.columns.get_level_values("scorer")[0] == "groundtruth"
    appearance = Appearance.make(3, 4)
    good = total = 0
    for (_, _, name), row in labels.iterrows():
        t = int(name[3:-4])
        image = cv2.imread(str(root / "labeled-data" / "synth0" / name))[..., ::-1]
        for a, ind in enumerate(["animal1", "animal2", "animal3"]):
            for k, bpt in enumerate(["snout", "neck", "back", "tailbase"]):
                x, y = row[("synth", ind, bpt, "x")], row[("synth", ind, bpt, "y")]
                gx, gy, lik = (gt.loc[t, ("groundtruth", ind, bpt, c)] for c in ("x", "y", "likelihood"))
                if np.isnan(x):
                    assert lik == 0.0 and np.isfinite(gx)
                    continue
                assert lik == 1.0 and (x, y) == (gx, gy)
                total += 1
                pixel = image[int(round(y)), int(round(x))].astype(int)
                good += np.abs(pixel - appearance.part_colors[k]).max() < 90
    assert total > 150 and good / total > 0.9


def test_synth_project_identity_unique_and_single(synth_project_identity, synth_project_single):
    from madlc.project.config import load_config

    cfg = load_config(synth_project_identity)
    assert cfg["identity"] is True and cfg["uniquebodyparts"] == ["landmark1", "landmark2"]
    root = Path(synth_project_identity).parent
    labels = pd.read_hdf(root / "labeled-data" / "synth0" / "CollectedData_synth.h5")
    inds = list(dict.fromkeys(labels.columns.get_level_values("individuals")))
    assert inds == ["animal1", "animal2", "animal3", "single"]
    single = labels.xs("single", axis=1, level="individuals")
    assert sorted(set(single.columns.get_level_values("bodyparts"))) == ["landmark1", "landmark2"]
    # landmarks are fixed: one position in every frame where visible
    assert single.std().max() < 1e-9 or np.nanstd(single.to_numpy(), axis=0).max() < 1e-9
    gt = pd.read_hdf(root / "ground-truth" / "synth0_gt.h5")
    assert gt.shape[1] == 3 * 4 * 3 + 2 * 3

    cfg1 = load_config(synth_project_single)
    assert cfg1["multianimalproject"] is False and cfg1["bodyparts"] == ["snout", "neck", "back", "tailbase"]
    root1 = Path(synth_project_single).parent
    labels1 = pd.read_hdf(root1 / "labeled-data" / "synth0" / "CollectedData_synth.h5")
    assert list(labels1.columns.names) == ["scorer", "bodyparts", "coords"] and labels1.shape == (20, 8)


def test_synth_project_is_deterministic_and_refuses_overwrite(tmp_path):
    from madlc.errors import ConfigError
    from madlc.stages.synth_project import synth_project

    a = synth_project(str(tmp_path / "a"), animals=2, bodyparts=3, frames=30, size="64x48", labeled_frames=5, seed=7)
    b = synth_project(str(tmp_path / "b"), animals=2, bodyparts=3, frames=30, size="64x48", labeled_frames=5, seed=7)
    la = pd.read_hdf(Path(a).parent / "labeled-data" / "synth0" / "CollectedData_synth.h5")
    lb = pd.read_hdf(Path(b).parent / "labeled-data" / "synth0" / "CollectedData_synth.h5")
    pd.testing.assert_frame_equal(la, lb)
    with pytest.raises(ConfigError, match="already exists"):
        synth_project(str(tmp_path / "a"), frames=10)
    with pytest.raises(ConfigError, match="single-animal"):
        synth_project(str(tmp_path / "c"), animals=2, multianimal=False)
    with pytest.raises(ConfigError, match="WIDTHxHEIGHT"):
        synth_project(str(tmp_path / "d"), size="huge")


def test_cli_synth_project(tmp_path, capsys):
    from madlc.cli import main

    rc = main(["synth-project", str(tmp_path / "p"), "--animals", "2", "--bodyparts", "3", "--frames", "20",
               "--size", "64x48", "--labeled-frames", "4", "--identity", "--unique", "--seed", "1"])
    assert rc in (0, None)
    out = capsys.readouterr().out
    assert str(tmp_path / "p" / "config.yaml") in out
    assert (tmp_path / "p" / "labeled-data" / "synth0" / "CollectedData_synth.h5").exists()


def test_ground_truth_tracks_round_trip_through_madlc_io(tmp_path):
    from madlc.io import read_tracks, tracks_to_array
    from madlc.synth.groundtruth import write_ground_truth_tracks

    poses, visible = simulate_poses(2, 3, 30, (96, 64), seed=9)
    landmarks = np.array([[10.0, 12.0]])
    lm_vis = np.ones((30, 1), bool)
    lm_vis[5] = False
    path = write_ground_truth_tracks(tmp_path / "v_gt.h5", poses, visible, ["a1", "a2"], ["p0", "p1", "p2", "lm"],
                                     landmarks, lm_vis, ["lm"])
    arr, scorer, inds, bpts = tracks_to_array(read_tracks(path))
    assert scorer == "groundtruth" and inds == ["a1", "a2", "single"] and bpts == ["p0", "p1", "p2", "lm"]
    np.testing.assert_allclose(arr[:, :2, :3, :2], poses)
    np.testing.assert_array_equal(arr[:, :2, :3, 2], visible.astype(float))
    np.testing.assert_allclose(arr[:, 2, 3, :2], np.broadcast_to(landmarks, (30, 2)))
    assert arr[5, 2, 3, 2] == 0.0 and arr[4, 2, 3, 2] == 1.0
    path2 = write_ground_truth_tracks(tmp_path / "n_gt.h5", poses, visible, ["a1", "a2"], ["p0", "p1", "p2"],
                                      hidden="nan")
    arr2 = tracks_to_array(read_tracks(path2))[0]
    assert np.isnan(arr2[..., 0][~visible]).all() and np.isfinite(arr2[..., 0][visible]).all()


def test_train_fixture_has_sixty_labeled_frames(synth_project_train):
    from madlc.io import read_labels
    from madlc.project.config import load_config

    cfg = load_config(synth_project_train)
    root = Path(synth_project_train).parent
    assert len(cfg["video_sets"]) == 2 and cfg["TrainingFraction"] == [0.8]
    total = sum(len(read_labels(root / "labeled-data" / f"synth{v}" / "CollectedData_synth.h5")) for v in (0, 1))
    assert total == 60
    assert (root / "held-out" / "heldout0.mp4").exists() and (root / "ground-truth" / "heldout0_gt.h5").exists()
