"""``create_new_project``: a project folder with config.yaml and links (or copies) of the videos (FORMATS.md §1)."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from madlc.errors import ConfigError, VideoError
from madlc.io.config import write_config
from madlc.project.discovery import list_videos
from madlc.project.manage import default_config, link_or_copy, new_project_settings, register_videos


def create_new_project(
    project: str,
    experimenter: str,
    videos: list[str],
    working_directory: str | None = None,
    copy_videos: bool = False,
    multianimal: bool = True,
) -> str:
    """Create a project folder with config.yaml and links (or copies) of the videos; return the config path.

    A multi-animal project also gets madlc.yaml, madlc's settings on top of config.yaml: the tracker is
    picked per video (``pipeline.track_method: auto``; config.yaml keeps DeepLabCut's ``default_track_method``).
    """
    for value, what in ((project, "project"), (experimenter, "experimenter")):
        if not value or not value.strip():
            example = "openfield" if what == "project" else "alice"
            raise ConfigError(f"the {what} name is empty. What to do: give one, e.g. {example!r} "
                              "(no spaces or slashes; it becomes part of every file name).")
        if any(ch.isspace() or ch in "/\\" for ch in value):
            raise ConfigError(f"{what} name {value!r} contains spaces or slashes. What to do: use e.g. "
                              f"{value.strip().replace(' ', '_').replace('/', '_')!r}; it becomes part of every file name.")
    videos_found = list_videos(videos, must_exist=True)
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
    placed = link_or_copy(videos_found, folder / "videos", copy_videos)
    cfg = default_config(project, experimenter, multianimal)
    cfg["project_path"] = str(folder)
    register_videos(cfg, placed)
    config_path = write_config(cfg, folder / "config.yaml")
    settings = new_project_settings(multianimal)
    if settings:
        from madlc.io.atomic import atomic_path

        with atomic_path(folder / "madlc.yaml") as tmp:
            tmp.write_text(settings)
    for video in placed:
        (folder / "labeled-data" / video.stem).mkdir(exist_ok=True)
    print(f'Created "{folder}". Edit {config_path} (individuals, body parts), then extract frames.')
    return str(config_path)
