"""madlc: multi-animal pose estimation and tracking, DeepLabCut-compatible.

The public API uses the names and arguments of the maDLC user guide. Functions
are imported lazily (``madlc.train_network`` imports torch only when called), so
``import madlc`` and the ``madlc`` command start fast.

Each name below maps to ``module:function``; the ``madlc`` CLI builds one
subcommand per entry (``analyze_videos`` -> ``madlc analyze-videos``).
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

__version__ = "0.1.0"

#: public function name -> "module:attribute". The CLI and the docs are generated from this table.
API: dict[str, str] = {
    # project management (issue: foundation)
    "create_new_project": "madlc.project.manage:create_new_project",
    "add_new_videos": "madlc.project.manage:add_new_videos",
    "edit_config": "madlc.project.manage:edit_config",
    "synth_project": "madlc.synth.project:synth_project",
    "extract_frames": "madlc.video.extract:extract_frames",
    "check_labels": "madlc.viz.check_labels:check_labels",
    # training
    "create_multianimaltraining_dataset": "madlc.data.trainingset:create_multianimaltraining_dataset",
    "train_network": "madlc.models.train:train_network",
    # evaluation
    "evaluate_network": "madlc.evaluation.evaluate:evaluate_network",
    "extract_save_all_maps": "madlc.viz.maps:extract_save_all_maps",
    # video analysis and assembly
    "analyze_videos": "madlc.inference.analyze:analyze_videos",
    "assemble": "madlc.assembly.api:assemble",
    "create_video_with_all_detections": "madlc.viz.detections_video:create_video_with_all_detections",
    "find_outliers_in_raw_data": "madlc.postprocess.raw_outliers:find_outliers_in_raw_data",
    # tracking
    "convert_detections2tracklets": "madlc.tracking.api:convert_detections2tracklets",
    "stitch_tracklets": "madlc.tracking.api:stitch_tracklets",
    "track": "madlc.tracking.api:track",
    "stitch": "madlc.tracking.api:stitch",
    "evaluate_tracking": "madlc.evaluation.tracking_api:evaluate_tracking",
    "create_video_from_pickled_tracks": "madlc.viz.labeled_video:create_video_from_pickled_tracks",
    # after tracking
    "filterpredictions": "madlc.postprocess.filtering:filterpredictions",
    "plot_trajectories": "madlc.viz.trajectories:plot_trajectories",
    "create_labeled_video": "madlc.viz.labeled_video:create_labeled_video",
    "extract_outlier_frames": "madlc.postprocess.outliers:extract_outlier_frames",
    "merge_datasets": "madlc.postprocess.outliers:merge_datasets",
    "promote_machinelabels": "madlc.postprocess.outliers:promote_machinelabels",
    "refine_tracklets": "madlc.postprocess.refine:refine_tracklets",
    # pipeline and GUI
    "run": "madlc.pipeline.run:run",
    "show_settings": "madlc.stages.show_settings:show_settings",
    "demo": "madlc.pipeline.demo:demo",
    "gui": "madlc.webapp.server:gui",
    "label_frames": "madlc.webapp.server:label_frames",
}


def _resolve(name: str) -> Callable[..., Any]:
    module, attr = API[name].split(":")
    return getattr(importlib.import_module(module), attr)


def __getattr__(name: str) -> Any:
    if name in API:
        return _resolve(name)
    raise AttributeError(f"module 'madlc' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(API))
