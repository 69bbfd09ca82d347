"""The batched forward pass of one video: the torch half of ``analyze_videos``.

:func:`infer_video` reads frame batches (:class:`~madlc.nn.inference.source.FrameBatches`), runs
the network, decodes peaks and PAF costs and hands per-frame results to a writer thread that
fills the stage's :class:`~madlc.io.part_store.PartStore` (one chunk in memory). File names,
resuming and the final pickles are the stage's (:mod:`madlc.stages.analyze_videos`).
"""
from __future__ import annotations

import queue
import threading
import warnings
from pathlib import Path
from typing import Any, Callable


def resolve_device(gputouse: int | None) -> Any:
    import torch

    if gputouse is not None and gputouse >= 0:
        if not torch.cuda.is_available():
            warnings.warn(f"gputouse={gputouse} but no GPU is available; analysing on the CPU.", stacklevel=3)
            return torch.device("cpu")
        return torch.device(f"cuda:{gputouse}")
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def default_device() -> str:
    """``"cuda"`` when a GPU is available, else ``"cpu"``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def image_maps(model: Any, image: Any, device: Any) -> dict[str, Any]:
    """The network's maps for one RGB uint8 image ``(H, W, 3)``, as float numpy arrays (batch axis dropped)."""
    import torch

    with torch.inference_mode():
        maps = model.forward(torch.from_numpy(image[None]).to(device))
    return {k: v[0].float().cpu().numpy() for k, v in maps.items() if v is not None}


class Writer:
    """Writer thread: (CPU: maps -> peaks/PAF costs ->) frame dicts -> part files (one chunk in memory)."""

    def __init__(self, store: Any, settings: Any, ranges: list[tuple[int, int]], chunk_size: int,
                 on_part: Callable[[int, int], None] | None, image_size: tuple[int, int] | None = None):
        self.store, self.settings, self.on_part = store, settings, on_part
        self.image_size = image_size
        self.ranges = list(ranges)
        self.chunk = max(1, int(chunk_size))
        self.frames: dict[int, dict] = {}
        self.missing: set[int] = set()
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=4)
        self.thread = threading.Thread(target=self._run, name="analysis writer", daemon=True)
        self._range = 0
        self._start = self.ranges[0][0] if self.ranges else 0
        self.upto = self._start
        self._aborted = False
        self.thread.start()

    def put(self, item: Any) -> None:
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self.thread.is_alive():
                    raise self.error or RuntimeError("analysis writer stopped")

    def finish(self, upto: int) -> None:
        self.put(("end", upto))
        self.thread.join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        """Stop after the item in hand (parts already written stay: they are complete)."""
        self._aborted = True
        try:
            self.queue.put_nowait(None)
        except queue.Full:
            pass

    def _run(self) -> None:
        import torch

        from madlc.nn.inference.predict import decode_outputs, to_frame_dicts

        try:
            while not self._aborted:
                try:
                    item = self.queue.get(timeout=0.5)
                except queue.Empty:
                    continue
                if item is None:
                    return
                if item[0] == "end":
                    self._flush(item[1], final=True)
                    return
                _, decoded, event, indices, missing, upto = item
                if event is not None:
                    event.synchronize()
                if isinstance(decoded, dict):  # raw maps (CPU runs)
                    with torch.inference_mode():
                        decoded = decode_outputs(decoded, self.settings, image_size=self.image_size)
                if indices:
                    for index, frame in zip(indices, to_frame_dicts(decoded, self.settings)):
                        self.frames[index] = frame
                self.missing.update(missing)
                self._flush(upto)
        except BaseException as err:  # handed to the main thread
            self.error = err

    def _flush(self, upto: int, final: bool = False) -> None:
        """Write every chunk that is complete below ``upto`` (all remaining ones when ``final``)."""
        self.upto = max(self.upto, upto)
        if not self.ranges:
            return
        last_start, last_stop = self.ranges[-1]
        if self.upto > last_stop:  # frames past the announced count (variable frame rate)
            self.ranges[-1] = (last_start, self.upto)
        elif final and self.upto < last_stop:  # the video ended early: the rest is missing
            self.missing.update(range(max(self.upto, last_start), last_stop))
            self.upto = last_stop
        while self._range < len(self.ranges):
            stop = self.ranges[self._range][1]
            end = min(stop, (self._start // self.chunk + 1) * self.chunk)
            if self.upto < end:
                return
            if end == stop and self._range == len(self.ranges) - 1 and not final:
                return  # the last range may still grow
            self._write(self._start, end)
            if end >= stop:
                self._range += 1
                if self._range < len(self.ranges):
                    self._start = self.ranges[self._range][0]
            else:
                self._start = end

    def _write(self, start: int, stop: int) -> None:
        frames = {i: self.frames.pop(i) for i in sorted(i for i in self.frames if start <= i < stop)}
        missing = sorted(i for i in self.missing if start <= i < stop)
        self.missing.difference_update(missing)
        self.store.write(start, stop, frames, missing)
        if self.on_part is not None:
            self.on_part(start, stop)


def infer_video(model: Any, video: Path, info: Any, ranges: list[tuple[int, int]], store: Any, batch_size: int,
                opts: dict[str, Any], on_part: Callable[[int, int], None] | None = None, progress: bool = True) -> int:
    """Run ``model`` on the frame ``ranges`` of ``video``, writing parts to ``store``; returns frames analysed."""
    import torch

    from madlc.nn.inference.predict import decode_outputs
    from madlc.nn.inference.source import FrameBatches

    chunk = int(opts["chunk_size"])
    nframes = info.nframes
    device = torch.device(model.device)
    cuda = device.type == "cuda"
    amp = cuda and str(opts.get("amp", "auto")).lower() in ("auto", "true", "1", "yes")
    analyzed = 0
    source = FrameBatches(video, ranges, batch_size, (info.height, info.width), max(nframes, 1), pin=cuda,
                          prefetch=int(opts["prefetch"]), max_bad_run=int(opts["max_bad_run"]), info=info)
    writer = Writer(store, model.settings, ranges, chunk, on_part, (info.height, info.width))
    todo_frames = sum(b - a for a, b in ranges)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=todo_frames, desc=video.name, unit="frame", leave=False)
    upto = ranges[0][0]
    try:
        with torch.inference_mode():
            for batch in source:
                n = len(batch.indices)
                decoded, event = None, None
                if n:
                    x = batch.frames[:n].to(device, non_blocking=True)
                    if cuda:  # the buffer can be refilled once the copy is done
                        event = torch.cuda.Event()
                        event.record()
                        batch.release(event)
                    with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
                        outputs = model.forward(x)
                    batch.release()  # CPU: x shares the buffer until the network has read it
                    event = None
                    if cuda:  # peaks and PAF costs on the GPU; small results copied back async
                        decoded = decode_outputs(outputs, model.settings, image_size=(info.height, info.width))
                        decoded = decoded.to("cpu", non_blocking=True)
                        event = torch.cuda.Event()
                        event.record()
                    else:  # CPU: decoded by the writer thread, overlapping the next forward
                        decoded = outputs
                else:
                    batch.release()
                writer.put(("batch", decoded, event, batch.indices, batch.missing, batch.upto))
                analyzed += n
                if bar is not None:
                    bar.update(min(batch.upto - upto, todo_frames - bar.n))
                upto = batch.upto
        writer.finish(upto)
    except BaseException:
        writer.abort()
        source.close()
        raise
    finally:
        if bar is not None:
            bar.close()
    return analyzed
