"""What the Snakemake DAG is made of, computed from a project's config.yaml and madlc's settings.

The Snakefile stays declarative: it asks this module for the videos, the shuffle, the files
each stage writes and the settings each stage depends on (its ``params:``, so that Snakemake
reruns exactly the stages whose settings changed).

Every rule declares the files its stage really writes, with DeepLabCut's names: the training
set of the shuffle, ``train/learning_stats.csv``, ``<scorer>-results.csv``,
``<video><scorer>_full.pickle``, ``…_el.pickle``, ``…_el.h5``, ``…_el_filtered.h5``, the labeled
video... So Snakemake sees work done outside it (by madlc's own commands or by DeepLabCut),
and its own tools (``--summary``, ``--list-changes params``, ``--delete-all-output``) work.
The scorer (``DLC_<Net>_<Task><date>shuffle<k>_snapshot_<N>``) depends on the trained snapshot:
the Snakefile asks for it once the ``train_network`` checkpoint is done (:meth:`Plan.scorer`).
Job logs live in ``<project>/.madlc/logs/``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml

from madlc.project import paths
from madlc.project.config import config_pcutoff

STATE_DIR = ".madlc"

#: config.yaml keys each stage depends on. The training set has none on purpose: once a shuffle
#: exists it is never rebuilt by `madlc run` (a trained snapshot depends on it); a new training set
#: is a new shuffle (`madlc create-multianimaltraining-dataset`, then `madlc run pipeline.shuffle=N`).
STAGE_CONFIG_KEYS: dict[str, tuple[str, ...]] = {
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


def stage_settings(plan: "Plan", stage: str) -> dict[str, Any]:
    """The resolved settings ``stage`` depends on (the rule's ``params.settings``; passed on to the stage).

    The groups come from madlc's one resolver (:func:`madlc.config.resolve`): defaults < DeepLabCut's
    files of the plan's shuffle when DeepLabCut wrote them < madlc.yaml < hand edits of those files
    (for the stages that read them) < command line; plus the config.yaml keys the stage reads.
    Values madlc itself wrote into DeepLabCut's files are left out: the run derives them again.
    """
    from madlc.config.stages import READS_DLC_FILES, stage_groups

    resolved = plan.resolved(with_dlc_files=stage in READS_DLC_FILES)
    values: dict[str, Any] = resolved.groups(stage_groups(stage))
    values["config.yaml"] = {k: plan.cfg.get(k) for k in STAGE_CONFIG_KEYS.get(stage, ())}
    return values


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
    shuffle_origin: str = ""  # why this shuffle (shown by `madlc run --dry-run`)

    def resolved(self, with_dlc_files: bool) -> Any:
        """The run's settings resolved once (with or without the shuffle's DeepLabCut files)."""
        from madlc.config.dlc_files import model_test_files

        cache = self.__dict__.setdefault("_resolved", {})
        # keyed by the files found: a shuffle made during the run (before its checkpoint) brings its files in
        files = tuple(model_test_files(paths.model_folder(self.cfg, self.shuffle, self.trainingsetindex))) \
            if with_dlc_files else ()
        if files not in cache:
            from madlc.config import resolve

            # the files' values as madlc wrote them are left out: this run's own jobs derive them again
            cache[files] = resolve(self.config_path, self.overrides, dlc_files=list(files), madlc_written=False)
        return cache[files]

    @property
    def track_method(self) -> str:
        """The tracker: settings ``pipeline.track_method``, else config.yaml's ``default_track_method``."""
        method = (self.settings.get("pipeline") or {}).get("track_method") or self.cfg.get("default_track_method")
        return method if method in ("auto", "box", "ellipse", "skeleton") else "ellipse"

    # ---- files (relative to the project when inside it) ---------------------------------
    def rel(self, path: str | Path) -> str:
        path = Path(path)
        try:
            return str(path.relative_to(self.project))
        except ValueError:
            return str(path)

    @property
    def model_folder(self) -> str:
        return self.rel(paths.model_folder(self.cfg, self.shuffle, self.trainingsetindex))

    @property
    def evaluation_folder(self) -> str:
        return self.rel(paths.evaluation_folder(self.cfg, self.shuffle, self.trainingsetindex))

    def dataset_outputs(self) -> dict[str, str]:
        """The shuffle's training set and configs (what create_multianimaltraining_dataset and DeepLabCut write)."""
        return {
            "training_data": self.rel(paths.training_data_pickle(self.cfg, self.shuffle, self.trainingsetindex)),
            "documentation": self.rel(paths.documentation_pickle(self.cfg, self.shuffle, self.trainingsetindex)),
            "pytorch_config": f"{self.model_folder}/train/pytorch_config.yaml",
            "pose_cfg": f"{self.model_folder}/test/pose_cfg.yaml",
        }

    def dataset_exists(self) -> bool:
        return all((self.project / p).exists() for p in self.dataset_outputs().values())

    @property
    def learning_stats(self) -> str:
        """``train/learning_stats.csv``: written by training (madlc's and DeepLabCut's), the checkpoint's output."""
        return f"{self.model_folder}/train/learning_stats.csv"

    def is_trained(self) -> bool:
        return bool(paths.list_snapshots(self.project / self.model_folder / "train"))

    def scorer(self) -> str:
        """The scorer of the snapshot config.yaml's ``snapshotindex`` picks (known once the shuffle is trained)."""
        from madlc.nn.inference.model import select_snapshot

        folder = self.project / self.model_folder
        snapshot = select_snapshot(self.cfg, folder)
        return paths.scorer_name(self.cfg, self.net_type(folder), snapshot, self.shuffle)

    @staticmethod
    def net_type(folder: Path) -> str:
        """``net_type`` of the shuffle (train/pytorch_config.yaml, else test/pose_cfg.yaml), as inference names it."""
        for name in ("train/pytorch_config.yaml", "test/pose_cfg.yaml"):
            try:
                value = (yaml.safe_load((folder / name).read_text()) or {}).get("net_type")
            except (OSError, yaml.YAMLError, AttributeError):
                value = None
            if value:
                return str(value)
        return "resnet_50"

    @property
    def scorer_regex(self) -> str:
        """What a scorer of this shuffle looks like (keeps the video name and the scorer apart in file names)."""
        return (r"DLC_[A-Za-z0-9]+_" + re.escape(paths.task_date(self.cfg)) +
                rf"shuffle{self.shuffle}_snapshot_(?:best-)?[0-9]+")

    @property
    def suffix(self) -> str:
        """The tracker's file suffix; ``auto`` writes the files of the tracker it picks (always the skeleton's)."""
        if self.track_method == "auto":
            from madlc.core.tracking.auto import PICKED_TRACKER

            return paths.tracker_suffix(PICKED_TRACKER)
        return paths.tracker_suffix(self.track_method)

    def patterns(self) -> dict[str, str]:
        """Output file patterns of the per-video stages (wildcards ``folder``, ``stem``, ``scorer``)."""
        from madlc.stages.create_labeled_video import labeled_video_path
        from madlc.stages.create_video_with_all_detections import full_video_path

        prefix = "{folder}/{stem}{scorer}"
        tracks = prefix + self.suffix
        return {
            "full": prefix + "_full.pickle",
            "meta": prefix + "_meta.pickle",
            "tracklets": tracks + ".pickle",
            "tracks": tracks + ".h5",
            "filtered": tracks + "_filtered.h5",
            "tracking_metrics": tracks + "_tracking_metrics.json",
            "labeled_video": str(labeled_video_path(tracks + "_filtered.h5", "bodypart", None,
                                                    bool(self.cfg.get("multianimalproject")),
                                                    config_pcutoff(self.cfg))),
            "detections_video": str(full_video_path(prefix + "_full.pickle")),
            "raw_outliers": prefix + "_raw_outlier_frames.json",
            "outliers": tracks + "_outlier_frames.json",
            "evaluation": self.evaluation_folder + "/{scorer}-results.csv",
        }

    def plot_patterns(self) -> list[str]:
        """The trajectory figures of plot_trajectories (filtered tracks), one per individual."""
        names = paths.individuals(self.cfg) if self.cfg.get("multianimalproject") else [""]
        return [f"{{folder}}/plot-poses/{{stem}}/trajectory_filtered{name}.png" for name in names]

    def video_folder(self, stem: str) -> str:
        return self.rel(self.videos[stem].parent)

    def output(self, kind: str, stem: str = "", scorer: str = "") -> str:
        """The file of ``kind`` for one video (``patterns()`` filled in)."""
        folder = self.video_folder(stem) if stem else ""
        return self.patterns()[kind].format(folder=folder, stem=stem, scorer=scorer)

    def plots(self, stem: str) -> list[str]:
        return [p.format(folder=self.video_folder(stem), stem=stem) for p in self.plot_patterns()]

    def log(self, rule: str, pattern: str = "") -> str:
        """``.madlc/logs/<rule>/<output name>.log`` (same wildcards as the output)."""
        if not pattern:
            return f"{STATE_DIR}/logs/{rule}.log"
        return f"{STATE_DIR}/logs/{rule}/{pattern}.log"

    def labels_file(self, stem: str) -> str:
        return f"labeled-data/{stem}/CollectedData_{self.cfg['scorer']}.h5"

    def has_ground_truth(self, stem: str) -> bool:
        """Whether ``ground-truth/<stem>_gt.h5`` exists (synthetic projects have it)."""
        return (self.project / "ground-truth" / f"{stem}_gt.h5").exists()

    def params(self, stage: str) -> str:
        """The settings ``stage`` depends on, as one canonical JSON string (Snakemake compares it between runs)."""
        return json.dumps(stage_settings(self, stage), sort_keys=True, default=str)


