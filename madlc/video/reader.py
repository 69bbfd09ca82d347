"""Reading videos: metadata, streamed frames, frame-accurate random access.

Frames are RGB ``uint8`` arrays of shape ``(height, width, 3)``. Reading is streamed
(one frame in memory at a time). Random access seeks with OpenCV and then checks that the
decoded frame is the one asked for (its timestamp must be ``index / fps``); where a
container does not seek exactly, the reader switches to decoding forward from the nearest
earlier position it trusts (the current position or the start), so ``read(i)`` always
returns frame ``i`` of a sequential decode. Checked on mp4v (.mp4/.avi), MJPG, XVID and
H.264 (.mp4/.mkv) files by ``tests/test_video_reader.py`` with frames that encode their own index.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from madlc.errors import VideoError

#: seeking forward by at most this many frames decodes instead (cheaper than a container seek)
_GRAB_AHEAD = 16


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

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.nframes / self.fps if self.fps > 0 else 0.0


def _open(path: str | Path):
    import cv2

    path = Path(path)
    if not path.exists():
        raise VideoError(f"{path}: no such video file. What to do: check the path (or the symlink in videos/).")
    if path.is_dir():
        raise VideoError(f"{path}: is a folder, not a video file. What to do: pass the video file itself.")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise VideoError(f"{path}: cannot be opened as a video (unknown or damaged container). "
                         "What to do: check it plays in a video player, or re-encode it (e.g. ffmpeg -i in.avi -c:v libx264 out.mp4).")
    return cap


def _count_frames(cap) -> int:
    n = 0
    while cap.grab():
        n += 1
    return n


def video_info(path: str | Path) -> VideoInfo:
    """Width, height, frame count and fps of a video; VideoError if it cannot be decoded.

    Containers that do not store a frame count (some .mkv/.webm) are counted by decoding.
    """
    import cv2

    cap = _open(path)
    try:
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        nframes = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        ok, _ = cap.read()
        if ok and nframes <= 0:
            nframes = 1 + _count_frames(cap)
    finally:
        cap.release()
    if not ok or width <= 0 or height <= 0:
        raise VideoError(f"{path}: the first frame cannot be decoded (empty, truncated or not a video). "
                         "What to do: check the file plays, or re-encode it.")
    return VideoInfo(str(path), width, height, max(nframes, 0), fps if fps > 0 and np.isfinite(fps) else 30.0)


class VideoReader:
    """Stream or seek frames of one video (RGB uint8). Use as a context manager or call close().

    - ``read(i)``: frame ``i``, frame-accurate (checked; see the module docstring);
    - ``frames(start, stop, step)``: ``(index, frame)`` pairs, decoded sequentially;
    - iterating the reader yields the frames from the current position to the end;
    - ``len(reader)``: the frame count; ``reader.info``: :class:`VideoInfo`.
    """

    def __init__(self, path: str | Path, info: VideoInfo | None = None):
        import cv2

        self._cv2 = cv2
        self.path = Path(path)
        self.info = info if info is not None else video_info(path)
        self._cap = _open(path)
        self._pos = 0  # index of the next frame a plain read returns
        self._exact_seek = True  # container seeks are trusted until one is caught landing elsewhere
        self._t0_ms: float | None = None  # timestamp of frame 0

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def close(self) -> None:
        if getattr(self, "_cap", None) is not None:
            self._cap.release()
            self._cap = None

    def __len__(self) -> int:
        return self.info.nframes

    @property
    def position(self) -> int:
        """Index of the frame the next sequential read returns."""
        return self._pos

    @property
    def seeks_exactly(self) -> bool:
        """False once a container seek was caught landing on the wrong frame (then seeks decode forward)."""
        return self._exact_seek

    def _require_open(self) -> None:
        if self._cap is None:
            raise VideoError(f"{self.path}: the reader is closed. What to do: open a new VideoReader.")

    def _next(self) -> np.ndarray | None:
        self._require_open()
        ok, frame = self._cap.read()
        if not ok:
            return None
        if self._pos == 0 and self._t0_ms is None:
            self._t0_ms = float(self._cap.get(self._cv2.CAP_PROP_POS_MSEC))
        self._pos += 1
        return self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2RGB)

    def _grab(self) -> bool:
        if not self._cap.grab():
            return False
        if self._pos == 0 and self._t0_ms is None:
            self._t0_ms = float(self._cap.get(self._cv2.CAP_PROP_POS_MSEC))
        self._pos += 1
        return True

    def __iter__(self) -> Iterator[np.ndarray]:
        """Frames from the current position to the end."""
        while True:
            frame = self._next()
            if frame is None:
                return
            yield frame

    def frames(self, start: int = 0, stop: int | None = None, step: int = 1) -> Iterator[tuple[int, np.ndarray]]:
        """``(index, frame)`` for ``index`` in ``range(start, stop, step)``, decoded sequentially.

        Skipped frames are only demuxed/decoded (``grab``), not converted.
        """
        stop = self.info.nframes if stop is None else min(stop, self.info.nframes) if self.info.nframes else stop
        step = max(int(step), 1)
        if start >= stop:
            return
        yield start, self.read(start)
        index = start + step
        while index < stop:
            while self._pos < index:
                if not self._grab():
                    return
            frame = self._next()
            if frame is None:
                return
            yield index, frame
            index += step

    def next_frame(self) -> np.ndarray | None:
        """The frame at :attr:`position` (RGB), or None where it cannot be decoded.

        The position moves on by one either way (a failed read consumes the damaged frame), so a
        stream goes on past damaged frames; past the end of the video every call returns None.
        """
        frame = self._next()
        if frame is None:
            self._pos += 1
        return frame

    def seek_stream(self, index: int) -> None:
        """Position the reader so that the next :meth:`next_frame` is frame ``index``, for streaming on.

        A container seek is kept only when the frame before ``index`` has the expected timestamp
        (variable frame rate and inexact containers fail this); otherwise frames are skipped by
        decoding from the start. If the video ends before ``index`` the position is set anyway and
        the frames read from there are None.
        """
        self._require_open()
        if index == self._pos:
            return
        if index <= 0:
            self._restart()
            return
        if self._t0_ms is None:  # frame 0's timestamp is the reference of the check
            if self._pos != 0:
                self._restart()
            self._next()
            if index == self._pos:
                return
        cv2 = self._cv2
        if float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0) > 0 and index > 1 \
                and self._cap.set(cv2.CAP_PROP_POS_FRAMES, index - 1):
            self._pos = index - 1
            if self._next() is not None and self._landed_on(index - 1):
                return
        self._restart()
        while self._pos < index and self._grab():
            pass
        self._pos = index

    def _restart(self) -> None:
        self._cap.release()
        self._cap = _open(self.path)
        self._pos = 0

    def _decode_to(self, index: int) -> None:
        """Position by decoding forward (from the start if ``index`` is behind us)."""
        if self._pos > index:
            self._restart()
        while self._pos < index:
            if not self._grab():
                raise VideoError(f"{self.path}: frame {index} cannot be reached (the video ends at frame {self._pos}). "
                                 "What to do: the file may be truncated; re-encode it or use fewer frames.")

    def seek(self, index: int) -> bool:
        """Position the reader so that the next frame read is ``index``; True if a container seek was used."""
        self._require_open()
        if index == self._pos:
            return False
        if not self._exact_seek or 0 < index - self._pos <= _GRAB_AHEAD:
            self._decode_to(index)
            return False
        cv2 = self._cv2
        ok = self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        landed = int(self._cap.get(cv2.CAP_PROP_POS_FRAMES))
        if not ok or landed != index:
            self._exact_seek = False
            self._restart()
            self._decode_to(index)
            return False
        self._pos = index
        return True

    def _landed_on(self, index: int) -> bool:
        """Whether the frame just decoded has the timestamp of frame ``index`` (half a frame tolerance)."""
        fps = self.info.fps
        ms = float(self._cap.get(self._cv2.CAP_PROP_POS_MSEC))
        if fps <= 0 or not np.isfinite(ms) or ms < 0:
            return True  # nothing to check against
        expected = (self._t0_ms or 0.0) + index * 1000.0 / fps
        return abs(ms - expected) <= 500.0 / fps

    def read(self, index: int) -> np.ndarray:
        """Frame ``index`` (RGB uint8); VideoError naming the frame if it cannot be decoded."""
        index = int(index)
        if index < 0 or (self.info.nframes and index >= self.info.nframes):
            raise VideoError(f"{self.path}: frame {index} is out of range (the video has {self.info.nframes} frames). "
                             "What to do: use an index from 0 to nframes - 1.")
        seeked = self.seek(index)
        frame = self._next()
        if seeked and (frame is None or not self._landed_on(index)):
            # the container seek landed elsewhere: trust only sequential decoding from now on
            self._exact_seek = False
            self._restart()
            self._decode_to(index)
            frame = self._next()
        if frame is None:
            raise VideoError(f"{self.path}: frame {index} cannot be decoded. What to do: re-encode the video, or skip this frame.")
        return frame
