"""Project management helpers: the default config.yaml, placing videos, finding a project's videos.

The stages are ``create_new_project``, ``add_new_videos`` and ``edit_config`` (madlc/stages/).

A project folder is ``<working_directory>/<Task>-<experimenter>-<YYYY-MM-DD>/`` with
``config.yaml``, ``videos/``, ``labeled-data/``, ``training-datasets/`` and ``dlc-models/``
(FORMATS.md §1). Paths inside the project are found from config.yaml's own location, so
a project folder can be moved or copied to another machine and still opens.
"""
from __future__ import annotations

import datetime as _dt
import os
import shutil
from pathlib import Path
from typing import Any

from madlc.errors import VideoError
from madlc.project.config import DEFAULT_PCUTOFF, load_config



#: madlc.yaml of a project madlc creates: madlc's choices on top of config.yaml (which DeepLabCut reads too)
NEW_PROJECT_SETTINGS = """\
# madlc's settings for this project, on top of config.yaml (which DeepLabCut reads too).
# Every setting, its default and where its value comes from: `madlc show-settings config.yaml`.
pipeline:
  # the tracker, picked per video from how crowded the animals are (README: Tracking crowded
  # animals); null = config.yaml's default_track_method, as DeepLabCut does
  track_method: auto
"""


def new_project_settings(multianimal: bool = True) -> str:
    """The text of a new project's madlc.yaml (empty for a single-animal project: no tracker to choose)."""
    return NEW_PROJECT_SETTINGS if multianimal else ""


#: what a project's tracker may be: picked per video (madlc.yaml) or one of DeepLabCut's (config.yaml)
TRACK_METHODS = ("auto", "ellipse", "box", "skeleton")


def set_track_method(config: str | Path, method: str) -> str:
    """Make ``method`` the project's tracker, where both programs look for it.

    ``auto`` goes to madlc.yaml (``pipeline.track_method``; DeepLabCut reads only config.yaml, whose
    ``default_track_method`` stays one it knows). A named tracker goes to config.yaml's
    ``default_track_method``, and a ``pipeline.track_method`` in madlc.yaml is cleared (null) so that
    config.yaml decides for madlc too. Returns the tracker the project now uses.
    """
    from madlc.config.resolve import project_settings_path
    from madlc.errors import ConfigError
    from madlc.io.config import read_config, write_config, write_setting
    from madlc.project.discovery import project_track_method, resolve_track_method

    if method not in TRACK_METHODS:
        raise ConfigError(f"track method {method!r}: not one of {', '.join(TRACK_METHODS)}. What to do: pick one "
                          "(auto = picked per video from how crowded the animals are).")
    settings = project_settings_path(config)
    if method == "auto":
        write_setting(settings, "pipeline.track_method", "auto")
    else:
        cfg = read_config(config)
        if cfg.get("default_track_method") != method:
            cfg["default_track_method"] = method
            write_config(cfg, Path(cfg["project_path"]) / "config.yaml")
        chosen = project_track_method(load_config(config))
        if chosen:
            write_setting(settings, "pipeline.track_method", None)
            print(f"{settings}: pipeline.track_method {chosen} cleared; config.yaml's default_track_method "
                  f"{method} now decides for madlc too.")
    return resolve_track_method(load_config(config))


def default_config(project: str, experimenter: str, multianimal: bool = True, date: str | None = None) -> dict[str, Any]:
    """The config.yaml content DeepLabCut 3.0 writes for a new project (before videos are added)."""
    today = _dt.date.today()
    cfg: dict[str, Any] = {
        "Task": project,
        "scorer": experimenter,
        "date": date or f"{today.strftime('%b')}{today.day}",
        "multianimalproject": bool(multianimal),
        "identity": False if multianimal else None,
        "project_path": "",
        "engine": "pytorch",
        "video_sets": {},
    }
    if multianimal:
        cfg.update({
            "individuals": ["individual1", "individual2", "individual3"],
            "uniquebodyparts": [],
            "multianimalbodyparts": ["bodypart1", "bodypart2", "bodypart3"],
            "bodyparts": "MULTI!",
        })
        skeleton = [["bodypart1", "bodypart2"], ["bodypart2", "bodypart3"], ["bodypart1", "bodypart3"]]
    else:
        cfg["bodyparts"] = ["bodypart1", "bodypart2", "bodypart3", "objectA"]
        skeleton = [["bodypart1", "bodypart2"], ["objectA", "bodypart3"]]
    cfg.update({
        "start": 0, "stop": 1, "numframes2pick": 20,
        "skeleton": skeleton, "skeleton_color": "black", "pcutoff": DEFAULT_PCUTOFF, "dotsize": 12,
        "alphavalue": 0.7, "colormap": "rainbow",
        "TrainingFraction": [0.95], "iteration": 0,
        "default_net_type": "dlcrnet_ms5" if multianimal else "resnet_50",
        "default_augmenter": "albumentations", "default_track_method": "ellipse",
        "snapshotindex": -1, "detector_snapshotindex": -1, "batch_size": 8,
        "cropping": False, "x1": 0, "x2": 640, "y1": 277, "y2": 624,
        "corner2move2": [50, 50], "move2corner": True,
        "detector_batch_size": 1,
    })
    if not multianimal:
        del cfg["identity"]
    return cfg


def link_or_copy(videos: list[Path], video_dir: Path, copy_videos: bool) -> list[Path]:
    from madlc.video.reader import video_info

    placed = []
    for src in videos:
        video_info(src)  # unreadable videos are refused before anything is written
        dst = video_dir / src.name
        if dst.exists() or dst.is_symlink():
            if dst.resolve() != src.resolve():
                raise VideoError(f"{dst}: a different video with this name is already in the project. "
                                 "What to do: rename one of the videos (madlc matches videos to labels by name).")
        elif copy_videos:
            shutil.copy2(src, dst)
        else:
            try:
                os.symlink(src.resolve(), dst)
            except OSError:  # filesystems without symlinks (some network drives, Windows without rights)
                shutil.copy2(src, dst)
        placed.append(dst)
    return placed


def register_videos(cfg: dict[str, Any], videos: list[Path]) -> None:
    from madlc.video.reader import video_info

    video_sets = dict(cfg.get("video_sets") or {})
    for video in videos:
        info = video_info(video)
        video_sets[str(video.absolute())] = {"crop": info.crop_string}
    cfg["video_sets"] = video_sets


def project_videos(config: str | Path | dict[str, Any]) -> list[Path]:
    """The project's videos, found even after the project folder was moved.

    A ``video_sets`` path that no longer exists is looked up by name in the project's videos/ folder.
    """
    cfg = load_config(config)
    project = Path(cfg["project_path"])
    out = []
    for key in cfg.get("video_sets") or {}:
        path = Path(str(key).replace("\\", "/"))
        if not path.exists() and (project / "videos" / path.name).exists():
            path = project / "videos" / path.name
        out.append(path)
    return out
