"""madlc.project: create_new_project, add_new_videos, edit_config, config validation and its errors."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest

from madlc.errors import ConfigError, VideoError
from madlc.io.config import read_config, write_config
from madlc.project.config import load_config, validate_config
from madlc.project.manage import project_videos
from madlc.stages.add_new_videos import add_new_videos
from madlc.stages.create_new_project import create_new_project
from madlc.stages.edit_config import edit_config


def _video(path: Path, n: int = 12, size: tuple[int, int] = (64, 48)) -> Path:
    from madlc.video.writer import VideoWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with VideoWriter(path, 25, size) as writer:
        for i in range(n):
            writer.write(np.full((size[1], size[0], 3), 10 * i, np.uint8))
    return path


@pytest.fixture
def videos(tmp_path) -> list[Path]:
    return [_video(tmp_path / "raw" / "mouse_a.mp4"), _video(tmp_path / "raw" / "mouse_b.mp4", size=(80, 64))]


def test_create_new_project_layout_and_config(tmp_path, videos):
    config = create_new_project("reach", "alice", [str(v) for v in videos], working_directory=str(tmp_path))
    root = tmp_path / f"reach-alice-{dt.date.today().isoformat()}"
    assert config == str(root / "config.yaml")
    for sub in ("videos", "labeled-data", "training-datasets", "dlc-models"):
        assert (root / sub).is_dir()
    for v in videos:
        link = root / "videos" / v.name
        assert link.is_symlink() and link.resolve() == v.resolve()
        assert (root / "labeled-data" / v.stem).is_dir()
    cfg = load_config(config)
    today = dt.date.today()
    assert cfg["Task"] == "reach" and cfg["scorer"] == "alice"
    assert cfg["date"] == f"{today.strftime('%b')}{today.day}"
    assert cfg["multianimalproject"] is True and cfg["bodyparts"] == "MULTI!"
    assert cfg["project_path"] == str(root)
    assert cfg["video_sets"] == {str(root / "videos" / "mouse_a.mp4"): {"crop": "0, 64, 0, 48"},
                                 str(root / "videos" / "mouse_b.mp4"): {"crop": "0, 80, 0, 64"}}
    assert len(cfg["individuals"]) == 3 and len(cfg["multianimalbodyparts"]) == 3
    assert cfg["uniquebodyparts"] == [] and cfg["engine"] == "pytorch"
    text = Path(config).read_text()
    assert text.index("Task:") < text.index("video_sets:") < text.index("skeleton:") < text.index("cropping:")


def test_create_project_copy_videos_folder_and_single_animal(tmp_path, videos):
    config = create_new_project("single", "bob", [str(videos[0].parent)], working_directory=str(tmp_path / "w"),
                                copy_videos=True, multianimal=False)
    root = Path(config).parent
    copied = root / "videos" / "mouse_a.mp4"
    assert copied.exists() and not copied.is_symlink()
    assert (root / "videos" / "mouse_b.mp4").exists()  # a folder brings all its videos
    cfg = load_config(config)
    assert cfg["multianimalproject"] is False and isinstance(cfg["bodyparts"], list)
    assert "identity" not in cfg and "individuals" not in cfg


def test_create_project_bad_inputs(tmp_path, videos):
    with pytest.raises(ConfigError, match="'my project' contains spaces"):
        create_new_project("my project", "alice", [str(videos[0])], working_directory=str(tmp_path))
    with pytest.raises(ConfigError, match="experimenter"):
        create_new_project("p", "a/b", [str(videos[0])], working_directory=str(tmp_path))
    with pytest.raises(VideoError, match=r"missing\.mp4: no such video"):
        create_new_project("p", "alice", [str(tmp_path / "missing.mp4")], working_directory=str(tmp_path))
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x01\x02garbage" * 500)
    with pytest.raises(VideoError, match=r"garbage\.mp4: "):
        create_new_project("g", "alice", [str(garbage)], working_directory=str(tmp_path / "g"))
    assert not (tmp_path / "g").exists() or not any((tmp_path / "g").iterdir())  # nothing half-made
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(VideoError, match="no videos found"):
        create_new_project("e", "alice", [str(empty)], working_directory=str(tmp_path))
    create_new_project("twice", "alice", [str(videos[0])], working_directory=str(tmp_path))
    with pytest.raises(ConfigError, match="already exists"):
        create_new_project("twice", "alice", [str(videos[0])], working_directory=str(tmp_path))


def test_add_new_videos(tmp_path, videos):
    config = create_new_project("add", "alice", [str(videos[0])], working_directory=str(tmp_path))
    root = Path(config).parent
    extra = _video(tmp_path / "raw2" / "extra.avi", size=(96, 72))
    placed = add_new_videos(config, [str(extra)], copy_videos=True)
    assert placed == [str(root / "videos" / "extra.avi")]
    cfg = load_config(config)
    assert cfg["video_sets"][str(root / "videos" / "extra.avi")] == {"crop": "0, 96, 0, 72"}
    assert len(cfg["video_sets"]) == 2 and (root / "labeled-data" / "extra").is_dir()
    add_new_videos(config, [str(videos[0])])  # the same video again: nothing changes
    assert len(load_config(config)["video_sets"]) == 2
    clash = _video(tmp_path / "other" / "mouse_a.mp4", n=3)
    with pytest.raises(VideoError, match="different video with this name"):
        add_new_videos(config, [str(clash)])
    with pytest.raises(VideoError, match=r"nope\.mp4"):
        add_new_videos(config, [str(tmp_path / "nope.mp4")])


def test_edit_config_sets_validates_and_refuses(tmp_path, videos):
    config = create_new_project("edit", "alice", [str(videos[0])], working_directory=str(tmp_path))
    edit_config(config, {"colormap": "summer", "individuals": ["m1", "m2"],
                         "multianimalbodyparts": ["snout", "tail"], "skeleton": [["snout", "tail"]]})
    cfg = load_config(config)
    assert cfg["colormap"] == "summer" and cfg["individuals"] == ["m1", "m2"]
    before = Path(config).read_text()
    with pytest.raises(ConfigError, match=r"\['madlc_setting'\] are not DeepLabCut config keys"):
        edit_config(config, {"madlc_setting": 1})
    with pytest.raises(ConfigError, match="'m 3' with a space"):
        edit_config(config, {"individuals": ["m1", "m 3"]})
    with pytest.raises(ConfigError, match="mapping"):
        edit_config(config, ["colormap", "summer"])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="madlc.yaml"):
        edit_config(config, {"default_track_method": "auto"})  # DeepLabCut could not read it
    assert Path(config).read_text() == before  # refused edits leave the file as it was


def test_a_new_project_tracks_with_auto_and_edit_config_names_another(tmp_path, videos):
    """create_new_project writes madlc.yaml with pipeline.track_method auto (config.yaml keeps DeepLabCut's
    default_track_method); naming a tracker with edit_config makes madlc use it too."""
    from madlc.project.discovery import resolve_track_method

    config = create_new_project("trk", "alice", [str(videos[0])], working_directory=str(tmp_path))
    settings = Path(config).parent / "madlc.yaml"
    assert "track_method: auto" in settings.read_text()
    assert load_config(config)["default_track_method"] == "ellipse" and resolve_track_method(load_config(config)) == "auto"
    edit_config(config, {"default_track_method": "box"})
    assert resolve_track_method(load_config(config)) == "box"
    assert "# the tracker" in settings.read_text()  # its comments are kept
    single = create_new_project("one", "alice", [str(videos[0])], working_directory=str(tmp_path), multianimal=False)
    assert not (Path(single).parent / "madlc.yaml").exists()  # no tracker to choose


def test_user_comments_survive_edit_config(tmp_path, videos):
    config = create_new_project("cmt", "alice", [str(videos[0])], working_directory=str(tmp_path))
    text = Path(config).read_text().replace("pcutoff: 0.6", "pcutoff: 0.6  # my threshold")
    Path(config).write_text(text)
    edit_config(config, {"pcutoff": 0.4})
    out = Path(config).read_text()
    assert "pcutoff: 0.4" in out and "# my threshold" in out


BASE = {
    "Task": "t", "scorer": "s", "date": "Jan1", "multianimalproject": True, "project_path": "/p",
    "individuals": ["a", "b"], "multianimalbodyparts": ["head", "tail"], "uniquebodyparts": ["corner"],
    "bodyparts": "MULTI!", "skeleton": [["head", "tail"]], "TrainingFraction": [0.95], "start": 0, "stop": 1,
}


@pytest.mark.parametrize("edits, message", [
    ({"individuals": ["a", "a"]}, r"'individuals' lists \['a'\] more than once"),
    ({"multianimalbodyparts": ["head", "left ear"]}, "'left ear' with a space"),
    ({"uniquebodyparts": ["head"]}, "'head' is in both"),
    ({"skeleton": [["head", "nose"]]}, r"names \['nose'\], which is not a body part"),
    ({"skeleton": [["head"]]}, "is not a pair"),
    ({"individuals": []}, "'individuals' is empty"),
    ({"individuals": ["a", "single"]}, "reserves for unique"),
    ({"multianimalbodyparts": [], "uniquebodyparts": []}, "'multianimalbodyparts' is empty"),
    ({"TrainingFraction": [1.5]}, "TrainingFraction value 1.5"),
    ({"start": 0.8, "stop": 0.2}, "start=0.8, stop=0.2"),
    ({"cropping": True, "x1": 10, "x2": 5, "y1": 0, "y2": 10}, "do not make a box"),
    ({"Task": ""}, "'Task' is missing"),
    ({"pcutoff": 5}, r"pcutoff=5 is not a number in \[0, 1\]"),
    ({"numframes2pick": -3}, "numframes2pick=-3 is not a whole number >= 1"),
    ({"numframes2pick": 2.5}, "numframes2pick=2.5 is not a whole number"),
    ({"dotsize": 0}, "dotsize=0 is not a number > 0"),
    ({"pcutoff": "high"}, "pcutoff='high'"),
])
def test_validation_errors_name_file_key_and_fix(edits, message):
    cfg = dict(BASE, **edits)
    with pytest.raises(ConfigError, match=message) as info:
        validate_config(cfg, "/proj/config.yaml")
    assert str(info.value).startswith("/proj/config.yaml: ") and "What to do:" in str(info.value)


def test_validation_accepts_good_configs():
    assert validate_config(dict(BASE)) is not None
    single = {"Task": "t", "scorer": "s", "date": "Jan1", "multianimalproject": False,
              "bodyparts": ["head", "tail"], "skeleton": [["head", "tail"]]}
    assert validate_config(single) is not None
    with pytest.raises(ConfigError, match="'bodyparts' is empty"):
        validate_config(dict(single, bodyparts=[]))


def test_read_config_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"config\.yaml: no such config file"):
        read_config(tmp_path / "config.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("Task: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: not valid YAML"):
        read_config(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        read_config(listy)
    foreign = tmp_path / "foreign.yaml"
    foreign.write_text("name: x\n")
    with pytest.raises(ConfigError, match="not a DeepLabCut config"):
        read_config(foreign)


def test_moved_project_still_opens_and_finds_its_videos(tmp_path, synth_project_small):
    src = Path(synth_project_small).parent
    moved = tmp_path / "elsewhere" / "proj"
    shutil.copytree(src, moved)
    cfg = load_config(moved / "config.yaml")
    assert cfg["project_path"] == str(moved)
    # video_sets still name the old place; project_videos finds them in the moved videos/ folder
    cfg["video_sets"] = {"/old/place/videos/synth0.mp4": {"crop": "0, 128, 0, 96"}}
    write_config(cfg, moved / "config.yaml")
    assert project_videos(str(moved / "config.yaml")) == [moved / "videos" / "synth0.mp4"]
    # the directory itself may be passed instead of config.yaml
    assert load_config(moved)["Task"] == "synth"


def test_cli_create_new_project(tmp_path, videos, capsys):
    from madlc.cli import main

    rc = main(["create-new-project", "cli", "carol", str(videos[0]), str(videos[1]),
               "--working-directory", str(tmp_path), "--copy-videos"])
    assert rc in (0, None)
    out = capsys.readouterr().out
    root = tmp_path / f"cli-carol-{dt.date.today().isoformat()}"
    assert str(root / "config.yaml") in out
    assert len(load_config(root / "config.yaml")["video_sets"]) == 2
    rc = main(["create-new-project", "bad name", "carol", str(videos[0]), "--working-directory", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2 and "contains spaces" in err and "Traceback" not in err
