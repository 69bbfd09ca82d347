"""Tracklet refinement page API, on top of :class:`madlc.stages.refine_tracklets.TrackEditor`.

The page loads a tracks ``.h5`` or tracklet ``.pickle`` (plus its video), shows the points as a
float32 array (``/api/refine/array``), and sends one operation per request (swap, reassign,
delete, move, fill gaps, drop short tracklets, undo). Every operation is saved at once to the
refined tracks ``.h5`` (the pickle's name with ``.h5``; the file found there first is kept as
``.bak``), so closing the tab or stopping the server loses nothing.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel

from madlc.errors import MadlcError
from madlc.project.config import config_pcutoff
from madlc.webapp.context import ProjectContext
from madlc.webapp.routes_label import colormap_hex
from madlc.webapp.routes_project import ctx_of, tracks_files

router = APIRouter()


class RefineSession:
    """One tracks file under refinement: the editor, where it saves, and whether it was backed up."""

    def __init__(self, editor: Any, output: Path):
        self.editor = editor
        self.output = output
        self.lock = threading.Lock()
        self.backed_up = False
        self.saved_at: str | None = None
        self.last_message = ""

    def save(self) -> Path:
        path = self.editor.save(self.output, keep_backup=not self.backed_up)
        self.backed_up = True
        self.saved_at = time.strftime("%H:%M:%S")
        return Path(path)


def sessions_of(request: Request) -> dict[str, RefineSession]:
    if not hasattr(request.app.state, "refine_sessions"):
        request.app.state.refine_sessions = {}
    return request.app.state.refine_sessions


def session_for(request: Request, tracks: str, video: str | None = None) -> RefineSession:
    from madlc.stages.refine_tracklets import open_editor

    sessions = sessions_of(request)
    if tracks in sessions:
        return sessions[tracks]
    ctx: ProjectContext = ctx_of(request)
    path = ctx.safe_path(tracks)
    if path.suffix not in (".h5", ".pickle"):
        raise HTTPException(status_code=400, detail=f"{tracks}: not a tracks .h5 or tracklet .pickle file.")
    video_path = ctx.video(video) if video else None
    try:
        editor = open_editor(str(ctx.config_path), path, video_path)
    except (MadlcError, ValueError, KeyError, OSError) as err:
        raise HTTPException(status_code=400, detail=f"{tracks}: cannot be opened for refinement ({err}).") from err
    session = RefineSession(editor, editor.default_output())
    out = session.output
    if path.suffix == ".pickle" and out.exists() and out.stat().st_mtime > path.stat().st_mtime:
        session.last_message = (f"note: {out.name} is newer than this pickle (refined or stitched already); "
                                f"open it instead to continue from it. Changes made here are saved to {out.name}.")
    sessions[tracks] = session
    return session


def _state(session: RefineSession, min_swap_len: int = 2) -> dict[str, Any]:
    ed = session.editor
    tr = ed.tracks
    swaps = [{"a": s.individual_a, "b": s.individual_b, "start": s.start, "stop": s.stop}
             for s in ed.find_swaps(max(1, int(min_swap_len)))]
    filled = np.abs(tr.data[..., 2] - 0.01) < 1e-9  # interpolated points (likelihood 0.01)
    return {
        "individuals": list(tr.individuals), "bodyparts": list(tr.bodyparts),
        "unique_bodyparts": list(tr.unique_bodyparts), "scorer": tr.scorer,
        "n_rows": int(tr.n_frames), "frames": [int(f) for f in tr.frames],
        "swaps": swaps, "summary": ed.summary(), "undo": len(ed._undo),
        "n_filled": int(filled.sum()), "has_tracklets": bool(ed.tracklets),
        "output": session.output.name, "saved_at": session.saved_at,
        "message": session.last_message,
    }


@router.get("/api/refine/files")
def files(ctx: ProjectContext = Depends(ctx_of)):
    return {"tracks": tracks_files(ctx), "videos": sorted(ctx.videos())}


@router.get("/api/refine/data")
def data(tracks: str, request: Request, video: str | None = None, min_swap_len: int = 2):
    ctx: ProjectContext = ctx_of(request)
    session = session_for(request, tracks, video)
    with session.lock:
        state = _state(session, min_swap_len)
    animals = [i for i in state["individuals"] if i != "single"]
    cfg = ctx.cfg
    state.update({
        "tracks": tracks,
        "individual_colors": {**dict(zip(animals, colormap_hex(str(cfg.get("colormap") or "rainbow"), len(animals)))),
                              "single": "#d0d4da"},
        "skeleton": [list(map(str, p)) for p in (cfg.get("skeleton") or []) if len(p) == 2],
        "pcutoff": config_pcutoff(cfg),
        "params": getattr(request.app.state, "refine_params", {}),
    })
    return state


@router.get("/api/refine/tracklet")
def tracklet(tracks: str, frame: int, individual: str, request: Request):
    """Which tracklet of the pickle a track's point on ``frame`` came from (None: none, or edited)."""
    session = session_for(request, tracks)
    ed = session.editor
    with session.lock:
        try:
            owner = int(ed.owner[ed.tracks.row(frame), ed.tracks.ind(individual)])
        except (IndexError, KeyError) as err:
            raise HTTPException(status_code=400, detail=str(err.args[0] if err.args else err)) from err
    return {"tracklet": owner if owner >= 0 else None, "frames": len(ed.tracklets.get(owner, {})) if owner >= 0 else 0}


