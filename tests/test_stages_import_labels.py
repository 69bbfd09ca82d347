"""madlc import-labels: SLEAP / NWB / another DeepLabCut project -> labeled-data (issue 16)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import madlc
from madlc.errors import ConfigError, VideoError
from madlc.io import labels_to_array, read_labels

SLEAP_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sleap"
SLP = SLEAP_DIR / "centered_pair_predictions.slp"
VIDEO = SLEAP_DIR / "centered_pair_small.mp4"


@pytest.fixture(scope="module")
def fly_nodes() -> list[str]:
    if not SLP.exists():
        pytest.skip(f"SLEAP data not found at {SLEAP_DIR}")
    import sleap_io as sio

    return list(sio.load_slp(str(SLP), open_videos=False).skeleton.node_names)


def _fly_project(tmp_path: Path, nodes: list[str], individuals: list[str]) -> str:
    config = madlc.create_new_project("flies", "lab", [str(VIDEO)], working_directory=str(tmp_path))
    madlc.edit_config(config, {"multianimalbodyparts": nodes, "individuals": individuals, "skeleton": []})
    return config


def test_import_every_10th_predicted_frame(tmp_path, fly_nodes):
    """3 individuals: 5 of the 110 chosen frames hold a third (spurious) SLEAP instance, so the
    file needs 3 slots for every coordinate to be kept."""
    import sleap_io as sio

    config = _fly_project(tmp_path, fly_nodes, ["fly1", "fly2", "fly3"])
    out = madlc.import_labels(config, str(SLP), predicted=True, every=10, video=str(VIDEO))
    df = read_labels(out)
    assert len(df) == 110 and df.columns.get_level_values("scorer")[0] == "lab"
    folder = Path(out).parent
    assert folder.name == "centered_pair_small"
    assert len(list(folder.glob("img*.png"))) == 110
    arr = labels_to_array(df, ["fly1", "fly2", "fly3"], fly_nodes)
    labels = sio.load_slp(str(SLP), open_videos=False)
    by_frame = {lf.frame_idx: lf for lf in labels.labeled_frames}
    for row, (_, _, image) in enumerate(df.index):
        frame = int(image[3:-4])
        assert frame % 10 == 0
        insts = sorted(by_frame[frame].predicted_instances, key=lambda i: int(i.track.name))
        want = np.full((3, len(fly_nodes), 2), np.nan)
        for k, inst in enumerate(insts):
            want[k] = inst.numpy()
        np.testing.assert_array_equal(arr[row], want)
    cfg = madlc.io.read_config(config)
    assert any(Path(k).stem == "centered_pair_small" for k in cfg["video_sets"])


def test_more_animals_than_individuals_is_refused_or_best_kept(tmp_path, fly_nodes):
    config = _fly_project(tmp_path, fly_nodes, ["fly1", "fly2"])
    with pytest.raises(ConfigError) as err:
        madlc.import_labels(config, str(SLP), predicted=True, every=10, video=str(VIDEO))
    assert "frame 340: 3" in str(err.value) and "--keep-best" in str(err.value)
    out = madlc.import_labels(config, str(SLP), predicted=True, every=10, video=str(VIDEO), keep_best=True)
    assert len(read_labels(out)) == 110


def test_predictions_need_predicted_flag(tmp_path, fly_nodes):
    config = _fly_project(tmp_path, fly_nodes, ["fly1", "fly2", "fly3"])
    with pytest.raises(ConfigError, match="--predicted"):
        madlc.import_labels(config, str(SLP), every=10, video=str(VIDEO))


def test_missing_video_is_a_clear_error(tmp_path, fly_nodes):
    config = _fly_project(tmp_path, fly_nodes, ["fly1", "fly2", "fly3"])
    with pytest.raises(VideoError) as err:  # the .slp points at centered_pair_low_quality.mp4, absent here
        madlc.import_labels(config, str(SLP), predicted=True, every=10)
    msg = str(err.value)
    assert "centered_pair_predictions.slp" in msg and "centered_pair_low_quality.mp4" in msg and "--video" in msg


def test_unknown_nodes_are_refused_listing_both_sides_and_map_fixes_it(tmp_path, fly_nodes):
    renamed = ["Head" if n == "head" else n for n in fly_nodes]
    config = _fly_project(tmp_path, renamed, ["fly1", "fly2", "fly3"])
    with pytest.raises(ConfigError) as err:
        madlc.import_labels(config, str(SLP), predicted=True, every=100, video=str(VIDEO))
    msg = str(err.value)
    assert "['head']" in msg and "'Head'" in msg and "--map" in msg
    mapping = tmp_path / "map.yaml"
    mapping.write_text("head: Head\n")
    out = madlc.import_labels(config, str(SLP), predicted=True, every=100, video=str(VIDEO), map=str(mapping))
    df = read_labels(out)
    assert len(df) == 11 and "Head" in df.columns.get_level_values("bodyparts")


def test_merge_keeps_existing_labels_and_backs_up(tmp_path, fly_nodes):
    config = _fly_project(tmp_path, fly_nodes, ["fly1", "fly2", "fly3"])
    first = madlc.import_labels(config, str(SLP), predicted=True, every=100, video=str(VIDEO))
    df = read_labels(first)
    edited = df.copy()
    edited.iloc[0, 0] = 1.5  # a human correction of frame 0
    madlc.io.write_labels(edited, first)
    out = madlc.import_labels(config, str(SLP), predicted=True, every=50, video=str(VIDEO))
    merged = read_labels(out)
    assert len(merged) == 22  # every 50th frame: 0, 50, ..., 1050; frames of every 100th already there
    assert merged.iloc[0, 0] == 1.5  # the existing row was not overwritten
    assert Path(out + ".bak").exists()


def test_import_from_another_deeplabcut_project(synth_project_small, tmp_path):
    src_cfg = madlc.io.read_config(synth_project_small)
    video = next(Path(synth_project_small).parent.glob("videos/*.mp4"))
    config = madlc.create_new_project("copy", "me", [str(video)], working_directory=str(tmp_path))
    madlc.edit_config(config, {"multianimalbodyparts": src_cfg["multianimalbodyparts"],
                               "individuals": src_cfg["individuals"], "skeleton": src_cfg["skeleton"]})
    out = madlc.import_labels(config, synth_project_small)
    src_labels = read_labels(next(Path(synth_project_small).parent.glob("labeled-data/*/CollectedData_*.h5")))
    got = read_labels(out)
    assert got.columns.get_level_values("scorer")[0] == "me"
    np.testing.assert_array_equal(got.to_numpy(), src_labels.to_numpy())
    assert all((Path(out).parent / img).exists() for _, _, img in got.index)


def test_import_human_labels_from_embedded_frames(tmp_path, fly_nodes):
    """A .pkg.slp with embedded frames: images come from the source video when it exists, else from the file."""
    import cv2
    import sleap_io as sio

    labels = sio.load_slp(str(SLP), open_videos=False)
    skeleton = labels.skeleton
    source = tmp_path / "recording.mp4"  # the video SLEAP labeled; removed after packaging
    source.symlink_to(VIDEO)
    labels.replace_filenames(new_filenames=[str(source)])
    frames = []
    for lf in labels.labeled_frames[:30:10]:
        insts = [sio.Instance.from_numpy(i.numpy(), skeleton=skeleton, track=i.track) for i in lf.predicted_instances[:2]]
        frames.append(sio.LabeledFrame(video=labels.video, frame_idx=lf.frame_idx, instances=insts))
    pkg = tmp_path / "flies.pkg.slp"
    sio.save_slp(sio.Labels(frames, videos=[labels.video], skeletons=[skeleton], tracks=labels.tracks), str(pkg),
                 embed="user", verbose=False)
    names = ["img0000.png", "img0010.png", "img0020.png"]

    def project(name: str) -> str:
        config = madlc.create_new_project(name, "lab", [str(VIDEO)], working_directory=str(tmp_path))
        madlc.edit_config(config, {"multianimalbodyparts": fly_nodes, "individuals": ["fly1", "fly2"], "skeleton": []})
        return config

    out = madlc.import_labels(project("a"), str(pkg))  # source video present: frames read from it
    assert Path(out).parent.name == "recording"
    assert sorted(p.name for p in Path(out).parent.glob("img*.png")) == names
    np.testing.assert_array_equal(labels_to_array(read_labels(out), ["fly1", "fly2"], fly_nodes)[1, 0],
                                  frames[1].instances[0].numpy())
    source.unlink()  # now only the embedded frames are left
    config = project("b")
    out = madlc.import_labels(config, str(pkg))
    images = sorted(Path(out).parent.glob("img*.png"))
    assert Path(out).parent.name == "recording" and [p.name for p in images] == names
    assert cv2.imread(str(images[1])).shape == (384, 384, 3)
    assert len(read_labels(out)) == 3
    assert any(Path(k).stem == "recording" for k in madlc.io.read_config(config)["video_sets"])


def test_import_pose_estimates_from_nwb(synth_project_small, tmp_path):
    """NWB PoseEstimation (here madlc's own export of the synthetic ground truth) needs --predicted."""
    project = Path(synth_project_small).parent
    video = next(project.glob("videos/*.mp4"))
    nwb = madlc.convert(str(project / "ground-truth" / f"{video.stem}_gt.h5"), str(tmp_path / "gt.nwb"),
                        video=str(video))
    src_cfg = madlc.io.read_config(synth_project_small)
    config = madlc.create_new_project("nwb", "me", [str(video)], working_directory=str(tmp_path))
    madlc.edit_config(config, {"multianimalbodyparts": src_cfg["multianimalbodyparts"],
                               "individuals": src_cfg["individuals"], "skeleton": src_cfg["skeleton"]})
    with pytest.raises(ConfigError, match="--predicted"):
        madlc.import_labels(config, nwb)
    out = madlc.import_labels(config, nwb, predicted=True, every=10)
    got = labels_to_array(read_labels(out), src_cfg["individuals"], src_cfg["multianimalbodyparts"])
    truth = madlc.io.tracks_to_array(madlc.io.read_tracks(project / "ground-truth" / f"{video.stem}_gt.h5"))[0]
    np.testing.assert_array_equal(got, truth[::10, :, :, :2])


def test_import_coco_images(tmp_path, fly_nodes):
    """A COCO keypoints file (images + annotations): one labeled frame per image, in labeled-data/<json name>/."""
    import cv2
    import sleap_io as sio

    from madlc.video.reader import VideoReader

    labels = sio.load_slp(str(SLP), open_videos=False)
    (tmp_path / "coco" / "images").mkdir(parents=True)
    names, frames = [], []
    with VideoReader(VIDEO) as reader:
        for f in (0, 10, 20):
            cv2.imwrite(str(tmp_path / "coco" / "images" / f"f{f}.png"), reader.read(f)[..., ::-1])
            names.append(f"images/f{f}.png")
            insts = [sio.Instance.from_numpy(i.numpy(), skeleton=labels.skeleton)
                     for i in labels.labeled_frames[f].predicted_instances[:2]]
            frames.append(sio.LabeledFrame(video=labels.video, frame_idx=f, instances=insts))
    coco = tmp_path / "coco" / "flies.json"
    sio.save_coco(sio.Labels(frames, videos=[labels.video], skeletons=[labels.skeleton]), str(coco),
                  image_filenames=names)
    config = _fly_project(tmp_path, fly_nodes, ["fly1", "fly2"])
    out = madlc.import_labels(config, str(coco))
    assert Path(out).parent.name == "flies"
    df = read_labels(out)
    assert [i[2] for i in df.index] == ["img0.png", "img1.png", "img2.png"]
    got = labels_to_array(df, ["fly1", "fly2"], fly_nodes)
    for row, lf in enumerate(frames):
        want = np.stack([i.numpy() for i in lf.instances])
        np.testing.assert_allclose(got[row], want, atol=1e-3)  # COCO stores rounded coordinates
