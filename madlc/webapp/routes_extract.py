"""Video frames for the extraction and refinement pages, and manual frame extraction.

Frames are decoded with :class:`madlc.video.reader.VideoReader` (frame-accurate) and sent as
JPEG; grabbed frames are written as PNG to ``labeled-data/<video stem>/img<index>.png``
(:func:`madlc.project.paths.image_name`), never overwriting a frame already there.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel

from madlc.errors import MadlcError
from madlc.webapp.context import ProjectContext
from madlc.webapp.routes_project import ctx_of

router = APIRouter()
_IMG = re.compile(r"^img(\d+)\.png$")
MAX_GRAB = 2000


class ReaderCache:
    """A few open VideoReaders (sequential requests are cheap: the reader decodes forward)."""

    def __init__(self, size: int = 4):
        self.size = size
        self.readers: OrderedDict[str, tuple[object, threading.Lock]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, path: Path):
        from madlc.video.reader import VideoReader

        key = str(path)
        with self.lock:
            if key in self.readers:
                self.readers.move_to_end(key)
                return self.readers[key]
            entry = (VideoReader(path), threading.Lock())
            self.readers[key] = entry
            while len(self.readers) > self.size:
                _, (old, _) = self.readers.popitem(last=False)
                old.close()
            return entry


def readers_of(request: Request) -> ReaderCache:
    if not hasattr(request.app.state, "readers"):
        request.app.state.readers = ReaderCache()
    return request.app.state.readers


def read_frame(request: Request, video: str, index: int):
    """Frame ``index`` of a project video (RGB uint8); 400 with the reader's message if it fails."""
    ctx: ProjectContext = ctx_of(request)
    reader, lock = readers_of(request).get(ctx.video(video))
    with lock:
        try:
            return reader.read(index), reader.info
        except MadlcError as err:
            raise HTTPException(status_code=400, detail=str(err)) from err


def extracted_indices(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _IMG.match(p.name)))


@router.get("/api/videos")
def videos(ctx: ProjectContext = Depends(ctx_of)):
    from madlc.video.reader import video_info

    root = ctx.require()
    out = []
    for name, path in ctx.videos().items():
        try:
            info = video_info(path)
        except MadlcError as err:
            out.append({"name": name, "error": str(err)})
            continue
        out.append({"name": name, "nframes": info.nframes, "fps": info.fps, "width": info.width,
                    "height": info.height, "folder": path.stem,
                    "extracted": extracted_indices(root / "labeled-data" / path.stem)})
    return {"videos": out}


@router.get("/api/video/{video}/frame/{index}")
def frame(video: str, index: int, request: Request, quality: int = 85):
    import cv2

    image, _ = read_frame(request, video, index)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, max(30, min(int(quality), 100))])
    if not ok:
        raise HTTPException(status_code=500, detail=f"frame {index} of {video} could not be encoded.")
    return Response(buf.tobytes(), media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})


class GrabBody(BaseModel):
    video: str
    start: int
    stop: int | None = None  # inclusive last frame of a range; None = one frame
    step: int = 1


@router.post("/api/extract/grab")
def grab(body: GrabBody, request: Request):
    """Write frames ``start..stop`` (every ``step``) to labeled-data/<stem>/img<idx>.png."""
    import cv2

    from madlc.io.atomic import atomic_path
    from madlc.project.paths import image_name

    ctx: ProjectContext = ctx_of(request)
    path = ctx.video(body.video)
    stop = body.start if body.stop is None else body.stop
    if body.stop is not None:  # a range is clamped to the video (a single frame outside it is an error)
        nframes = readers_of(request).get(path)[0].info.nframes
        body.start, stop = max(0, body.start), min(stop, nframes - 1)
    if body.step < 1 or stop < body.start:
        raise HTTPException(status_code=400, detail="need start <= stop and step >= 1.")
    indices = list(range(body.start, stop + 1, body.step))
    if len(indices) > MAX_GRAB:
        raise HTTPException(status_code=400, detail=f"{len(indices)} frames requested; grab at most {MAX_GRAB} "
                                                    "at once (raise the step).")
    folder = ctx.safe_path(f"labeled-data/{path.stem}", must_exist=False)
    folder.mkdir(parents=True, exist_ok=True)
    written, skipped = [], []
    for index in indices:
        image, info = read_frame(request, body.video, index)
        name = image_name(index, info.nframes)
        target = folder / name
        if target.exists():
            skipped.append(name)
            continue
        with atomic_path(target) as tmp:
            if not cv2.imwrite(str(tmp), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
                raise HTTPException(status_code=500, detail=f"{target}: could not be written.")
        written.append(name)
    return {"folder": path.stem, "written": written, "skipped": skipped,
            "extracted": extracted_indices(folder)}


class RemoveBody(BaseModel):
    video: str
    index: int


@router.post("/api/extract/remove")
def remove(body: RemoveBody, request: Request):
    """Delete an extracted frame that holds no labels (it can be grabbed again from the video)."""
    from madlc.webapp.routes_label import session_for
    from madlc.project.paths import image_name
    from madlc.video.reader import video_info

    ctx: ProjectContext = ctx_of(request)
    path = ctx.video(body.video)
    name = image_name(body.index, video_info(path).nframes)
    target = ctx.safe_path(f"labeled-data/{path.stem}/{name}")
    session = session_for(request, path.stem)
    session.refresh()
    if session.is_labeled(name):
        raise HTTPException(status_code=409, detail=f"{name} has labels in {session.h5.name}. What to do: delete its "
                                                    "labels on the labeling page first (or keep the frame).")
    target.unlink()
    session.refresh()
    return {"folder": path.stem, "removed": name, "extracted": extracted_indices(target.parent)}
