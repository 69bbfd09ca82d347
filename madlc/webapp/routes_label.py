"""Labeling page API: frames of a labeled-data folder, labels as JSON, one edit per request."""
from __future__ import annotations

import colorsys
import time
from pathlib import Path
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


#: where the colours of body parts sit along the colormap (golden-ratio steps: well spread)
PART_SLOTS = [(k * 0.6180339887) % 1.0 for k in range(64)]
#: the project file that remembers each body part's colour (positions along the colormap)
PART_COLORS_FILE = ".madlc/gui_part_colors.json"


def part_positions(parts: list[str], remembered: dict[str, float] | None = None) -> dict[str, float]:
    """A position along the colormap per body part: remembered ones kept, new ones far from the others.

    So a part keeps its colour when others are added or removed (the positions are stored in the
    project), and a new part gets the free colour most unlike the ones in use.
    """
    remembered = dict(remembered or {})
    used = [remembered[p] for p in parts if p in remembered]
    out = {p: remembered[p] for p in parts if p in remembered}
    for part in parts:
        if part in out:
            continue
        free = [x for x in PART_SLOTS if x not in used]
        best = max(free, key=lambda x: min((min(abs(x - u), 1 - abs(x - u)) for u in used), default=1.0))
        out[part] = best
        used.append(best)
    return out


def part_colors_hex(name: str, positions: dict[str, float]) -> dict[str, str]:
    """``#rrggbb`` per body part from its colormap position (config.yaml ``colormap``; a rainbow if unknown)."""
    try:
        import matplotlib

        cmap = matplotlib.colormaps[name]
        values = {p: cmap(x) for p, x in positions.items()}
    except Exception:
        values = {p: colorsys.hsv_to_rgb(0.8 * x, 0.9, 0.95) for p, x in positions.items()}
    return {p: "#%02x%02x%02x" % tuple(int(round(255 * c)) for c in v[:3]) for p, v in values.items()}


def project_part_colors(root: Path, colormap: str, parts: list[str]) -> dict[str, str]:
    """The Label page's part colours, remembered in the project so they stay put across config edits."""
    import json

    from madlc.io.atomic import atomic_path

    path = root / PART_COLORS_FILE
    try:
        remembered = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        remembered = {}
    positions = part_positions(parts, remembered)
    if any(remembered.get(p) != x for p, x in positions.items()):
        try:
            with atomic_path(path) as tmp:
                tmp.write_text(json.dumps({**remembered, **positions}, indent=1))
        except OSError:  # a read-only project still labels, with colours of this session
            pass
    return part_colors_hex(colormap, positions)


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
        "colors": project_part_colors(session.folder.parents[1], str(cfg.get("colormap") or "rainbow"), multi + unique),
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
