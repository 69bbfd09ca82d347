"""madlc convert: DeepLabCut tracks <-> .slp <-> NWB <-> SLEAP analysis .h5 (issue 16).

Round trips are checked value by value: coordinates, likelihoods, body-part and individual
names, frame numbers. The third-party readers (sleap_io.load_slp, sleap_io.load_nwb, pynwb +
ndx-pose) are checked on the files madlc writes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import madlc
from madlc.errors import ConfigError, FormatError, MadlcError
from madlc.io import array_to_tracks, read_tracks, tracks_to_array, write_tracks


def _tracks(unique: bool = False, n_frames: int = 40, seed: int = 0) -> pd.DataFrame:
    """Tracks with random float64 coordinates and likelihoods, holes, and an absent animal in some frames."""
    rng = np.random.default_rng(seed)
    bpts = ["snout", "neck", "back", "tailbase"] + (["landmark"] if unique else [])
    inds = ["mouse1", "mouse2", "mouse3"] + (["single"] if unique else [])
    arr = np.empty((n_frames, len(inds), len(bpts), 3))
    arr[..., :2] = rng.uniform(0, 128, arr.shape[:3] + (2,))
    arr[..., 2] = rng.uniform(0, 1, arr.shape[:3])
    arr[rng.uniform(size=arr.shape[:3]) < 0.1] = np.nan  # missing keypoints
    arr[5:9, 1] = np.nan  # mouse2 absent for 4 frames
    return array_to_tracks(arr, "DLC_Resnet50_testDec4shuffle1_snapshot_10", inds, bpts,
                           ["landmark"] if unique else [])


def _same_tracks(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert list(a.index) == list(b.index)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())  # exact, NaN where NaN


@pytest.fixture
def tracks_file(tmp_path) -> Path:
    return write_tracks(_tracks(), tmp_path / "vidDLC_Resnet50_testDec4shuffle1_snapshot_10_el.h5")


def test_tracks_to_slp_roundtrip_exact(tracks_file, tmp_path):
    import sleap_io as sio

    original = read_tracks(tracks_file)
    slp = madlc.convert(str(tracks_file), str(tmp_path / "out.slp"), fps=30)
    labels = sio.load_slp(slp, open_videos=False)
    arr, scorer, inds, bpts = tracks_to_array(original)
    assert labels.skeleton.node_names == bpts
    assert [t.name for t in labels.tracks] == inds
    n_checked = 0
    for lf in labels.labeled_frames:
        for inst in lf.instances:
            k = inds.index(inst.track.name)
            pts = inst.points
            xy = np.where(pts["visible"][:, None], pts["xy"], np.nan)
            np.testing.assert_array_equal(xy, arr[lf.frame_idx, k, :, :2])
            seen = np.isfinite(arr[lf.frame_idx, k, :, 0])
            np.testing.assert_array_equal(pts["score"][seen], arr[lf.frame_idx, k, seen, 2])
            n_checked += 1
    present = np.isfinite(arr[..., 0]).any(-1).sum()
    assert n_checked == present
    back = madlc.convert(slp, str(tmp_path / "back.h5"))
    _same_tracks(read_tracks(back), original)
    assert str(read_tracks(back).columns[0][0]) == scorer


def test_tracks_to_nwb_roundtrip_exact_and_readable_by_sleap_io_and_pynwb(tracks_file, tmp_path):
    import sleap_io as sio
    from pynwb import NWBHDF5IO

    original = read_tracks(tracks_file)
    arr, scorer, inds, bpts = tracks_to_array(original)
    nwb = madlc.convert(str(tracks_file), str(tmp_path / "out.nwb"), fps=29.97, subject_id="mouse-A",
                        species="Mus musculus", session_description="open field", experimenter="Ada",
                        session_start_time="2026-01-02T10:00:00+00:00")
    _same_tracks(read_tracks(madlc.convert(nwb, str(tmp_path / "back.h5"))), original)

    with NWBHDF5IO(nwb, "r", load_namespaces=True) as io:  # pynwb + ndx-pose
        f = io.read()
        assert f.subject.subject_id == "mouse-A" and f.subject.species == "Mus musculus"
        assert f.session_description == "open field" and list(f.experimenter) == ["Ada"]
        module = next(m for name, m in f.processing.items() if name.startswith("SLEAP_VIDEO"))
        assert sorted(module.data_interfaces) == sorted(f"track={i}" for i in inds)
        pe = module["track=mouse1"]
        assert type(pe).__name__ == "PoseEstimation" and pe.scorer == scorer
        assert list(pe.skeleton.nodes[:]) == bpts
        series = pe.pose_estimation_series["neck"]
        frames = np.rint(np.asarray(series.timestamps[:]) * 29.97).astype(int)
        seen = np.isfinite(arr[:, 0, 1, 0])
        np.testing.assert_array_equal(frames, np.flatnonzero(seen))
        np.testing.assert_array_equal(series.data[:], arr[seen, 0, 1, :2])
        np.testing.assert_array_equal(series.confidence[:], arr[seen, 0, 1, 2])

    labels = sio.load_nwb(nwb)  # sleap-io reads it: same poses, same frames (float32 inside sleap-io)
    assert labels.skeleton.node_names == bpts
    lfs = sorted(labels.labeled_frames, key=lambda lf: lf.frame_idx)
    assert [lf.frame_idx for lf in lfs] == list(range(len(arr)))
    for lf in lfs:
        got = sorted((np.nan_to_num(i.numpy(), nan=-1).round(3).tolist() for i in lf.instances))
        want = sorted(np.nan_to_num(arr[lf.frame_idx, k, :, :2], nan=-1).astype(np.float32).astype(np.float64).round(3).tolist()
                      for k in range(len(inds)) if np.isfinite(arr[lf.frame_idx, k, :, 0]).any())
        assert got == want


def test_unique_bodyparts_roundtrip_slp_and_nwb(tmp_path):
    df = _tracks(unique=True)
    src = write_tracks(df, tmp_path / "uniq.h5")
    for ext in ("slp", "nwb"):
        out = madlc.convert(str(src), str(tmp_path / f"u.{ext}"), fps=10)
        _same_tracks(read_tracks(madlc.convert(out, str(tmp_path / f"u_{ext}.h5"))), df)


def test_analysis_h5_roundtrip_and_warning(tracks_file, tmp_path):
    original = read_tracks(tracks_file)
    with pytest.warns(UserWarning, match="scorer name"):
        out = madlc.convert(str(tracks_file), str(tmp_path / "out.analysis.h5"))
    back = read_tracks(madlc.convert(out, str(tmp_path / "back.h5")))
    arr_a, _, inds_a, bpts_a = tracks_to_array(original)
    arr_b, _, inds_b, bpts_b = tracks_to_array(back)
    assert (inds_a, bpts_a) == (inds_b, bpts_b)
    np.testing.assert_allclose(arr_b[..., :2], arr_a[..., :2], rtol=1e-6)  # the analysis file stores float32
    seen = np.isfinite(arr_a[..., 0])
    np.testing.assert_allclose(arr_b[..., 2][seen], arr_a[..., 2][seen], rtol=1e-6)


def test_coco_export_names_what_is_lost(tracks_file, tmp_path):
    import json

    with pytest.warns(UserWarning, match="likelihoods"):
        out = madlc.convert(str(tracks_file), str(tmp_path / "out.json"))
    coco = json.loads(Path(out).read_text())
    assert coco["categories"][0]["keypoints"] == ["snout", "neck", "back", "tailbase"]
    assert len(coco["annotations"]) == int(np.isfinite(tracks_to_array(read_tracks(tracks_file))[0][..., 0])
                                           .any(-1).sum())


def test_refuses_to_overwrite_and_names_unknown_format(tracks_file, tmp_path):
    out = madlc.convert(str(tracks_file), str(tmp_path / "a.slp"))
    with pytest.raises(MadlcError, match="--overwrite"):
        madlc.convert(str(tracks_file), out)
    with pytest.raises(FormatError, match="--format"):
        madlc.convert(str(tracks_file), str(tmp_path / "a.xyz"))


def test_nwb_without_pose_data_is_a_clear_error(tmp_path):
    import datetime

    from pynwb import NWBHDF5IO, NWBFile

    empty = tmp_path / "session.nwb"
    with NWBHDF5IO(str(empty), "w") as io:
        io.write(NWBFile(session_description="ephys only", identifier="x",
                         session_start_time=datetime.datetime.now(datetime.timezone.utc)))
    with pytest.raises(FormatError) as err:
        madlc.convert(str(empty), str(tmp_path / "out.h5"))
    assert "session.nwb" in str(err.value) and "no pose data" in str(err.value) and "What to do" in str(err.value)


def test_config_skeleton_mismatch_is_refused(tracks_file, synth_project_small, tmp_path):
    with pytest.raises(ConfigError) as err:  # the synthetic project's body parts differ in one name
        df = read_tracks(tracks_file)
        df.columns = df.columns.set_levels([b.replace("back", "spine") for b in df.columns.levels[2]], level=2)
        other = write_tracks(df, tmp_path / "spine.h5")
        madlc.convert(str(other), str(tmp_path / "out.slp"), config=synth_project_small)
    msg = str(err.value)
    assert "spine" in msg and "back" in msg and "--map" in msg and "spine.h5" in msg


def test_cli_convert(tracks_file, tmp_path):
    from madlc.cli import main

    out = tmp_path / "cli.slp"
    assert main(["convert", str(tracks_file), str(out), "--fps", "25"]) == 0
    assert out.exists()
