"""Labeled videos: frame count and fps kept, points drawn at the tracked pixels."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

SCORER = "DLC_Resnet50_toyJan1shuffle1_snapshot_10"


@pytest.fixture
def toy_project(tmp_path):
    """A grey 20-frame 80x60 video at 12 fps with two animals (2 body parts) moving right."""
    from madlc.io.config import write_config
    from madlc.io.tracks_array import Tracks, save_tracks
    from madlc.project.manage import default_config
    from madlc.video.writer import VideoWriter

    videos = tmp_path / "videos"
    videos.mkdir()
    video = videos / "toy.mp4"
    with VideoWriter(video, fps=12, size=(80, 60)) as w:
        for _ in range(20):
            w.write(np.full((60, 80, 3), 128, np.uint8))
    cfg = default_config("toy", "me", date="Jan1")
    cfg.update({"project_path": str(tmp_path), "individuals": ["m1", "m2"], "multianimalbodyparts": ["nose", "tail"],
                "skeleton": [["nose", "tail"]], "dotsize": 3, "pcutoff": 0.5})
    write_config(cfg, tmp_path / "config.yaml")
    data = np.full((18, 2, 2, 3), np.nan)  # tracks stop 2 frames before the video ends
    t = np.arange(18)
    data[:, 0, 0] = np.stack([10 + 2 * t, np.full(18, 15), np.full(18, 0.9)], axis=1)
    data[:, 0, 1] = np.stack([10 + 2 * t, np.full(18, 25), np.full(18, 0.9)], axis=1)
    data[:, 1, 0] = np.stack([10 + 2 * t, np.full(18, 45), np.full(18, 0.2)], axis=1)  # below pcutoff
    data[:, 1, 1] = np.stack([10 + 2 * t, np.full(18, 52), np.full(18, 0.9)], axis=1)
    tracks = Tracks(data, SCORER, ["m1", "m2"], ["nose", "tail"])
    save_tracks(tracks, videos / f"toy{SCORER}_el.h5")
    return str(tmp_path / "config.yaml"), video, data


def _pixel(frame: np.ndarray, x: float, y: float) -> np.ndarray:
    return frame[int(round(y)), int(round(x))].astype(int)


def test_labeled_video_keeps_frames_and_draws_points(toy_project):
    import madlc
    from madlc.video.reader import VideoReader, video_info
    from madlc.viz.colors import colormap_colors

    config, video, data = toy_project
    out = madlc.create_labeled_video(config, [str(video)], color_by="individual", draw_skeleton=True)
    assert out == [str(video.parent / f"toy{SCORER}_el_id_labeled.mp4")]
    info_in, info_out = video_info(video), video_info(out[0])
    assert (info_out.nframes, info_out.fps, info_out.width, info_out.height) == (20, 12.0, 80, 60)
    assert info_out.nframes == info_in.nframes and info_out.fps == info_in.fps
    m1_color = np.array(colormap_colors(2, "rainbow")[0])
    with VideoReader(out[0]) as reader:
        frame = reader.read(7)
        last = reader.read(19)
    x, y = data[7, 0, 0, :2]
    assert np.abs(_pixel(frame, x, y) - m1_color).max() < 40  # m1's nose drawn in m1's colour
    assert np.abs(_pixel(frame, *data[7, 1, 0, :2]) - 128).max() < 25  # below pcutoff: not drawn
    assert np.abs(_pixel(frame, 50, 35) - 128).max() < 25  # background untouched
    assert np.abs(last.astype(int) - 128).max() < 25  # no tracks for the last frames: plain video
    # an existing video is kept with overwrite=False; bodypart colouring has its own name
    mtime = Path(out[0]).stat().st_mtime_ns
    assert madlc.create_labeled_video(config, [str(video)], color_by="individual", overwrite=False) == out
    assert Path(out[0]).stat().st_mtime_ns == mtime
    out_bp = madlc.create_labeled_video(config, [str(video)], keypoints_only=True, pcutoff=0.0, outputframerate=6)
    assert out_bp == [str(video.parent / f"toy{SCORER}_el_bp_labeled.mp4")]
    info_bp = video_info(out_bp[0])
    assert info_bp.nframes == 20 and info_bp.fps == 6.0
    with VideoReader(out_bp[0]) as reader:
        frame = reader.read(3)
    assert frame[5:, :5].max() < 20  # black background (keypoints_only)
    assert _pixel(frame, *data[3, 1, 0, :2]).max() > 60  # pcutoff 0: the uncertain point is drawn


def test_video_from_pickled_tracks_colours_tracklets(tmp_path):
    import madlc
    from madlc.io.tracklets import tracklet_header, write_tracklets
    from madlc.video.reader import VideoReader, video_info
    from madlc.video.writer import VideoWriter

    video = tmp_path / "clip.mp4"
    with VideoWriter(video, fps=10, size=(64, 48)) as w:
        for _ in range(8):
            w.write(np.zeros((48, 64, 3), np.uint8))
    tracklets = {"header": tracklet_header("DLC_x", ["a", "b"]),
                 0: {f: np.array([[10.0, 10.0, 0.9, -1], [14.0, 10.0, 0.9, -1]]) for f in range(8)},
                 1: {f: np.array([[40.0, 30.0, 0.9, -1], [56.0, 30.0, 0.3, -1]]) for f in range(2, 6)}}
    pickle_file = tmp_path / "clipDLC_x_el.pickle"
    write_tracklets(tracklets, pickle_file, nframes=8)
    out = madlc.create_video_from_pickled_tracks(str(video), str(pickle_file), pcutoff=0.6)
    assert out == str(tmp_path / "clipDLClabeled.mp4")
    assert video_info(out).nframes == 8
    with VideoReader(out) as reader:
        frame3, frame7 = reader.read(3), reader.read(7)
    c0, c1 = _pixel(frame3, 10, 10), _pixel(frame3, 40, 30)
    assert c0.max() > 60 and c1.max() > 60 and np.abs(c0 - c1).max() > 60  # two tracklets, two colours
    assert _pixel(frame3, 56, 30).max() < 30  # below pcutoff
    assert _pixel(frame7, 40, 30).max() < 30  # tracklet 1 ended
