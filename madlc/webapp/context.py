"""The open project as the GUI server sees it, and the one gate every file path goes through.

Every route that touches a file asks :class:`ProjectContext` for it. Paths from the browser
are *relative to the project folder*; anything absolute, containing ``..`` or resolving
outside the folder is refused with 403 — except files the Python caller named explicitly
(``serve_page(config, "refine", tracks="/elsewhere/x_el.h5")``), which are registered by
exact path, and the project's own video links in ``videos/`` (which point outside).
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from fastapi import HTTPException

from madlc.errors import MadlcError


class PathRejected(HTTPException):
    def __init__(self, rel: str, why: str):
        super().__init__(status_code=403, detail=f"{rel!r}: {why}. The GUI only opens files inside the project folder.")


def _stamp(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class ProjectContext:
    """The open project: its config, folder, videos, and safe path resolution."""

    def __init__(self, config: str | Path | None = None):
        self.lock = threading.RLock()
        self.config_path: Path | None = None
        self.root: Path | None = None
        self.cfg: dict[str, Any] = {}
        self.extra_files: dict[str, Path] = {}  # name -> absolute path named by the Python caller
        self.config_stamp: str = ""  # hash of config.yaml as last read (the page sends it back when saving)
        self.config_error: str | None = None  # why config.yaml on disk cannot be used now (None: it can)
        if config:
            self.open(config)

    # -- project -------------------------------------------------------------------------
    def open(self, config: str | Path) -> dict[str, Any]:
        from madlc.project.config import load_config

        path = Path(config).expanduser()
        if path.is_dir():
            path = path / "config.yaml"
        if path.name != "config.yaml" or not path.exists():
            raise MadlcError(f"{path}: no config.yaml there. What to do: give the path of a project's config.yaml.")
        stamp = _stamp(path)
        cfg = load_config(path)
        with self.lock:
            self.config_path = path.resolve()
            self.root = self.config_path.parent
            self.cfg = cfg
            self.config_stamp = stamp
            self.config_error = None
        return cfg

    def refresh_if_changed(self) -> bool:
        """Re-read config.yaml if its content changed since it was read; True if it did.

        A file that cannot be used (invalid YAML, a bad value) keeps the last good settings and sets
        :attr:`config_error`, which the project page shows.
        """
        if self.config_path is None or not self.config_path.exists():
            return False
        if _stamp(self.config_path) == self.config_stamp and self.config_error is None:
            return False
        try:
            self.open(self.config_path)
        except MadlcError as err:
            self.config_error = str(err)
            return False
        return True

    def reload(self) -> dict[str, Any]:
        if self.config_path is None:
            return {}
        return self.open(self.config_path)

    def require(self) -> Path:
        if self.root is None:
            raise HTTPException(status_code=409, detail="No project is open. Open or create one on the Project page.")
        return self.root

    def register_extra(self, path: str | Path) -> str:
        """Allow one file outside the project (named by the Python caller); return the name the pages use."""
        p = Path(path).expanduser().resolve()
        root = self.root
        if root is not None and _inside(str(p), str(root)):
            return p.relative_to(root).as_posix()
        self.extra_files[p.as_posix()] = p
        return p.as_posix()

    # -- paths -----------------------------------------------------------------------------
    def safe_path(self, rel: str, must_exist: bool = True) -> Path:
        """``rel`` (project-relative, '/'-separated) as an absolute path inside the project; 403 otherwise."""
        root = self.require()
        if rel in self.extra_files:
            path = self.extra_files[rel]
            if must_exist and not path.exists():
                raise HTTPException(status_code=404, detail=f"{path}: no such file.")
            return path
        if not rel or "\x00" in rel:
            raise PathRejected(rel, "empty or invalid path")
        if PurePosixPath(rel).is_absolute() or PureWindowsPath(rel).is_absolute() or PureWindowsPath(rel).drive:
            raise PathRejected(rel, "absolute paths are not accepted")
        parts = rel.replace("\\", "/").split("/")
        if any(part == ".." for part in parts):
            raise PathRejected(rel, "'..' is not accepted")
        path = root.joinpath(*[p for p in parts if p not in ("", ".")])
        lexical = os.path.normpath(str(path))
        if not _inside(lexical, str(root)):
            raise PathRejected(rel, "outside the project folder")
        real = os.path.realpath(lexical)
        if not _inside(real, os.path.realpath(root)) and not self._is_video_link(Path(lexical)):
            raise PathRejected(rel, "it links outside the project folder")
        if must_exist and not os.path.exists(real):
            raise HTTPException(status_code=404, detail=f"{rel}: no such file in the project.")
        return Path(lexical)

    def _is_video_link(self, path: Path) -> bool:
        """The project's own video links (videos/<name> -> the original video elsewhere)."""
        from madlc.project.discovery import VIDEO_EXTENSIONS

        assert self.root is not None
        return path.parent == self.root / "videos" and path.is_symlink() and path.suffix.lower() in VIDEO_EXTENSIONS

    def relative(self, path: Path) -> str:
        root = self.require()
        try:
            return Path(os.path.normpath(path)).relative_to(root).as_posix()
        except ValueError:
            return self.register_extra(path)

    # -- videos ----------------------------------------------------------------------------
    def videos(self) -> dict[str, Path]:
        """Video name (file name) -> path, for the project's videos and caller-named extra videos."""
        from madlc.project.discovery import VIDEO_EXTENSIONS
        from madlc.project.manage import project_videos

        root = self.require()
        found: dict[str, Path] = {}
        try:
            for p in project_videos(self.config_path):
                if p.exists():
                    found.setdefault(p.name, p)
        except MadlcError:
            pass
        vdir = root / "videos"
        if vdir.is_dir():
            for p in sorted(vdir.iterdir()):
                if p.suffix.lower() in VIDEO_EXTENSIONS and not p.name.startswith("."):
                    found.setdefault(p.name, p)
        for p in self.extra_files.values():
            if p.suffix.lower() in VIDEO_EXTENSIONS:
                found.setdefault(p.name, p)
        return found

    def video(self, name: str) -> Path:
        """A video by file name (never a path from the browser)."""
        videos = self.videos()
        if name not in videos:
            raise HTTPException(status_code=404, detail=f"{name!r} is not a video of this project. "
                                                        f"Known videos: {sorted(videos)}.")
        return videos[name]
