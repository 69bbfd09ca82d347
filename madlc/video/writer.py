"""Writing videos frame by frame (labeled videos, synthetic videos), atomically.

``VideoWriter(path, fps, size, codec="mp4v")`` is a context manager; ``write(rgb_frame)`` appends
one RGB uint8 frame ``(height, width, 3)``. Frames go to a temporary file beside ``path``
that is renamed onto ``path`` only when the ``with`` block ends without an error, so an
interrupted run never leaves a half-written video that a later stage would trust.

Codecs: any OpenCV FourCC (``mp4v`` in .mp4/.avi, ``MJPG`` and ``XVID`` in .avi); ``h264`` /
``libx264`` (also ``avc1``) are encoded with PyAV (OpenCV's wheel has no H.264 encoder).
Memory does not grow with the number of frames.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from madlc.errors import VideoError

_PYAV_CODECS = {"h264": "libx264", "libx264": "libx264", "avc1": "libx264", "x264": "libx264"}


class VideoWriter:
    """Stream RGB frames into a video file; the file appears at ``path`` only on success.

    ``size`` is ``(width, height)``. Use as a context manager::

        with VideoWriter("out.mp4", fps=30, size=(160, 120)) as w:
            for frame in frames:
                w.write(frame)
    """

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int], codec: str = "mp4v",
                 crf: int = 18):
        self.path = Path(path)
        self.fps = float(fps)
        self.size = (int(size[0]), int(size[1]))
        self.codec = codec
        self.crf = int(crf)
        self.count = 0
        if self.size[0] <= 0 or self.size[1] <= 0:
            raise VideoError(f"{self.path}: cannot write a video of size {self.size}. What to do: pass (width, height) > 0.")
        if self.fps <= 0:
            raise VideoError(f"{self.path}: fps must be > 0, got {fps}.")
        self._stack: contextlib.ExitStack | None = None
        self._cv = None
        self._av = None
        self._stream = None

    def __enter__(self) -> "VideoWriter":
        self.open()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort(exc_type, exc, tb)

    def open(self) -> None:
        """Open the temporary output file (called by ``with``)."""
        from madlc.io.atomic import atomic_path

        self._stack = contextlib.ExitStack()
        tmp = self._stack.enter_context(atomic_path(self.path))
        try:
            if self.codec.lower() in _PYAV_CODECS:
                self._open_pyav(tmp)
            else:
                self._open_cv2(tmp)
        except BaseException as err:
            self._stack.__exit__(type(err), err, err.__traceback__)
            self._stack = None
            raise

    def _open_cv2(self, tmp: Path) -> None:
        import cv2

        if len(self.codec) != 4:
            raise VideoError(f"{self.path}: unknown codec {self.codec!r}. What to do: use a 4-letter FourCC "
                             "such as mp4v (.mp4/.avi), MJPG or XVID (.avi), or h264.")
        self._cv = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*self.codec), self.fps, self.size)
        if not self._cv.isOpened():
            self._cv.release()
            self._cv = None
            raise VideoError(f"{self.path}: OpenCV cannot write codec {self.codec!r} into a {self.path.suffix} file. "
                             "What to do: use codec mp4v with .mp4, or MJPG with .avi.")

    def _open_pyav(self, tmp: Path) -> None:
        import av
        from fractions import Fraction

        self._av = av.open(str(tmp), mode="w")
        rate = Fraction(self.fps).limit_denominator(1001)
        stream = self._av.add_stream(_PYAV_CODECS[self.codec.lower()], rate=rate)
        stream.width, stream.height = self.size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(self.crf)}
        self._stream = stream
        if self.size[0] % 2 or self.size[1] % 2:
            self.close_quietly()
            raise VideoError(f"{self.path}: H.264 needs an even width and height, got {self.size}. "
                             "What to do: crop or pad by one pixel, or use codec mp4v.")

    def write(self, frame: np.ndarray) -> None:
        """Append one RGB uint8 frame ``(height, width, 3)`` (grey ``(H, W)`` is accepted too)."""
        if self._stack is None:
            raise VideoError(f"{self.path}: the writer is not open. What to do: use it as `with VideoWriter(...) as w:`.")
        frame = np.asarray(frame)
        if frame.ndim == 2:
            frame = np.repeat(frame[..., None], 3, axis=2)
        if frame.shape[:2] != (self.size[1], self.size[0]) or frame.shape[2] != 3:
            raise VideoError(f"{self.path}: frame {self.count} has shape {frame.shape}, expected "
                             f"({self.size[1]}, {self.size[0]}, 3) (height, width, RGB). What to do: resize or crop "
                             "frames to the size given to VideoWriter.")
        if frame.dtype != np.uint8:
            frame = np.clip(frame, 0, 255).astype(np.uint8)
        if self._cv is not None:
            self._cv.write(np.ascontiguousarray(frame[..., ::-1]))
        else:
            import av

            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            for packet in self._stream.encode(vf):
                self._av.mux(packet)
        self.count += 1

    def close_quietly(self) -> None:
        if self._cv is not None:
            self._cv.release()
            self._cv = None
        if self._av is not None:
            try:
                self._av.close()
            except Exception:
                pass
            self._av = None

    def close(self) -> None:
        """Finish the file and move it onto ``path``."""
        if self._stack is None:
            return
        try:
            if self._av is not None:
                for packet in self._stream.encode():
                    self._av.mux(packet)
            self.close_quietly()
        except BaseException as err:
            self.abort(type(err), err, err.__traceback__)
            raise
        stack, self._stack = self._stack, None
        stack.__exit__(None, None, None)

    def abort(self, exc_type=None, exc=None, tb=None) -> None:
        """Drop the temporary file; ``path`` is left as it was."""
        self.close_quietly()
        if self._stack is not None:
            stack, self._stack = self._stack, None
            err = exc if exc is not None else RuntimeError("aborted")
            try:
                stack.__exit__(type(err), err, tb)
            except BaseException:
                pass
