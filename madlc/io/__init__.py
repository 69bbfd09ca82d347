"""madlc.io: one reader and one writer per DeepLabCut file format (FORMATS.md).

Every ``read_<fmt>(path)`` accepts what DeepLabCut (2.x TF and 3.0 PyTorch) writes and returns the
in-memory contract of the madlc brief; every ``write_<fmt>(obj, path)`` writes atomically a file that
DeepLabCut 3.0.x (numpy<2, pandas<3) opens. Bad input raises :class:`madlc.errors.FormatError`.

=====================  ==============================================  ========================
format                 file                                            module
=====================  ==============================================  ========================
config                 config.yaml                                     config
labels                 labeled-data/<vid>/CollectedData_<S>.h5/.csv    labels
evaluation_predictions evaluation-results-pytorch/.../<scorer>.h5      labels
machinelabels          labeled-data/<vid>/machinelabels-iter<N>.h5     labels
pose_cfg               train|test/pose_cfg.yaml                        yaml_cfgs
inference_cfg          test/inference_cfg.yaml                         yaml_cfgs
dataset_metadata       training-datasets/.../metadata.yaml             yaml_cfgs
training_data          <T>_<S><P>shuffle<k>.pickle                     trainingdata
documentation          Documentation_data-<T>_<P>shuffle<k>.pickle     trainingdata
full_pickle            <vid><scorer>_full.pickle (+ shelve variant)    full_pickle
meta_pickle            <vid><scorer>_meta.pickle                       full_pickle
evaluation_pickle      TF evaluation <scorer>-<snapshot>_full.pickle   full_pickle
assemblies             <vid><scorer>_assemblies.pickle                 assemblies
tracklets              <vid><scorer>_el.pickle                         tracklets
tracks / filtered      <vid><scorer>_el.h5 / _el_filtered.h5 (+ csv)   tracks
=====================  ==============================================  ========================
"""
from __future__ import annotations

from madlc.io.assemblies import frame_number, normalise_assemblies, read_assemblies, write_assemblies
from madlc.io.atomic import atomic_path, backup
from madlc.io.compat import CompatPickler, DictStreamWriter, dump_pickle, dumps, load_pickle, loads, to_builtin
from madlc.io.config import read_config, write_config
from madlc.io.full_pickle import (
    FullPickleWriter,
    frame_indices,
    frame_key_width,
    get_frame,
    read_evaluation_pickle,
    read_full_pickle,
    read_meta_pickle,
    write_evaluation_pickle,
    write_full_pickle,
    write_meta_pickle,
)
from madlc.io.labels import (
    add_individuals_level,
    array_to_labels,
    drop_single_animal_level,
    label_columns,
    labels_index,
    labels_to_array,
    read_evaluation_predictions,
    read_labels,
    read_machinelabels,
    write_evaluation_predictions,
    write_labels,
    write_machinelabels,
)
from madlc.io.tracklets import normalise_tracklets, read_tracklets, tracklet_header, write_tracklets
from madlc.io.tracks import (
    array_to_tracks,
    read_filtered,
    read_tracks,
    tracks_to_array,
    write_filtered,
    write_tracks,
    write_tracks_csv,
)
from madlc.io.trainingdata import read_documentation, read_training_data, write_documentation, write_training_data
from madlc.io.yaml_cfgs import (
    default_inference_cfg,
    read_dataset_metadata,
    read_inference_cfg,
    read_pose_cfg,
    read_yaml,
    write_dataset_metadata,
    write_inference_cfg,
    write_pose_cfg,
    write_yaml,
)

__all__ = [
    "CompatPickler", "DictStreamWriter", "FullPickleWriter", "add_individuals_level", "array_to_labels", "array_to_tracks", "atomic_path", "backup",
    "default_inference_cfg", "drop_single_animal_level", "dump_pickle", "dumps", "frame_indices",
    "frame_key_width", "frame_number", "get_frame", "label_columns", "labels_index", "labels_to_array",
    "load_pickle", "loads", "normalise_assemblies", "normalise_tracklets", "read_assemblies", "read_config",
    "read_dataset_metadata", "read_documentation", "read_evaluation_pickle", "read_evaluation_predictions", "read_filtered", "read_full_pickle",
    "read_inference_cfg", "read_labels", "read_machinelabels", "read_meta_pickle", "read_pose_cfg",
    "read_tracklets", "read_tracks", "read_training_data", "read_yaml", "to_builtin", "tracklet_header",
    "tracks_to_array", "write_assemblies", "write_config", "write_dataset_metadata", "write_documentation",
    "write_evaluation_pickle", "write_evaluation_predictions", "write_filtered", "write_full_pickle", "write_inference_cfg", "write_labels",
    "write_machinelabels", "write_meta_pickle", "write_pose_cfg", "write_tracklets", "write_tracks",
    "write_tracks_csv", "write_training_data", "write_yaml",
]