@router.get("/api/refine/array")
def array(tracks: str, request: Request, video: str | None = None):
    """The tracks as little-endian float32, shape (n_rows, n_individuals, n_bodyparts, 3), NaN = missing."""
    session = session_for(request, tracks, video)
    with session.lock:
        payload = np.ascontiguousarray(session.editor.tracks.data, dtype="<f4").tobytes()
    return Response(payload, media_type="application/octet-stream", headers={"Cache-Control": "no-store"})


class OpBody(BaseModel):
    tracks: str
    op: str
    params: dict[str, Any] = {}
    min_swap_len: int = 2


def _apply(session: RefineSession, op: str, p: dict[str, Any]) -> str:
    ed = session.editor
    frames = set(int(f) for f in ed.tracks.frames)
    if op == "swap":
        stop = p.get("stop")
        ed.swap(p["a"], p["b"], int(p.get("start", 0)), None if stop in (None, "") else int(stop))
        end = "the end" if stop in (None, "") else f"frame {int(stop) - 1}"
        return f"swapped {p['a']} and {p['b']} from frame {int(p.get('start', 0))} to {end}"
    if op == "reassign":
        ed.reassign_tracklet(int(p["tracklet"]), p["individual"])
        return f"tracklet {int(p['tracklet'])} now belongs to {p['individual']}"
    if op == "delete":
        start = int(p["start"])
        stop = int(p.get("stop") or start + 1)
        wanted = [f for f in range(start, stop) if f in frames]
        bodyparts = p.get("bodyparts") or None
        ed.delete_points(p["individual"], wanted, bodyparts)
        what = ", ".join(bodyparts) if bodyparts else "all points"
        return f"deleted {what} of {p['individual']} on {len(wanted)} frame(s)"
    if op == "move":
        ed.move_point(int(p["frame"]), p["individual"], p["bodypart"], float(p["x"]), float(p["y"]))
        return f"moved {p['individual']}/{p['bodypart']} on frame {int(p['frame'])}"
    if op == "fill_gaps":
        n = ed.fill_gaps(int(p.get("max_gap", 0)))
        return f"filled {n} missing points (likelihood 0.01)"
    if op == "drop_short":
        n = ed.drop_short_tracklets(int(p.get("min_tracklet_len", 2)))
        return f"dropped {n} short stretch(es)"
    if op == "undo":
        return "undone" if ed.undo() else "nothing to undo"
    raise HTTPException(status_code=400, detail=f"unknown operation {op!r}.")


@router.post("/api/refine/op")
def operation(body: OpBody, request: Request):
    session = session_for(request, body.tracks)
    with session.lock:
        try:
            message = _apply(session, body.op, body.params)
        except HTTPException:
            raise
        except (KeyError, IndexError, ValueError, TypeError) as err:
            raise HTTPException(status_code=400, detail=f"{body.op}: {err.args[0] if err.args else err}") from err
        session.last_message = message
        session.save()  # autosave: a closed tab or a stopped server loses nothing
        return _state(session, body.min_swap_len)


class SaveBody(BaseModel):
    tracks: str


@router.post("/api/refine/save")
def save(body: SaveBody, request: Request):
    session = session_for(request, body.tracks)
    with session.lock:
        path = session.save()
        session.last_message = f"wrote {path.name}"
        return _state(session)


def serve_editor(editor: Any, config: str | Path, video: str | Path | None = None, *, port: int = 8080,
                 host: str = "127.0.0.1", open_browser: bool = True, block: bool = True, **params: Any) -> Any:
    """Serve the refine page on an already-open TrackEditor (its in-memory state, not the file's).

    ``params`` (max_gap, min_swap_len, min_tracklet_len, trail_len) preset the page's fields.
    Returns the server handle (after the server stopped, if ``block``).
    """
    from madlc.webapp.server import serve_page

    source = editor.source if editor.source is not None else editor.default_output()

    def register(handle: Any, query: dict[str, Any]) -> None:
        handle.app.state.refine_sessions = {query["tracks"]: RefineSession(editor, editor.default_output())}

    return serve_page(config, "refine", host=host, port=port, open_browser=open_browser, block=block,
                      prepare=register, tracks=str(source), video=str(video) if video else None, **params)


def launch_refine_gui(editor: Any, *, config: dict[str, Any], video: Path | None, max_gap: int,
                      min_swap_len: int, trail_len: int, port: int = 8080, open_browser: bool = True) -> Path | None:
    """The ``madlc.stages.refine_tracklets.set_refine_gui`` hook: refine ``editor`` in the browser.

    Blocks until the server is stopped (Ctrl-C); returns the refined tracks path, or None if
    nothing was changed (and so nothing saved).
    """
    handle = serve_editor(editor, Path(config["project_path"]) / "config.yaml", video, port=port,
                          open_browser=open_browser, max_gap=max_gap, min_swap_len=min_swap_len, trail_len=trail_len)
    sessions = getattr(handle.app.state, "refine_sessions", {})
    saved = any(s.saved_at for s in sessions.values() if s.editor is editor)
    return editor.default_output() if saved else None
