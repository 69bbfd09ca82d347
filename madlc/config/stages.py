"""Which settings groups each stage depends on: the one table the resolver, ``madlc show-settings``
and the Snakemake rules' ``params:`` read (changing a value reruns exactly the stages that use it)."""
from __future__ import annotations

#: pipeline stage -> settings groups it depends on
STAGE_GROUPS: dict[str, tuple[str, ...]] = {
    "dataset": (),
    "train": ("model", "data", "train", "seed"),
    "evaluate": ("inference",),
    "analyze": ("inference", "analyze"),
    "assemble": ("inference",),
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

#: public function -> its stage in STAGE_GROUPS (``madlc show-settings CONFIG STAGE`` takes either name)
FUNCTION_STAGES: dict[str, str] = {
    "create_multianimaltraining_dataset": "dataset",
    "train_network": "train",
    "evaluate_network": "evaluate",
    "extract_save_all_maps": "maps",
    "analyze_videos": "analyze",
    "assemble": "assemble",
    "create_video_with_all_detections": "detections_video",
    "find_outliers_in_raw_data": "raw_outliers",
    "convert_detections2tracklets": "tracklets",
    "track": "tracklets",
    "stitch_tracklets": "stitch",
    "stitch": "stitch",
    "filterpredictions": "filter",
    "plot_trajectories": "plots",
    "create_labeled_video": "labeled_video",
    "create_video_from_pickled_tracks": "labeled_video",
    "extract_outlier_frames": "outliers",
}

#: stages whose settings include DeepLabCut's files of the shuffle (test/inference_cfg.yaml, test/pose_cfg.yaml)
READS_DLC_FILES = frozenset({"evaluate", "analyze", "assemble", "tracklets", "stitch"})


def stage_name(stage: str) -> str:
    """The STAGE_GROUPS key of a stage or public function name (ConfigError listing the names otherwise)."""
    from madlc.errors import ConfigError

    key = stage.replace("-", "_")
    if key in STAGE_GROUPS:
        return key
    if key in FUNCTION_STAGES:
        return FUNCTION_STAGES[key]
    raise ConfigError(f"unknown stage {stage!r}. What to do: use one of {', '.join(sorted(STAGE_GROUPS))} "
                      f"or a function name ({', '.join(sorted(FUNCTION_STAGES))}).")


def stage_groups(stage: str | None) -> tuple[str, ...]:
    """The groups of ``stage`` (None: every group)."""
    from madlc.config.schema import TOP_LEVEL

    return TOP_LEVEL if stage is None else STAGE_GROUPS[stage_name(stage)]
