"""madlc.stages.extract_frames: extract_frames (uniform, kmeans, start/stop, crop, bad inputs)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from madlc.errors import ConfigError, VideoError
from madlc.stages.extract_frames import extract_frames, frame_range, parse_crop, pick_kmeans, pick_uniform
from madlc.video.writer import VideoWriter

W, H, BITS = 96, 64, 8


def index_frame(i: int, scene: int = 0) -> np.ndarray:
    img = np.zeros((H, W, 3), np.uint8)
    img[H // 2:] = (60 * scene, 255 - 60 * scene, 40 + 50 * scene)  # bottom half: the scene's colour
    bw = W // BITS
    for b in range(BITS):
        if (i >> b) & 1:
            img[: H // 2, b * bw:(b + 1) * bw] = 255
    return img


def read_index(img: np.ndarray) -> int:
    bw = W // BITS
    return sum(1 << b for b in range(BITS) if img[: H // 2, b * bw + bw // 4:(b + 1) * bw - bw // 4].mean() > 127)


@pytest.fixture
def scene_project(tmp_path) -> str:
    """A project with one 120-frame video made of 4 visually distinct scenes of 30 frames."""
    from madlc.stages.create_new_project import create_new_project

    video = tmp_path / "src" / "scenes.avi"
    video.parent.mkdir()
    with VideoWriter(video, 30, (W, H), codec="MJPG") as writer:
        for i in range(120):
            writer.write(index_frame(i, scene=i // 30))
    return create_new_project("scenes", "tester", [str(video)], working_directory=str(tmp_path / "w"))


def _set(config: str, **edits) -> None:
    from madlc.stages.edit_config import edit_config

    edit_config(config, edits)


def test_pure_helpers():
    rng = np.random.default_rng(0)
    picks = pick_uniform(10, 110, 10, rng)
    assert len(picks) == 10 and len(set(picks)) == 10 and list(picks) == sorted(picks)
    assert ((picks >= 10) & (picks < 110)).all()
    assert (np.diff(picks) > 0).all() and np.histogram(picks, bins=5, range=(10, 110))[0].min() == 2
    np.testing.assert_array_equal(pick_uniform(0, 5, 10, rng), np.arange(5))
    assert frame_range(100, 0, 1) == (0, 100)
    assert frame_range(100, 0.25, 0.5) == (25, 50)
    assert frame_range(3, 0.9, 1.0) == (2, 3)
    assert parse_crop("0, 96, 4, 60", "v.mp4", 96, 64) == (0, 96, 4, 60)
    with pytest.raises(ConfigError, match="v.mp4.*outside"):
        parse_crop("0, 200, 0, 64", "v.mp4", 96, 64)
    with pytest.raises(ConfigError, match="not 'x1, x2, y1, y2'"):
        parse_crop("0, 96", "v.mp4", 96, 64)
    feats = np.concatenate([np.full((20, 5), v, np.uint8) for v in (0, 80, 160, 240)])
    picks = pick_kmeans(feats, np.arange(80), 4, np.random.default_rng(1))
    assert sorted(p // 20 for p in picks) == [0, 1, 2, 3]


def test_uniform_writes_exact_frames_with_dlc_names(scene_project):
    from madlc.project.config import load_config

    _set(scene_project, numframes2pick=6)
    written = extract_frames(scene_project, algo="uniform", seed=3)
    assert len(written) == 6
    folder = Path(load_config(scene_project)["project_path"]) / "labeled-data" / "scenes"
    names = sorted(p.name for p in folder.glob("*.png"))
    assert names == sorted(Path(w).name for w in written)
    for name in names:
        assert len(name) == len("img000.png")  # 120 frames -> 3 digits
        img = cv2.imread(str(folder / name))[..., ::-1]
        assert img.shape == (H, W, 3)
        assert read_index(img) == int(name[3:-4])  # the file holds the frame its name says
    # a second run with the same seed adds nothing (images exist and are kept)
    mtimes = {p: p.stat().st_mtime_ns for p in folder.glob("*.png")}
    assert extract_frames(scene_project, algo="uniform", seed=3) == []
    assert {p: p.stat().st_mtime_ns for p in folder.glob("*.png")} == mtimes


def test_start_stop_and_crop(scene_project):
    from madlc.project.config import load_config

    cfg = load_config(scene_project)
    video = next(iter(cfg["video_sets"]))
    _set(scene_project, numframes2pick=5, start=0.5, stop=0.75,
         video_sets={video: {"crop": "0, 48, 0, 32"}})
    written = extract_frames(scene_project, algo="uniform", crop=True, seed=0)
    idx = sorted(int(Path(w).name[3:-4]) for w in written)
    assert len(idx) == 5 and all(60 <= i < 90 for i in idx)
    for w in written:
        img = cv2.imread(w)
        assert img.shape == (32, 48, 3)


def test_kmeans_picks_one_frame_per_scene(scene_project):
    _set(scene_project, numframes2pick=4)
    written = extract_frames(scene_project, algo="kmeans", seed=0, cluster_step=2, cluster_color=True)
    scenes = sorted(int(Path(w).name[3:-4]) // 30 for w in written)
    assert scenes == [0, 1, 2, 3]
    for w in written:
        assert read_index(cv2.imread(w)[..., ::-1]) == int(Path(w).name[3:-4])


def test_extract_on_synthetic_project_keeps_labeled_images(synth_project_small_copy):
    folder = Path(synth_project_small_copy).parent / "labeled-data" / "synth0"
    before = {p.name: p.read_bytes() for p in folder.glob("*.png")}
    written = extract_frames(synth_project_small_copy, algo="kmeans", seed=1)
    assert 0 < len(written) <= 20
    assert all(len(Path(w).name) == len("img00.png") for w in written)
    for name, data in before.items():
        assert (folder / name).read_bytes() == data


def test_videos_option_and_userfeedback(scene_project, monkeypatch):
    _set(scene_project, numframes2pick=3)
    with pytest.raises(VideoError, match="other.mp4: not a video of this project"):
        extract_frames(scene_project, algo="uniform", videos=["other.mp4"])
    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    assert extract_frames(scene_project, algo="uniform", userfeedback=True) == []
    monkeypatch.setattr("builtins.input", lambda prompt="": "yes")
    assert len(extract_frames(scene_project, algo="uniform", userfeedback=True, videos=["scenes"])) == 3


def test_manual_mode_and_bad_arguments(scene_project, monkeypatch):
    opened = {}
    import madlc.webapp.server

    monkeypatch.setattr(madlc.webapp.server, "extract_frames_manual",
                        lambda config, video=None, **kw: opened.update(config=config, video=video))
    extract_frames(scene_project, mode="manual", videos=["scenes"])
    assert opened == {"config": str(scene_project), "video": "scenes"}
    with pytest.raises(ConfigError, match="unknown algo 'random'"):
        extract_frames(scene_project, algo="random")
    with pytest.raises(ConfigError, match="unknown mode"):
        extract_frames(scene_project, mode="auto")
    _set(scene_project, numframes2pick=0)
    with pytest.raises(ConfigError, match="numframes2pick"):
        extract_frames(scene_project, algo="uniform")


def test_missing_and_garbage_videos_are_named(scene_project, tmp_path):
    from madlc.io.config import read_config, write_config

    cfg = read_config(scene_project)
    video = Path(next(iter(cfg["video_sets"])))
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00not a video" * 300)
    cfg["video_sets"] = {str(tmp_path / "gone.mp4"): {"crop": "0, 96, 0, 64"}}
    write_config(cfg, scene_project)
    with pytest.raises(VideoError, match=r"gone\.mp4: no such video file"):
        extract_frames(scene_project, algo="uniform")
    cfg["video_sets"] = {str(garbage): {"crop": "0, 96, 0, 64"}}
    write_config(cfg, scene_project)
    with pytest.raises(VideoError, match=r"garbage\.mp4: "):
        extract_frames(scene_project, algo="kmeans")
    assert video.exists()


def test_extract_on_single_animal_project(synth_project_single, copy_project):
    config = copy_project(synth_project_single)
    _set(config, numframes2pick=25)
    written = extract_frames(config, algo="uniform", seed=0)
    folder = Path(config).parent / "labeled-data" / "synth0"
    assert 0 < len(written) <= 25 and len(list(folder.glob("*.png"))) == 20 + len(written)