def make_plan(config: str | Path, overrides: Sequence[str] = (), extra_videos: Sequence[str] = (),
              shuffle: int | None = None, trainingsetindex: int | None = None) -> Plan:
    """Read the project and the settings, and list what the DAG works on.

    The shuffle: ``pipeline.shuffle`` when set, else the newest shuffle the project has (made by
    madlc or DeepLabCut), else 1.
    """
    from madlc.config import compose, to_dict
    from madlc.project.config import load_config
    from madlc.project.manage import project_videos

    config_path = Path(config).resolve()
    cfg = load_config(config_path)
    settings = to_dict(compose(config_path, overrides))
    pipeline = settings.get("pipeline") or {}
    tsi = int(trainingsetindex if trainingsetindex is not None else pipeline.get("trainingsetindex") or 0)
    chosen, origin = paths.pipeline_shuffle(cfg, shuffle if shuffle is not None else pipeline.get("shuffle"), tsi)
    plan = Plan(config_path, Path(cfg["project_path"]), cfg, settings, list(overrides),
                shuffle=chosen, trainingsetindex=tsi, shuffle_origin=origin)
    for video in project_videos(cfg):
        plan.videos.setdefault(video.stem, video)
    for video in extra_videos:
        plan.videos.setdefault(Path(video).stem, Path(video).resolve())
    project_stems = [Path(str(v).replace("\\", "/")).stem for v in cfg.get("video_sets") or {}]
    with_labels = [s for s in project_stems if (plan.project / plan.labels_file(s)).exists()]
    plan.labeled = with_labels or project_stems
    return plan
