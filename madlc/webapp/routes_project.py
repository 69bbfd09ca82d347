"""Project page API: open/create a project, edit config.yaml, run pipeline targets."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from madlc.errors import MadlcError
from madlc.webapp.context import ProjectContext
from madlc.webapp.jobs import JobManager

router = APIRouter()

#: config.yaml keys the project page shows and edits
EDITABLE = ["individuals", "multianimalbodyparts", "uniquebodyparts", "skeleton", "identity",
            "numframes2pick", "pcutoff", "dotsize", "colormap", "default_track_method", "TrainingFraction"]
#: pipeline targets offered when madlc.pipeline does not list its own
DEFAULT_TARGETS = ["labels", "dataset", "train", "evaluate", "analyze", "track", "filter", "video", "all"]
TRACK_SUFFIXES = ("_el", "_bx", "_sk", "_tr", "_ctd")


def ctx_of(request: Request) -> ProjectContext:
    return request.app.state.ctx


def jobs_of(request: Request) -> JobManager:
    if not hasattr(request.app.state, "jobs"):
        request.app.state.jobs = JobManager()
    return request.app.state.jobs


def _bad(err: Exception) -> HTTPException:
    return HTTPException(status_code=400, detail=str(err))


def tracks_files(ctx: ProjectContext) -> list[str]:
    """Tracks (.h5) and tracklet (.pickle) files in videos/ (and files named by the caller)."""
    root = ctx.require()
    found = []
    vdir = root / "videos"
    if vdir.is_dir():
        for p in sorted(vdir.iterdir()):
            stem = p.stem.replace("_filtered", "")
            if p.suffix in (".h5", ".pickle") and stem.endswith(TRACK_SUFFIXES) and not p.name.startswith("."):
                found.append(p.relative_to(root).as_posix())
    found += [key for key, p in ctx.extra_files.items() if p.suffix in (".h5", ".pickle")]
    return found


def labeled_folders(ctx: ProjectContext) -> list[dict[str, Any]]:
    from madlc.webapp.labels_store import list_images

    root = ctx.require()
    out = []
    ldir = root / "labeled-data"
    if ldir.is_dir():
        for d in sorted(ldir.iterdir()):
            if d.is_dir() and not d.name.startswith(".") and not d.name.endswith("_labeled"):
                out.append({"name": d.name, "n_images": len(list_images(d)),
                            "has_labels": (d / f"CollectedData_{ctx.cfg.get('scorer')}.h5").exists()})
    return out


def project_summary(ctx: ProjectContext) -> dict[str, Any]:
    if ctx.root is None:
        return {"open": False}
    cfg = ctx.cfg
    return {
        "open": True, "config_path": str(ctx.config_path), "root": str(ctx.root),
        "task": cfg.get("Task"), "scorer": cfg.get("scorer"), "date": cfg.get("date"),
        "multianimal": bool(cfg.get("multianimalproject")),
        "fields": {k: cfg.get(k) for k in EDITABLE},
        "videos": sorted(ctx.videos()), "labeled": labeled_folders(ctx), "tracks": tracks_files(ctx),
    }


@router.get("/api/project")
def get_project(ctx: ProjectContext = Depends(ctx_of)):
    return project_summary(ctx)


class OpenBody(BaseModel):
    config: str


@router.post("/api/project/open")
def open_project(body: OpenBody, request: Request, ctx: ProjectContext = Depends(ctx_of)):
    try:
        ctx.open(body.config)
    except MadlcError as err:
        raise _bad(err)
    request.app.state.label_sessions = {}
    return project_summary(ctx)


class CreateBody(BaseModel):
    project: str
    experimenter: str
    videos: list[str]
    working_directory: str | None = None
    copy_videos: bool = False
    multianimal: bool = True


@router.post("/api/project/create")
def create_project(body: CreateBody, request: Request, ctx: ProjectContext = Depends(ctx_of)):
    from madlc.stages.create_new_project import create_new_project

    try:
        config = create_new_project(body.project, body.experimenter, [v for v in body.videos if v.strip()],
                                    working_directory=body.working_directory or None,
                                    copy_videos=body.copy_videos, multianimal=body.multianimal)
        ctx.open(config)
    except MadlcError as err:
        raise _bad(err)
    request.app.state.label_sessions = {}
    return project_summary(ctx)


class ConfigBody(BaseModel):
    edits: dict[str, Any]


@router.post("/api/project/config")
def edit_project_config(body: ConfigBody, request: Request, ctx: ProjectContext = Depends(ctx_of)):
    """Apply edits through madlc.stages.edit_config.edit_config (validated; errors come back as 400)."""
    from madlc.stages.edit_config import edit_config

    ctx.require()
    try:
        edit_config(str(ctx.config_path), body.edits)
        ctx.reload()
    except MadlcError as err:
        raise _bad(err)
    request.app.state.label_sessions = {}  # labels pick up new body parts on next load
    return project_summary(ctx)


@router.get("/api/pipeline/targets")
def pipeline_targets():
    try:
        from madlc.pipeline import run as pipeline_run  # type: ignore[attr-defined]
        targets = list(getattr(pipeline_run, "TARGETS", None) or DEFAULT_TARGETS)
    except Exception:
        targets = DEFAULT_TARGETS
    return {"targets": targets}


class JobBody(BaseModel):
    target: str
    args: list[str] = []


@router.post("/api/jobs")
def start_job(body: JobBody, request: Request, ctx: ProjectContext = Depends(ctx_of),
              jobs: JobManager = Depends(jobs_of)):
    ctx.require()
    target = body.target.strip()
    if not target or target.startswith("-") or any(ch.isspace() for ch in target):
        raise HTTPException(status_code=400, detail=f"{target!r} is not a pipeline target name.")
    if any(not a.startswith(("-", "+")) and "=" not in a for a in body.args):
        raise HTTPException(status_code=400, detail="extra arguments must be options (--x) or overrides (key=value).")
    job = jobs.start(request.app.state.run_command, str(ctx.config_path), target, body.args)
    return job.view()


@router.get("/api/jobs")
def list_jobs(jobs: JobManager = Depends(jobs_of)):
    return {"jobs": [{k: v for k, v in job.view(len(job.lines)).items() if k != "lines"}
                     for job in jobs.jobs.values()]}


@router.get("/api/jobs/{job_id}")
def job_status(job_id: int, since: int = 0, jobs: JobManager = Depends(jobs_of)):
    if job_id not in jobs.jobs:
        raise HTTPException(status_code=404, detail=f"no run {job_id}")
    return jobs.jobs[job_id].view(since)


@router.post("/api/jobs/{job_id}/stop")
def stop_job(job_id: int, jobs: JobManager = Depends(jobs_of)):
    if job_id not in jobs.jobs:
        raise HTTPException(status_code=404, detail=f"no run {job_id}")
    jobs.stop(job_id)
    return jobs.jobs[job_id].view()
