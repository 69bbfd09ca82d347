"""Project management with the user guide's names: create a project, add videos, edit config.yaml.

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

from madlc.errors import ConfigError, VideoError
from madlc.io.config import read_config, write_config
from madlc.project.config import load_config, validate_config

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".mpg", ".mpeg", ".m4v", ".wmv")


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
        "skeleton": skeleton, "skeleton_color": "black", "pcutoff": 0.6, "dotsize": 12,
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


def _expand_videos(videos: list[str] | str, videotype: str = "") -> list[Path]:
    """Video files from a list of files and/or folders; VideoError for a path that does not exist."""
    if isinstance(videos, (str, Path)):
        videos = [videos]
    found: list[Path] = []
    for entry in videos:
        p = Path(entry).expanduser()
        if p.is_dir():
            exts = (videotype if videotype.startswith(".") else f".{videotype}",) if videotype else VIDEO_EXTENSIONS
            found += sorted(f for f in p.iterdir() if f.suffix.lower() in exts and not f.name.startswith("."))
        elif p.exists():
            found.append(p)
        else:
            raise VideoError(f"{p}: no such video file or folder. What to do: check the path; "
                             "pass full paths of existing videos (or a folder that holds them).")
    return found


def _link_or_copy(videos: list[Path], video_dir: Path, copy_videos: bool) -> list[Path]:
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


def _register_videos(cfg: dict[str, Any], videos: list[Path]) -> None:
    from madlc.video.reader import video_info

    video_sets = dict(cfg.get("video_sets") or {})
    for video in videos:
        info = video_info(video)
        video_sets[str(video.absolute())] = {"crop": info.crop_string}
    cfg["video_sets"] = video_sets


def create_new_project(
    project: str,
    experimenter: str,
    videos: list[str],
    working_directory: str | None = None,
    copy_videos: bool = False,
    multianimal: bool = True,
) -> str:
    """Create a project folder with config.yaml and links (or copies) of the videos; return the config path."""
    for value, what in ((project, "project"), (experimenter, "experimenter")):
        if not value or not value.strip():
            example = "openfield" if what == "project" else "alice"
            raise ConfigError(f"the {what} name is empty. What to do: give one, e.g. {example!r} "
                              "(no spaces or slashes; it becomes part of every file name).")
        if any(ch.isspace() or ch in "/\\" for ch in value):
            raise ConfigError(f"{what} name {value!r} contains spaces or slashes. What to do: use e.g. "
                              f"{value.strip().replace(' ', '_').replace('/', '_')!r}; it becomes part of every file name.")
    videos_found = _expand_videos(videos)
    if not videos_found:
        raise VideoError(f"no videos found in {list(videos)}. What to do: pass video files (.mp4, .avi, ...) or folders holding them.")
    from madlc.video.reader import video_info

    for video in videos_found:
        video_info(video)  # refuse unreadable videos before any folder is made
    root = Path(working_directory or ".").expanduser().resolve()
    folder = root / f"{project}-{experimenter}-{_dt.date.today().isoformat()}"
    if (folder / "config.yaml").exists():
        raise ConfigError(f"{folder}: a project already exists here. What to do: open its config.yaml, "
                          "or choose another project name.")
    for sub in ("videos", "labeled-data", "training-datasets", "dlc-models"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    placed = _link_or_copy(videos_found, folder / "videos", copy_videos)
    cfg = default_config(project, experimenter, multianimal)
    cfg["project_path"] = str(folder)
    _register_videos(cfg, placed)
    config_path = write_config(cfg, folder / "config.yaml")
    for video in placed:
        (folder / "labeled-data" / video.stem).mkdir(exist_ok=True)
    print(f'Created "{folder}". Edit {config_path} (individuals, body parts), then extract frames.')
    return str(config_path)


def add_new_videos(config: str, videos: list[str], copy_videos: bool = False) -> list[str]:
    """Add videos to a project's ``video_sets`` (linked or copied into videos/); return their project paths."""
    cfg = read_config(config)
    project = Path(cfg["project_path"])
    placed = _link_or_copy(_expand_videos(videos), project / "videos", copy_videos)
    _register_videos(cfg, placed)
    write_config(cfg, config)
    for video in placed:
        (project / "labeled-data" / video.stem).mkdir(parents=True, exist_ok=True)
    return [str(p) for p in placed]


def edit_config(config: str, edits: dict[str, Any]) -> str:
    """Set keys of config.yaml (``edits`` = {key: value}), validate, and write it back atomically.

    Unknown keys are refused (DeepLabCut 3 refuses to open a config with keys it does not know).
    From the command line: ``madlc edit-config CONFIG "{colormap: summer, individuals: [a, b]}"``.
    """
    from madlc.io.config import KEY_ORDER

    if not isinstance(edits, dict):
        raise ConfigError(f"edits must be a mapping of config keys to values, got {edits!r}. "
                          "What to do: pass e.g. {'colormap': 'summer'}.")
    cfg = read_config(config)
    allowed = set(KEY_ORDER) | {"config_version", "pose_config_path", "resnet", "croppedtraining", "eval_prefix"} | set(cfg)
    unknown = sorted(set(edits) - allowed)
    if unknown:
        raise ConfigError(f"{config}: {unknown} are not DeepLabCut config keys (DeepLabCut would refuse the file). "
                          "What to do: put madlc settings in madlc.yaml next to config.yaml instead.")
    for key, value in edits.items():
        cfg[key] = value
    validate_config(cfg, config)
    write_config(cfg, config)
    return str(config)


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
