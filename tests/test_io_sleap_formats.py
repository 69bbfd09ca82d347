"""madlc.io.sleap_formats and madlc.io.nwb_pose: the array contract <-> sleap-io Labels / NWB."""
from __future__ import annotations

import numpy as np
import pytest

from madlc.errors import FormatError
from madlc.io.nwb_pose import load_nwb, save_nwb
from madlc.io.sleap_formats import PoseData, detect_format, pose_from_labels, pose_to_labels


def _pose(frames, n_ind=2, n_bpt=3, seed=0, fps=None) -> PoseData:
    rng = np.random.default_rng(seed)
    coords = rng.uniform(0, 200, (len(frames), n_ind, n_bpt, 3))
    coords[..., 2] = rng.uniform(0, 1, coords.shape[:3])
    coords[-1, 0, 1] = np.nan
    return PoseData(coords, np.asarray(frames), [f"a{i}" for i in range(n_ind)], [f"p{j}" for j in range(n_bpt)],
                    scorer="DLC_x", video="/data/v.mp4", edges=[("p0", "p1")], fps=fps)


def test_detect_format(tmp_path):
    assert detect_format("x.slp") == "slp" and detect_format("x.nwb") == "nwb"
    assert detect_format("x.analysis.h5") == "analysis" and detect_format("x.csv") == "dlc"
    assert detect_format("x.h5") == "dlc" and detect_format("x.json") == "coco"
    assert detect_format("x.h5", "analysis_h5") == "analysis"
    with pytest.raises(FormatError, match="--format"):
        detect_format("x.bin")
    with pytest.raises(FormatError, match="unknown format"):
        detect_format("x.h5", "jpeg")


def test_labels_roundtrip_keeps_frames_names_scores():
    pose = _pose([3, 4, 9, 10])
    back = pose_from_labels(pose_to_labels(pose))
    assert back.individuals == pose.individuals and back.bodyparts == pose.bodyparts
    np.testing.assert_array_equal(back.frames, pose.frames)
    np.testing.assert_array_equal(back.coords, pose.coords)
    assert back.scorer == "DLC_x" and back.edges == [("p0", "p1")]


def test_user_instance_wins_over_prediction_of_same_track():
    import sleap_io as sio

    labels = pose_to_labels(_pose([0]))
    lf = labels.labeled_frames[0]
    pred = lf.instances[0]
    user = sio.Instance.from_numpy(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), skeleton=labels.skeleton,
                                   track=pred.track)
    lf.instances.append(user)
    pose = pose_from_labels(labels)
    np.testing.assert_array_equal(pose.coords[0, 0, :, :2], [[1, 2], [3, 4], [5, 6]])
    assert pose.user[0, 0] and not pose.user[0, 1]
    np.testing.assert_array_equal(pose.coords[0, 0, :, 2], 1.0)
    only_pred = pose_from_labels(labels, user=False)
    np.testing.assert_array_equal(only_pred.coords[0, 0, :, :2], pred.numpy())


def test_nwb_exact_for_fractional_fps_and_gaps(tmp_path):
    pose = _pose([0, 1, 2, 7, 1000, 1001], fps=29.97)
    save_nwb(pose, tmp_path / "p.nwb")
    back = load_nwb(tmp_path / "p.nwb")
    np.testing.assert_array_equal(back.frames, pose.frames)
    np.testing.assert_array_equal(back.coords, pose.coords)
    assert back.fps == pytest.approx(29.97) and back.individuals == pose.individuals


def test_nwb_unknown_fps_warns(tmp_path):
    with pytest.warns(UserWarning, match="frame rate unknown"):
        save_nwb(_pose([0, 1]), tmp_path / "p.nwb")
    np.testing.assert_array_equal(load_nwb(tmp_path / "p.nwb").frames, [0, 1])


def test_nwb_written_by_sleap_io_reads(tmp_path):
    """A file from sleap-io's own NWB writer (SLEAP's export): tracks named by container."""
    import sleap_io as sio

    pose = _pose(list(range(6)))
    sio.save_nwb(pose_to_labels(pose), str(tmp_path / "s.nwb"))
    back = load_nwb(tmp_path / "s.nwb", fps=1.0)  # sleap-io writes frame i at time i (1 "Hz")
    assert back.individuals == ["a0", "a1"] and back.bodyparts == ["p0", "p1", "p2"]
    np.testing.assert_array_equal(back.frames, np.arange(6))
    np.testing.assert_allclose(back.coords, pose.coords, equal_nan=True)
