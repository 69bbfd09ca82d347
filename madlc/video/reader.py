"""Reading videos: metadata, streamed frames, frame-accurate random access.

Frames are RGB ``uint8`` arrays of shape ``(height, width, 3)``. Reading is streamed
(one frame in memory at a time). Random access seeks with OpenCV and checks the
position it landed on; where a container does not seek exactly, it falls back to
decoding forward from the nearest earlier position it trusts.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from madlc.errors import VideoError


@dataclass(frozen=True)
class VideoInfo:
    """What a video is: size in pixels, frame count, frames per second."""

    path: str
    width: int
    height: int
    nframes: int
    fps: float

    @property
    def crop_string(self) -> str:
        """config.yaml's ``video_sets`` crop: ``"0, width, 0, height"``."""
        return f"0, {self.width}, 0, {self.height}"


def _open(path: str | Path):
    import cv2

    path = Path(path)
    if not path.exists():
        raise VideoError(f"{path}: no such video file. What to do: check the path (or the symlink in videos/).")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise VideoError(f"{path}: cannot be opened as a video (unknown or damaged container). "
                         "What to do: check it plays in a video player, or re-encode it (e.g. ffmpeg -i in.avi -c:v libx264 out.mp4).")
    return cap


def video_info(path: str | Path) -> VideoInfo:
    """Width, height, frame count and fps of a video; VideoError if it cannot be decoded."""
    import cv2

    cap = _open(path)
    try:
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        nframes = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        ok, _ = cap.read()
    finally:
        cap.release()
    if not ok or width <= 0 or height <= 0:
        raise VideoError(f"{path}: the first frame cannot be decoded. What to do: check the file plays, or re-encode it.")
    return VideoInfo(str(path), width, height, max(nframes, 0), fps if fps > 0 else 30.0)


class VideoReader:
    """Stream or seek frames of one video (RGB uint8). Use as a context manager or call close()."""

    def __init__(self, path: str | Path):
        import cv2

        self._cv2 = cv2
        self.path = Path(path)
        self.info = video_info(path)
        self._cap = _open(path)
        self._pos = 0  # index of the next frame a plain read() returns

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def __len__(self) -> int:
        return self.info.nframes

    def _next(self) -> np.ndarray | None:
        ok, frame = self._cap.read()
        if not ok:
            return None
        self._pos += 1
        return self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2RGB)

    def __iter__(self) -> Iterator[np.ndarray]:
        """Frames from the current position to the end."""
        while True:
            frame = self._next()
            if frame is None:
                return
            yield frame

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """``(index, frame)`` for frames ``start <= index < stop``, decoded sequentially."""
        self.seek(start)
        stop = self.info.nframes if stop is None else stop
        while self._pos < stop:
            index = self._pos
            frame = self._next()
            if frame is None:
                return
            yield index, frame

    def seek(self, index: int) -> None:
        """Position the reader so that the next frame read is ``index`` (exactly)."""
        if index == self._pos:
            return
        cv2 = self._cv2
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        landed = int(self._cap.get(cv2.CAP_PROP_POS_FRAMES))
        if landed == index:
            self._pos = index
            return
        # inexact container: decode forward from the start (or from where we are, if before the target)
        if self._pos > index or landed > index:
            self._cap.release()
            self._cap = _open(self.path)
            self._pos = 0
        while self._pos < index:
            if not self._cap.grab():
                raise VideoError(f"{self.path}: frame {index} cannot be reached (the video ends at {self._pos}).")
            self._pos += 1

    def read(self, index: int) -> np.ndarray:
        """Frame ``index`` (RGB uint8); VideoError naming the frame if it cannot be decoded."""
        if index < 0 or (self.info.nframes and index >= self.info.nframes):
            raise VideoError(f"{self.path}: frame {index} is out of range (the video has {self.info.nframes} frames).")
        self.seek(index)
        frame = self._next()
        if frame is None:
            raise VideoError(f"{self.path}: frame {index} cannot be decoded. What to do: re-encode the video, or skip this frame.")
        return frame
