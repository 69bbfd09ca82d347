"""What the Snakemake DAG is made of, computed from a project's config.yaml and madlc's settings.

The Snakefile stays declarative: it asks this module for the videos, the files that mark
each stage as done, and the settings each stage depends on (its ``params:``, so that
Snakemake reruns exactly the stages whose settings changed).

Bookkeeping lives in ``<project>/.madlc/``: one small ``.done`` file per finished job,
written atomically after the stage's DeepLabCut outputs are complete. The outputs
themselves keep DeepLabCut's names and folders (their names depend on the trained
snapshot, which is not known before training, hence the marker files).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from madlc.project import paths

STATE_DIR = ".madlc"

#: settings groups each stage depends on (changing any value reruns that stage and what follows)
STAGE_GROUPS: dict[str, tuple[str, ...]] = {
    "dataset": (),
    "train": ("model", "data", "train", "seed"),
    "evaluate": ("inference",),
    "analyze": ("inference",),
    "tracklets": ("inference", "tracking"),
    "stitch": ("tracking",),
    "filter": ("filter",),
    "plots": (),
    "labeled_video": (),
    "maps": (),
    "outliers": (),
    "detections_video": ("review",),
    "raw_outliers": ("review",),
}
#: config.yaml keys each stage depends on
STAGE_CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "dataset": ("individuals", "multianimalbodyparts", "uniquebodyparts", "bodyparts", "identity",
                "TrainingFraction", "iteration", "default_net_type"),
    "train": (),
    "evaluate": ("pcutoff", "snapshotindex"),
    "analyze": ("snapshotindex", "batch_size", "cropping", "x1", "x2", "y1", "y2"),
    "tracklets": ("default_track_method",),
    "stitch": (),
    "filter": (),
    "plots": ("pcutoff", "colormap", "dotsize", "alphavalue"),
    "labeled_video": ("pcutoff", "colormap", "dotsize", "alphavalue", "skeleton", "skeleton_color"),
    "detections_video": ("pcutoff", "colormap", "dotsize"),
    "raw_outliers": ("numframes2pick", "start", "stop"),
}


@dataclass
class Plan:
    """The project as the DAG sees it."""

    config_path: Path
    project: Path
    cfg: dict[str, Any]
    settings: dict[str, Any]
    overrides: list[str]
    videos: dict[str, Path] = field(default_factory=dict)  # stem -> video path (project + extra videos)
    labeled: list[str] = field(default_factory=list)  # stems whose labels feed the training set
    shuffle: int = 1
    trainingsetindex: int = 0

    @property
    def track_method(self) -> str:
        """The tracker: settings ``pipeline.track_method``, else config.yaml's ``default_track_method``."""
        method = (self.settings.get("pipeline") or {}).get("track_method") or self.cfg.get("default_track_method")
        return method if method in ("auto", "box", "ellipse", "skeleton") else "ellipse"

    # ---- files -------------------------------------------------------------------------
    @property
    def model_state(self) -> str:
        """``.madlc/iteration-<N>/<shuffle name>``: markers of the model stages (relative to the project)."""
        return f"{STATE_DIR}/{paths.iteration_folder(self.cfg)}/{paths.shuffle_name(self.cfg, self.shuffle, self.trainingsetindex)}"

    def marker(self, stage: str, stem: str | None = None) -> str:
        """Marker file of a stage (per video when ``stem`` is given), relative to the project."""
        if stem is None:
            return f"{self.model_state}/{stage}.done"
        return f"{self.model_state}/videos/{stem}/{stage}.done"

    def labels_file(self, stem: str) -> str:
        return f"labeled-data/{stem}/CollectedData_{self.cfg['scorer']}.h5"

    def has_ground_truth(self, stem: str) -> bool:
        """Whether ``ground-truth/<stem>_gt.h5`` exists (synthetic projects have it)."""
        return (self.project / "ground-truth" / f"{stem}_gt.h5").exists()

    def params(self, stage: str) -> str:
        """The settings ``stage`` depends on, as one canonical JSON string (Snakemake compares it between runs)."""
        values: dict[str, Any] = {g: self.settings.get(g) for g in STAGE_GROUPS.get(stage, ())}
        values["config.yaml"] = {k: self.cfg.get(k) for k in STAGE_CONFIG_KEYS.get(stage, ())}
        return json.dumps(values, sort_keys=True, default=str)


def make_plan(config: str | Path, overrides: Sequence[str] = (), extra_videos: Sequence[str] = (),
              shuffle: int | None = None, trainingsetindex: int | None = None) -> Plan:
    """Read the project and the settings, and list what the DAG works on."""
    from madlc.project.config import load_config
    from madlc.project.manage import project_videos
    from madlc.settings import compose, to_dict

    config_path = Path(config).resolve()
    cfg = load_config(config_path)
    settings = to_dict(compose(config_path, overrides))
    pipeline = settings.get("pipeline") or {}
    plan = Plan(config_path, Path(cfg["project_path"]), cfg, settings, list(overrides),
                shuffle=int(shuffle if shuffle is not None else pipeline.get("shuffle", 1)),
                trainingsetindex=int(trainingsetindex if trainingsetindex is not None else pipeline.get("trainingsetindex", 0)))
    for video in project_videos(cfg):
        plan.videos.setdefault(video.stem, video)
    for video in extra_videos:
        plan.videos.setdefault(Path(video).stem, Path(video).resolve())
    project_stems = [Path(str(v).replace("\\", "/")).stem for v in cfg.get("video_sets") or {}]
    with_labels = [s for s in project_stems if (plan.project / plan.labels_file(s)).exists()]
    plan.labeled = with_labels or project_stems
    return plan
