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
#: the tracker the project uses (madlc.yaml's pipeline.track_method, else config.yaml's default_track_method):
#: shown and edited as one field, written where it belongs (project.manage.set_track_method)
TRACK_FIELD = "track_method"
#: pipeline targets offered when madlc.workflow does not list its own
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
    from madlc.project.config import NUMBER_RANGES

    cfg = ctx.cfg
    videos = ctx.videos()
    return {
        "open": True, "config_path": str(ctx.config_path), "root": str(ctx.root),
        "config_stamp": ctx.config_stamp, "config_error": ctx.config_error,
        "ranges": {key: {"min": r.low, "max": r.high, "min_open": r.low_open, "integer": r.integer,
                         "text": r.describe()} for key, r in NUMBER_RANGES.items()},
        "missing_videos": missing_videos(ctx),
        "task": cfg.get("Task"), "scorer": cfg.get("scorer"), "date": cfg.get("date"),
        "multianimal": bool(cfg.get("multianimalproject")),
        "fields": {**{k: cfg.get(k) for k in EDITABLE}, TRACK_FIELD: _track_method(cfg)},
        "videos": sorted(videos), "labeled": labeled_folders(ctx), "tracks": tracks_files(ctx),
    }


def _track_method(cfg: dict[str, Any]) -> str | None:
    """The tracker the project uses now (None for a single-animal project or a broken madlc.yaml)."""
    from madlc.project.discovery import resolve_track_method

    try:
        return resolve_track_method(cfg) or None
    except MadlcError:
        return None


def missing_videos(ctx: ProjectContext) -> list[str]:
    """Videos config.yaml lists (video_sets) that are not on disk."""
    from madlc.project.manage import project_videos

    try:
        return [str(p) for p in project_videos(ctx.cfg) if not p.exists()]
    except (MadlcError, KeyError):
        return []


def refresh(request: Request, ctx: ProjectContext) -> None:
    """Re-read config.yaml if it changed on disk; labeling sessions then pick up new parts and names."""
    if ctx.root is not None and ctx.refresh_if_changed():
        request.app.state.label_sessions = {}


@router.get("/api/project")
def get_project(request: Request, ctx: ProjectContext = Depends(ctx_of)):
    refresh(request, ctx)  # the page always shows config.yaml as it is now
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
    edits: dict[str, Any]  # only the fields the user changed in the form
    base: str | None = None  # config_stamp of the file the form was filled from


@router.post("/api/project/config")
def edit_project_config(body: ConfigBody, request: Request, ctx: ProjectContext = Depends(ctx_of)):
    """Merge the user's edited fields into config.yaml as it is on disk now (validated by edit_config).

    Never writes back values the page loaded earlier: a key edited elsewhere since then keeps its
    new value unless the user changed that very field. A file that is not valid YAML is refused (409).
    """
    from madlc.stages.edit_config import edit_config

    ctx.require()
    refresh(request, ctx)
    if ctx.config_error:
        raise HTTPException(status_code=409, detail=f"config.yaml cannot be used now, nothing was saved: "
                                                    f"{ctx.config_error}")
    changed_on_disk = body.base is not None and body.base != ctx.config_stamp
    edits = dict(body.edits)
    track_method = edits.pop(TRACK_FIELD, None)
    unknown = sorted(set(edits) - set(EDITABLE))
    if unknown:
        raise HTTPException(status_code=400, detail=f"{unknown}: the project page does not edit these keys. "
                                                    "What to do: use `madlc edit-config`.")
    try:
        if edits:
            edit_config(str(ctx.config_path), edits)
        if track_method is not None:
            from madlc.project.manage import set_track_method

            set_track_method(ctx.config_path, str(track_method))
        ctx.reload()
    except MadlcError as err:
        raise _bad(err)
    request.app.state.label_sessions = {}  # labels pick up new body parts on next load
    summary = project_summary(ctx)
    if changed_on_disk:
        summary["warning"] = ("config.yaml was changed on disk since this page loaded it: only the fields you "
                              f"edited ({', '.join(sorted(body.edits)) or 'none'}) were written; every other value "
                              "is kept as it is in the file now (the form shows it).")
    return summary


@router.get("/api/pipeline/targets")
def pipeline_targets():
    try:
        from madlc.workflow import run as pipeline_run  # type: ignore[attr-defined]
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
