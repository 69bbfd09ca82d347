"""Frames for the network, decoded ahead of it by a background thread.

:class:`FrameBatches` decodes the frames of some ranges of a video in a thread (OpenCV
releases the GIL while decoding) into a small pool of reusable ``(B, H, W, 3)`` uint8 buffers
(pinned memory when the network runs on a GPU, so host-to-device copies are asynchronous).
The consumer takes ready batches, starts their copy to the device and gives each buffer back
(:meth:`Batch.release`) so the thread can refill it while the network runs.

Damaged videos: a frame that cannot be decoded is reported in ``Batch.missing`` and decoding
goes on after it (OpenCV's failed read consumes the damaged frame); after ``max_bad_run``
consecutive undecodable frames the rest of that range is reported missing. Frames beyond the frame count the container announced
(variable-frame-rate files often under-count) are decoded too, with ``Batch.upto`` telling how
far the video has been read.
"""
from __future__ import annotations

import queue
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

_END = object()


@dataclass
class Batch:
    """Decoded frames ``frames[:n]`` with their video indices; ``missing`` frames could not be decoded.

    ``upto``: every frame index below it (within the ranges) has been delivered or reported missing.
    """

    frames: Any  # torch uint8 (B, H, W, 3); only the first len(indices) rows are valid
    indices: list[int]
    missing: list[int]
    upto: int
    _pool: "queue.Queue | None" = field(default=None, repr=False)

    def release(self, event: Any = None) -> None:
        """Give the buffer back for refilling (after ``event``, a CUDA event, has completed)."""
        if self._pool is not None:
            self._pool.put((self.frames, event))
            self._pool = None


class FrameBatches:
    """Iterate :class:`Batch` es of the frames in ``ranges`` (``[(start, stop), ...]``), decoded in a thread.

    Args:
        path: the video.
        ranges: frame ranges to decode, sorted. The last range, if it ends at ``nframes``, is
            continued past it while the video still has frames.
        batch_size: frames per batch.
        size: ``(height, width)`` of the frames.
        nframes: the frame count the container reports.
        pin: allocate pinned buffers (for asynchronous copies to a GPU).
        prefetch: batches decoded ahead.
        info: the video's :class:`madlc.video.reader.VideoInfo`, if known.

    Frames are read with :class:`madlc.video.reader.VideoReader` (``seek_stream`` / ``next_frame``).
    """

    def __init__(self, path: str | Path, ranges: list[tuple[int, int]], batch_size: int, size: tuple[int, int],
                 nframes: int, pin: bool = False, prefetch: int = 3, max_bad_run: int = 50, info: Any = None):
        import torch

        self.path = Path(path)
        self.info = info  # the video's VideoInfo when the caller has it (spares a metadata read)
        self.ranges = [(int(a), int(b)) for a, b in ranges if b > a]
        self.batch_size = max(1, int(batch_size))
        self.size = (int(size[0]), int(size[1]))
        self.nframes = int(nframes)
        self.max_bad_run = int(max_bad_run)
        self._pool: queue.Queue = queue.Queue()
        for _ in range(prefetch + 2):
            buf = torch.empty((self.batch_size, *self.size, 3), dtype=torch.uint8)
            self._pool.put((buf.pin_memory() if pin else buf, None))
        self._ready: queue.Queue = queue.Queue(maxsize=prefetch)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"decode {self.path.name}", daemon=True)
        self.extra_frames = 0  # frames decoded past the announced count
        self._started = False

    # ---------------------------------------------------------------- consumer side
    def __iter__(self) -> Iterator[Batch]:
        if not self._started:
            self._started = True
            self._thread.start()
        try:
            while True:
                item = self._get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.close()

    def _get(self) -> Any:
        while True:
            try:
                return self._ready.get(timeout=0.5)
            except queue.Empty:
                if not self._thread.is_alive() and self._ready.empty():
                    return _END

    def close(self) -> None:
        """Stop the decoding thread (also called when the consumer stops early)."""
        self._stop.set()
        while True:  # unblock a producer waiting on a full queue
            try:
                self._ready.get_nowait()
            except queue.Empty:
                break
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    # ---------------------------------------------------------------- producer side
    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._ready.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _buffer(self) -> Any:
        while not self._stop.is_set():
            try:
                buf, event = self._pool.get(timeout=0.2)
            except queue.Empty:
                continue
            if event is not None:
                event.synchronize()
            return buf
        return None

    def _run(self) -> None:
        try:
            self._produce()
        except BaseException as err:  # handed to the consumer
            self._put(err)
            return
        self._put(_END)

    def _frames(self) -> Iterator[tuple[int, np.ndarray | None]]:
        """``(index, frame)`` over the ranges; ``frame`` None for a frame that cannot be decoded.

        A failed read consumes the damaged frame, so decoding simply goes on; failures at or past
        the announced frame count mean the video has ended.
        """
        from madlc.video.reader import VideoReader

        reader, pos = None, -1
        try:
            for r, (start, stop) in enumerate(self.ranges):
                open_end = r == len(self.ranges) - 1 and stop >= self.nframes
                if reader is None or pos != start:
                    if reader is None:
                        reader = VideoReader(self.path, self.info)
                    reader.seek_stream(start)
                    pos = start
                bad_run = 0
                while not self._stop.is_set():
                    if pos >= stop and not open_end:
                        break
                    frame = reader.next_frame()
                    if frame is not None:
                        if pos >= stop:
                            self.extra_frames += 1
                        bad_run = 0
                        yield pos, frame
                        pos += 1
                        continue
                    if pos >= stop:  # past the announced count: the end
                        break
                    bad_run += 1
                    yield pos, None
                    pos += 1
                    if bad_run >= self.max_bad_run:
                        warnings.warn(f"{self.path}: {bad_run} frames in a row from {pos - bad_run} cannot be decoded; "
                                      f"frames {pos - bad_run}..{stop - 1} are marked missing. What to do: "
                                      "re-encode the video (ffmpeg -i in.mp4 -c:v libx264 out.mp4).", stacklevel=2)
                        for index in range(pos, stop):
                            yield index, None
                        pos = stop
                        break
        finally:
            if reader is not None:
                reader.close()

    def _produce(self) -> None:
        buf = None
        indices: list[int] = []
        missing: list[int] = []
        H, W = self.size
        upto = self.ranges[0][0] if self.ranges else 0
        for index, frame in self._frames():
            upto = index + 1
            if frame is None:
                missing.append(index)
                continue
            if frame.shape[:2] != (H, W):
                warnings.warn(f"{self.path}: frame {index} is {frame.shape[1]}x{frame.shape[0]}, not {W}x{H} like "
                              "the first frame; it is marked missing.", stacklevel=2)
                missing.append(index)
                continue
            if buf is None:
                buf = self._buffer()
                if buf is None:
                    return
            buf.numpy()[len(indices)] = frame
            indices.append(index)
            if len(indices) == self.batch_size:
                if not self._put(Batch(buf, indices, missing, upto, self._pool)):
                    return
                buf, indices, missing = None, [], []
        if indices or missing:
            if buf is None and indices:
                buf = self._buffer()
            self._put(Batch(buf, indices, missing, upto, self._pool if buf is not None else None))
