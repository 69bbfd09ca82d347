"""madlc import-tracks: SLEAP's tracked predictions as tracklets for madlc's stitcher (issue 16)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import madlc
from madlc.io import read_tracklets, read_tracks, tracks_to_array

SLEAP_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sleap"
SLP = SLEAP_DIR / "centered_pair_predictions.slp"
VIDEO = SLEAP_DIR / "centered_pair_small.mp4"


def test_import_sleap_tracks_then_stitch_two_flies(tmp_path):
    """Stitching SLEAP's 27 tracks into 2 keeps its two long tracks.

    "Covering": an instance of SLEAP track 1 or 2 in frame f is covered when one of the 2
    stitched tracks holds, in frame f, exactly that instance's pose: the same keypoints
    present and missing, with equal coordinates. Also checked: each SLEAP track lands in
    one stitched track (identity kept) for >= 99 % of its instances.
    """
    if not SLP.exists():
        pytest.skip(f"SLEAP data not found at {SLEAP_DIR}")
    import sleap_io as sio

    pickle = madlc.import_tracks(str(SLP), str(VIDEO), output=str(tmp_path / "centered_pair_smallSLEAP_el.pickle"))
    tracklets = read_tracklets(pickle)
    assert len([k for k in tracklets if k != "header"]) == 27
    tracks = madlc.stitch(pickle, n_tracks=2)
    arr, _, individuals, _ = tracks_to_array(read_tracks(tracks))
    assert len(individuals) == 2
    labels = sio.load_slp(str(SLP), open_videos=False)
    owner: dict[str, list[int]] = {"1": [], "2": []}
    for lf in labels.labeled_frames:
        for inst in lf.predicted_instances:
            if inst.track is None or inst.track.name not in owner:
                continue
            xy = inst.numpy()
            hit = -1
            if lf.frame_idx < len(arr):
                for k in range(2):
                    got = arr[lf.frame_idx, k, :, :2]
                    if np.array_equal(np.isnan(got), np.isnan(xy)) and np.array_equal(got, xy, equal_nan=True):
                        hit = k
            owner[inst.track.name].append(hit)
    n = sum(len(v) for v in owner.values())
    assert n == 2200
    covered = sum(h >= 0 for v in owner.values() for h in v)
    assert covered / n >= 0.99
    for hits in owner.values():
        values, counts = np.unique([h for h in hits if h >= 0], return_counts=True)
        assert counts.max() / len(hits) >= 0.99  # one stitched track per SLEAP track
    assert owner["1"][0] != owner["2"][0]


def test_untracked_instances_become_one_frame_tracklets(tmp_path, synth_project_small):
    import sleap_io as sio

    skeleton = sio.Skeleton(["a", "b"])
    video = sio.Video(filename="v.mp4", open_backend=False)
    track = sio.Track("mouse")
    frames = []
    for f in range(5):
        tracked = sio.PredictedInstance.from_numpy(np.array([[f, 1.0], [f, 2.0]]), skeleton=skeleton,
                                                   point_scores=np.array([0.9, 0.8]), score=1.0, track=track)
        loose = sio.PredictedInstance.from_numpy(np.array([[50.0 + f, 1.0], [np.nan, np.nan]]), skeleton=skeleton,
                                                 point_scores=np.array([0.5, np.nan]), score=0.5)
        frames.append(sio.LabeledFrame(video=video, frame_idx=f, instances=[tracked, loose]))
    src = tmp_path / "mixed.slp"
    sio.save_slp(sio.Labels(frames, videos=[video], skeletons=[skeleton], tracks=[track]), str(src))
    video = next(Path(synth_project_small).parent.glob("videos/*.mp4"))
    out = madlc.import_tracks(str(src), str(video), output=str(tmp_path / "mixed_el.pickle"))
    data = read_tracklets(out)
    ids = [k for k in data if k != "header"]
    assert len(ids) == 1 + 5
    assert sorted(data[ids[0]]) == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(data[ids[0]][3][:, :3], [[3, 1, 0.9], [3, 2, 0.8]])
    assert all(len(data[k]) == 1 for k in ids[1:])
    assert list(data["header"].get_level_values("bodyparts")[::3]) == ["a", "b"]
