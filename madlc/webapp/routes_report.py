"""Report page API: the project report's sections (plots as embedded PNGs), and writing report.html."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from madlc.webapp.context import ProjectContext
from madlc.webapp.routes_project import ctx_of, refresh

router = APIRouter()


@router.get("/api/report")
def report_sections(request: Request, shuffle: int = 1, ctx: ProjectContext = Depends(ctx_of)):
    """The same sections as ``madlc report`` writes, as an HTML fragment for the page."""
    from madlc.stages.report import build_sections, render_body

    ctx.require()
    refresh(request, ctx)
    _, sections = build_sections(ctx.config_path, shuffle)
    for s in sections:  # links to project files go through the path gate
        s.links = [(text, quote(href)) for text, href in s.links]
    return {"html": render_body(sections, link_prefix="/api/report/file/"),
            "n_plots": sum(len(s.figures) for s in sections), "sections": [s.title for s in sections]}


@router.get("/api/report/file/{rel:path}")
def report_file(rel: str, ctx: ProjectContext = Depends(ctx_of)):
    """A project file linked from the report (e.g. a labeled video)."""
    return FileResponse(ctx.safe_path(rel))


@router.post("/api/report/write")
def write_report(request: Request, shuffle: int = 1, ctx: ProjectContext = Depends(ctx_of)):
    from madlc.stages.report import report

    ctx.require()
    return {"path": report(str(ctx.config_path), shuffle)}
