"""Labeling page API: frames of a labeled-data folder, labels as JSON, one edit per request."""
from __future__ import annotations

import colorsys
import time
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel

from madlc.webapp.context import ProjectContext
from madlc.webapp.labels_store import LabelSession, list_images
from madlc.webapp.routes_project import ctx_of, labeled_folders

router = APIRouter()


def colormap_hex(name: str, n: int) -> list[str]:
    """``n`` colours from a matplotlib colormap (config.yaml ``colormap``); a rainbow if unknown."""
    if n <= 0:
        return []
    try:
        import matplotlib

        cmap = matplotlib.colormaps[name]
        values = [cmap(i / max(n - 1, 1)) for i in range(n)]
    except Exception:
        values = [colorsys.hsv_to_rgb(0.8 * i / max(n - 1, 1), 0.9, 0.95) for i in range(n)]
    return ["#%02x%02x%02x" % tuple(int(round(255 * c)) for c in v[:3]) for v in values]


#: colour slots of body parts, spread along the colormap (golden-ratio steps: neighbours differ)
PART_SLOTS = [(k * 0.6180339887) % 1.0 for k in range(24)]


def part_colors_hex(name: str, parts: list[str]) -> dict[str, str]:
    """A colour per body part that stays the same when other parts are added or removed.

    Each part takes the slot its name hashes to (the next free one if taken), so a part keeps its
    colour across config edits (unless a new name hashes to the slot it took) instead of every
    colour shifting with the part count.
    """
    import zlib

    taken: dict[int, str] = {}
    slot_of: dict[str, int] = {}
    for part in parts:
        slot = zlib.crc32(part.encode()) % len(PART_SLOTS)
        for _ in range(len(PART_SLOTS)):
            if slot not in taken:
                break
            slot = (slot + 1) % len(PART_SLOTS)
        taken[slot] = part
        slot_of[part] = slot
    try:
        import matplotlib

        cmap = matplotlib.colormaps[name]
        values = {p: cmap(PART_SLOTS[s]) for p, s in slot_of.items()}
    except Exception:
        values = {p: colorsys.hsv_to_rgb(PART_SLOTS[s], 0.9, 0.95) for p, s in slot_of.items()}
    return {p: "#%02x%02x%02x" % tuple(int(round(255 * c)) for c in v[:3]) for p, v in values.items()}


def session_for(request: Request, folder: str) -> LabelSession:
    ctx: ProjectContext = ctx_of(request)
    if "/" in folder or "\\" in folder:
        raise HTTPException(status_code=403, detail=f"{folder!r}: a labeled-data folder name, not a path.")
    path = ctx.safe_path(f"labeled-data/{folder}")
    if not path.is_dir():
        raise HTTPException(status_code=404, detail=f"labeled-data/{folder} is not a folder.")
    sessions = getattr(request.app.state, "label_sessions", None)
    if sessions is None or ctx.refresh_if_changed():  # config.yaml edited elsewhere: new parts, names
        sessions = request.app.state.label_sessions = {}
    if folder not in sessions:
        try:
            sessions[folder] = LabelSession(ctx.cfg, path)
        except Exception as err:  # an unreadable labels file: say which and why
            raise HTTPException(status_code=400, detail=f"{path}/CollectedData_{ctx.cfg.get('scorer')}.h5: "
                                                        f"cannot be read ({err}).") from err
    return sessions[folder]


@router.get("/api/label/folders")
def folders(ctx: ProjectContext = Depends(ctx_of)):
    return {"folders": labeled_folders(ctx)}


@router.get("/api/label/{folder}/data")
def label_data(folder: str, request: Request) -> dict[str, Any]:
    from madlc.project import paths

    session = session_for(request, folder)
    session.refresh()
    cfg = request.app.state.ctx.cfg
    multi = paths.multianimal_bodyparts(cfg)
    unique = paths.unique_bodyparts(cfg)
    inds = paths.individuals(cfg)
    return {
        "folder": folder, "file": session.h5.name, "images": list_images(session.folder),
        "individuals": inds, "multi_bodyparts": multi, "unique_bodyparts": unique,
        "colors": part_colors_hex(str(cfg.get("colormap") or "rainbow"), multi + unique),
        "individual_colors": dict(zip(inds, colormap_hex("tab10" if len(inds) <= 10 else "hsv", len(inds)))),
        "skeleton": [list(map(str, pair)) for pair in (cfg.get("skeleton") or []) if len(pair) == 2],
        "dotsize": cfg.get("dotsize", 12), "scorer": session.scorer,
        "labels": session.as_json(),
        "extra_columns": sorted({f"{c[1]}/{c[2]}" for c in session.extra_columns}),
    }


@router.get("/api/label/{folder}/image/{name}")
def label_image(folder: str, name: str, request: Request):
    ctx: ProjectContext = ctx_of(request)
    if "/" in folder or "\\" in folder or "/" in name or "\\" in name:
        raise HTTPException(status_code=403, detail="names, not paths.")
    return FileResponse(ctx.safe_path(f"labeled-data/{folder}/{name}"))


class PointBody(BaseModel):
    image: str
    individual: str
    bodypart: str
    x: float | None = None  # None = delete the label
    y: float | None = None


@router.post("/api/label/{folder}/point")
def set_point(folder: str, body: PointBody, request: Request):
    session = session_for(request, folder)
    xy = None if body.x is None or body.y is None else (body.x, body.y)
    try:
        session.set_point(body.image, body.individual, body.bodypart, xy)
    except KeyError as err:
        raise HTTPException(status_code=400, detail=str(err.args[0])) from err
    return {"ok": True, "file": session.h5.name, "saved_at": time.strftime("%H:%M:%S")}


@router.post("/api/label/{folder}/save")
def save(folder: str, request: Request):
    session = session_for(request, folder)
    session.save()
    return {"ok": True, "file": session.h5.name, "saved_at": time.strftime("%H:%M:%S")}
