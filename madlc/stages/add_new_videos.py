"""``add_new_videos``: add videos to a project's ``video_sets`` (linked or copied into videos/)."""
from __future__ import annotations

from pathlib import Path

from madlc.io.config import read_config, write_config
from madlc.project.discovery import list_videos
from madlc.project.manage import link_or_copy, register_videos


def add_new_videos(config: str, videos: list[str], copy_videos: bool = False) -> list[str]:
    """Add videos to a project's ``video_sets`` (linked or copied into videos/); return their project paths."""
    cfg = read_config(config)
    project = Path(cfg["project_path"])
    placed = link_or_copy(list_videos(videos, must_exist=True), project / "videos", copy_videos)
    register_videos(cfg, placed)
    write_config(cfg, config)
    for video in placed:
        (project / "labeled-data" / video.stem).mkdir(parents=True, exist_ok=True)
    return [str(p) for p in placed]
