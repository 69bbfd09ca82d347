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
    "create_new_project": "madlc.stages.create_new_project:create_new_project",
    "add_new_videos": "madlc.stages.add_new_videos:add_new_videos",
    "edit_config": "madlc.stages.edit_config:edit_config",
    "synth_project": "madlc.stages.synth_project:synth_project",
    "extract_frames": "madlc.stages.extract_frames:extract_frames",
    "check_labels": "madlc.stages.check_labels:check_labels",
    # training
    "create_multianimaltraining_dataset": "madlc.stages.create_multianimaltraining_dataset:create_multianimaltraining_dataset",
    "train_network": "madlc.stages.train_network:train_network",
    # evaluation
    "evaluate_network": "madlc.stages.evaluate_network:evaluate_network",
    "extract_save_all_maps": "madlc.stages.extract_save_all_maps:extract_save_all_maps",
    # video analysis and assembly
    "analyze_videos": "madlc.stages.analyze_videos:analyze_videos",
    "assemble": "madlc.stages.assemble:assemble",
    "create_video_with_all_detections": "madlc.stages.create_video_with_all_detections:create_video_with_all_detections",
    "find_outliers_in_raw_data": "madlc.stages.find_outliers_in_raw_data:find_outliers_in_raw_data",
    # tracking
    "convert_detections2tracklets": "madlc.stages.convert_detections2tracklets:convert_detections2tracklets",
    "stitch_tracklets": "madlc.stages.stitch_tracklets:stitch_tracklets",
    "track": "madlc.stages.track:track",
    "stitch": "madlc.stages.stitch:stitch",
    "evaluate_tracking": "madlc.stages.evaluate_tracking:evaluate_tracking",
    "create_video_from_pickled_tracks": "madlc.stages.create_video_from_pickled_tracks:create_video_from_pickled_tracks",
    # after tracking
    "filterpredictions": "madlc.stages.filterpredictions:filterpredictions",
    "plot_trajectories": "madlc.stages.plot_trajectories:plot_trajectories",
    "create_labeled_video": "madlc.stages.create_labeled_video:create_labeled_video",
    "extract_outlier_frames": "madlc.stages.extract_outlier_frames:extract_outlier_frames",
    "merge_datasets": "madlc.stages.merge_datasets:merge_datasets",
    "promote_machinelabels": "madlc.stages.promote_machinelabels:promote_machinelabels",
    "refine_tracklets": "madlc.stages.refine_tracklets:refine_tracklets",
    # pipeline and GUI
    "run": "madlc.pipeline.run:run",
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
