"""``create_multianimaltraining_dataset``: merged labels, train/test splits and model folders of a project.

Writes, for each TrainingFraction and shuffle (FORMATS.md §1, §4):

* ``training-datasets/iteration-<N>/UnaugmentedDataSet_<T><D>/``: the merged
  ``CollectedData_<S>.h5``/``.csv``, ``<T>_<S><P>shuffle<k>.pickle`` (train images with at least
  one keypoint), ``Documentation_data-<T>_<P>shuffle<k>.pickle`` (``[data, trainIndices,
  testIndices, trainFraction]``) and ``metadata.yaml`` (shuffle registry, ``engine: pytorch``);
* ``dlc-models-pytorch/iteration-<N>/<T><D>-trainset<P>shuffle<k>/``:
  ``train/pytorch_config.yaml`` (the resolved Hydra settings + DeepLabCut's ``metadata`` block, see
  :func:`madlc.nn.models.config.build_pytorch_config`), ``test/pose_cfg.yaml`` and
  ``test/inference_cfg.yaml``.

Readers for evaluation and training: :mod:`madlc.project.trainingset`.

Handling of odd inputs: frames whose labels are all NaN are neither train nor test (they carry no
information; a message says how many); train/test indices index the merged frame (DeepLabCut's
convention). A missing image raises :class:`madlc.errors.FormatError` naming it. Images of different
sizes are fine (their sizes are stored per image; training uses crops).
"""
from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from madlc.project.labels import joint_names, labels_to_keypoints, merge_labels, valid_keypoints
from madlc.errors import ConfigError, FormatError, file_error
from madlc.io.labels import write_labels
from madlc.project import paths
from madlc.project.config import load_config
# readers of what this stage writes (their home is madlc.project.trainingset; importable from here too)
from madlc.project.trainingset import (  # noqa: F401
    dump_yaml,
    keypoints_for_split,
    load_merged_labels,
    load_split,
    load_training_data,
)

MAX_COMPLETE_GRAPH_EDGES = 105  # DeepLabCut prunes larger complete graphs to average degree 6


# ---------------------------------------------------------------- small file helpers


def _write_labels(df: pd.DataFrame, h5_path: Path) -> None:
    write_labels(df, h5_path, backup_existing=False)


def _same_labels(path: Path, df: pd.DataFrame) -> bool:
    """The merged labels on disk equal ``df`` (then the file, maybe DeepLabCut's, is left untouched)."""
    if not path.exists():
        return False
    from madlc.io.labels import read_labels

    try:
        old = read_labels(path)
    except Exception:  # noqa: BLE001 - unreadable: rewrite it
        return False
    try:
        return old.shape == df.shape and old.index.equals(df.index) and old.columns.equals(df.columns) and \
            np.allclose(old.to_numpy(float), df.to_numpy(float), equal_nan=True)
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------- PAF graph
def paf_graph_for(cfg: dict[str, Any], paf_graph: Any = None, seed: int = 0) -> list[list[int]]:
    """The PAF graph: ``[[i, j], ...]`` with ``i < j`` indexing ``multianimalbodyparts``.

    ``None``: the complete graph (pruned at random to average degree 6 when it has >= 105 edges,
    as DeepLabCut does); ``"config"``: the config's ``skeleton``; a list of index pairs: checked,
    must cover every multi-animal body part (else :class:`ConfigError`).
    """
    multi = paths.multianimal_bodyparts(cfg)
    n = len(multi)
    if paf_graph is None:
        edges = [list(e) for e in itertools.combinations(range(n), 2)]
        if len(edges) >= MAX_COMPLETE_GRAPH_EDGES:
            edges = _prune_to_degree(edges, n, 6, seed)
        return edges
    if isinstance(paf_graph, str):
        if paf_graph != "config":
            raise ConfigError(f"paf_graph={paf_graph!r}: use None (complete graph), 'config' (the skeleton) "
                              "or a list of [i, j] index pairs into multianimalbodyparts.")
        pairs = [[multi.index(a), multi.index(b)] for a, b in (cfg.get("skeleton") or []) if a in multi and b in multi]
        what = "the config's skeleton"
    else:
        pairs, what = paf_graph, "paf_graph"
    edges: list[list[int]] = []
    for pair in pairs:
        try:
            i, j = (int(v) for v in pair)
        except (TypeError, ValueError):
            raise ConfigError(f"{what}: entry {pair!r} is not a pair of integer indices. "
                              f"What to do: use indices into multianimalbodyparts {multi}.") from None
        if not (0 <= i < n and 0 <= j < n) or i == j:
            raise ConfigError(f"{what}: entry {[i, j]} is not a pair of two different indices in 0..{n - 1} "
                              f"(multianimalbodyparts: {multi}). What to do: fix the entry.")
        edge = sorted([i, j])
        if edge not in edges:
            edges.append(edge)
    missing = sorted(set(range(n)) - {k for e in edges for k in e})
    if missing and n > 1:
        raise ConfigError(f"{what} does not connect the body part(s) {[multi[k] for k in missing]}; a PAF graph "
                          "must cover every multi-animal body part at least once. What to do: add an edge "
                          "for each, or leave paf_graph unset to use the complete graph.")
    return edges


def _prune_to_degree(edges: list[list[int]], n: int, degree: int, seed: int) -> list[list[int]]:
    """Random spanning tree + random extra edges until ``n * degree / 2`` edges (every node covered)."""
    rng = np.random.default_rng(seed)
    order = list(rng.permutation(n))
    keep = {tuple(sorted((int(order[k]), int(order[rng.integers(0, k)])))) for k in range(1, n)}
    rest = [tuple(e) for e in edges if tuple(e) not in keep]
    rng.shuffle(rest)
    keep |= set(rest[: max(0, n * degree // 2 - len(keep))])
    return [list(e) for e in sorted(keep)]


# ---------------------------------------------------------------- split and training data
def labeled_rows(keypoints: np.ndarray) -> np.ndarray:
    """Row positions with at least one labeled keypoint. ``keypoints``: (n_images, n_slots, n_joints, 2)."""
    return np.flatnonzero(np.isfinite(keypoints).all(-1).any(axis=(1, 2)))


def split_indices(candidates: np.ndarray, train_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """DeepLabCut's split: permute, first ``int(n * round(f, 2))`` train, rest test (int64, unsorted)."""
    perm = candidates[np.random.RandomState(seed).permutation(len(candidates))]
    n_train = int(len(candidates) * round(float(train_fraction), 2))
    return perm[:n_train].astype(np.int64), perm[n_train:].astype(np.int64)


def image_size(project: Path, key: tuple[str, ...]) -> tuple[int, int]:
    """(width, height) of a labeled image, read from its header."""
    from PIL import Image

    path = project.joinpath(*key)
    try:
        with Image.open(path) as img:
            return img.size
    except FileNotFoundError:
        raise file_error(path, "labeled image not found", "restore the image or delete its row from the labels "
                         "(labels of missing images cannot be trained on)") from None
    except OSError as err:
        raise file_error(path, f"cannot read this image ({err})", "re-extract the frame") from err


def training_entries(df: pd.DataFrame, cfg: dict[str, Any], rows: np.ndarray) -> list[dict[str, Any]]:
    """FORMATS.md §4.2 entries (one per row with a keypoint inside its image)."""
    project = paths.project_dir(cfg)
    kpts = labels_to_keypoints(df, cfg)
    n_ind = len(paths.individuals(cfg))
    out = []
    for row in rows:
        key = tuple(str(k) for k in df.index[row])
        width, height = image_size(project, key)
        valid = valid_keypoints(kpts[row], width, height)
        joints = {}
        for slot in range(kpts.shape[1]):
            idx = np.flatnonzero(valid[slot])
            if len(idx):
                xy = np.round(kpts[row, slot, idx], 2)
                joints[slot if slot < n_ind else n_ind] = np.column_stack([idx, xy]).astype(np.float32)
        if joints:
            out.append({"image": key, "size": np.array([3, height, width]), "joints": joints})
    return out


# ---------------------------------------------------------------- metadata.yaml
def _update_metadata(cfg: dict[str, Any], created: dict[str, dict[str, Any]]) -> Path:
    """Register shuffles in ``metadata.yaml``; identical splits share one ``split`` id."""
    from madlc.io import read_dataset_metadata, write_dataset_metadata

    path = paths.training_dataset_folder(cfg) / "metadata.yaml"
    shuffles = dict(read_dataset_metadata(path)["shuffles"] if path.exists() else {})
    for name, entry in created.items():
        shuffles[name] = {k: entry[k] for k in ("train_fraction", "index", "engine")}
    splits: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    for name in sorted(shuffles, key=lambda s: (shuffles[s]["train_fraction"], shuffles[s]["index"])):
        entry = created.get(name)
        if entry is None:
            doc = _doc_pickle_for(cfg, shuffles[name])
            if doc is None:
                shuffles[name].setdefault("split", len(splits) + 1)
                continue
            train, test = doc
        else:
            train, test = entry["train"], entry["test"]
        key = (tuple(sorted(int(i) for i in train)), tuple(sorted(int(i) for i in test)))
        if key not in splits:
            splits.append(key)
        shuffles[name]["split"] = splits.index(key) + 1
    return write_dataset_metadata({"shuffles": shuffles}, path)


def _doc_pickle_for(cfg: dict[str, Any], entry: dict[str, Any]) -> tuple[Any, Any] | None:
    from madlc.io import read_documentation

    p = paths.fraction_percent(entry["train_fraction"])
    path = paths.training_dataset_folder(cfg) / f"Documentation_data-{cfg['Task']}_{p}shuffle{entry['index']}.pickle"
    if not path.exists():
        return None
    doc = read_documentation(path)
    return doc["train_indices"], doc["test_indices"]


# ---------------------------------------------------------------- shuffle numbers
_SHUFFLE_FILE = re.compile(r"_(\d+)shuffle(\d+)\.pickle$")


def existing_shuffles(cfg: dict[str, Any]) -> list[int]:
    """Shuffle numbers the current iteration already has, whoever made them (sorted): training pickles,
    metadata.yaml entries and model folders of DeepLabCut 3 (PyTorch) and 2 (TensorFlow)."""
    found: set[int] = set()
    folder = paths.training_dataset_folder(cfg)
    if folder.is_dir():
        for f in folder.glob("*shuffle*.pickle"):
            m = _SHUFFLE_FILE.search(f.name)
            if m:
                found.add(int(m.group(2)))
        meta = folder / "metadata.yaml"
        if meta.exists():
            from madlc.errors import MadlcError
            from madlc.io import read_dataset_metadata

            try:
                entries = read_dataset_metadata(meta).get("shuffles") or {}
                found |= {int(e["index"]) for e in entries.values() if isinstance(e, dict) and "index" in e}
            except (MadlcError, AttributeError, TypeError, ValueError, KeyError):
                pass  # an unreadable registry: the files above still count
    prefix = f"{paths.task_date(cfg)}-trainset"
    for engine_folder in (paths.ENGINE_MODEL_FOLDER, "dlc-models"):
        root = paths.project_dir(cfg) / engine_folder / paths.iteration_folder(cfg)
        if root.is_dir():
            for d in root.iterdir():
                m = re.fullmatch(re.escape(prefix) + r"\d+shuffle(\d+)", d.name)
                # a folder with files: Snakemake makes a rule's (empty) output folders before the job runs
                if m and d.is_dir() and any(f.is_file() for f in d.rglob("*")):
                    found.add(int(m.group(1)))
    return sorted(found)


def choose_shuffles(cfg: dict[str, Any], Shuffles: list[int] | None, num_shuffles: int,
                    userfeedback: bool = True) -> list[int]:
    """DeepLabCut's rule: new shuffles get the next free numbers; a shuffle asked for by number must not
    exist yet (``userfeedback=False`` allows replacing it; its files are backed up first)."""
    existing = existing_shuffles(cfg)
    if not Shuffles:
        first = existing[-1] + 1 if existing else 1
        return list(range(first, first + int(num_shuffles)))
    shuffles = [int(s) for s in Shuffles]
    taken = [s for s in shuffles if s in existing]
    if taken and userfeedback:
        raise ConfigError(
            f"Cannot create shuffle {taken[0]} as it already exists in {paths.project_dir(cfg)} (existing shuffles: "
            f"{existing}). What to do: leave Shuffles unset to make the next free shuffle "
            f"({existing[-1] + 1}), pick a free number, or pass userfeedback=False (--no-userfeedback) to replace it "
            "(its files are moved to a backup folder first).")
    return shuffles


def _backup_shuffle(cfg: dict[str, Any], shuffle: int, trainingsetindex: int) -> Path | None:
    """Move a shuffle's training pickles and model configs into ``training-datasets/.../backup-shuffle<k>-<time>/``."""
    import shutil
    import time

    model_dir = paths.model_folder(cfg, shuffle, trainingsetindex)
    files = [paths.training_data_pickle(cfg, shuffle, trainingsetindex),
             paths.documentation_pickle(cfg, shuffle, trainingsetindex),
             *(model_dir / "train").glob("*.yaml"), *(model_dir / "test").glob("*.yaml")]
    files = [f for f in files if f.exists()]
    if not files:
        return None
    dest = paths.training_dataset_folder(cfg) / f"backup-shuffle{shuffle}-{time.strftime('%Y%m%d-%H%M%S')}"
    for f in files:
        rel = f.relative_to(paths.project_dir(cfg))
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(f), str(dest / rel))
    print(f"create_multianimaltraining_dataset: shuffle {shuffle} is replaced; its files were moved to {dest}.")
    return dest


# ---------------------------------------------------------------- the public function
def _given_indices(indices: Any, k: int, n_shuffles: int) -> list[int] | None:
    if indices is None:
        return None
    seq = list(indices)
    if seq and not isinstance(seq[0], (list, tuple, np.ndarray)):
        seq = [seq] * n_shuffles  # one flat list: the same split for every shuffle
    if k >= len(seq):
        raise ConfigError(f"trainIndices/testIndices give {len(seq)} split(s) for {n_shuffles} shuffle(s). "
                          "What to do: pass one list of indices per shuffle.")
    return [int(i) for i in seq[k]]


def create_multianimaltraining_dataset(
    config: str | Path,
    num_shuffles: int = 1,
    Shuffles: list[int] | None = None,
    net_type: str | None = None,
    paf_graph: list[list[int]] | None = None,
    trainIndices: list[list[int]] | None = None,
    testIndices: list[list[int]] | None = None,
    overrides: Sequence[str] = (),
    userfeedback: bool = True,
) -> list[str]:
    """Merge the labels, split train/test per TrainingFraction and shuffle, and write each shuffle's model folder.

    Shuffles are never overwritten silently (DeepLabCut's rule): without ``Shuffles`` the next free numbers
    are used (``num_shuffles`` of them); a number in ``Shuffles`` that exists already is refused, unless
    ``userfeedback=False``, which replaces it after moving its files to a backup folder.

    ``net_type``: DeepLabCut's names (``dlcrnet_ms5``, ``resnet_50``, ``resnet_101``, ``mobilenet_v2_1.0``,
    ``efficientnet-b0``) or ``tiny``; default: a ``model=`` override, else config.yaml's
    ``default_net_type``, else madlc's Hydra default. ``paf_graph``: index pairs into
    multianimalbodyparts (must cover all of them), ``"config"`` for the skeleton, or None for the complete
    graph. ``trainIndices``/``testIndices``: one list of row positions (in the merged labels) per shuffle.
    ``overrides``: Hydra ``key=value`` settings stored in train/pytorch_config.yaml
    (e.g. ``data.crop_size=[256,256]``). Returns the model folders written.
    """
    from madlc.nn.models.config import (build_pytorch_config, inference_cfg_for, resolve_settings, test_pose_cfg,
                                     write_model_config)

    cfg = load_config(config)
    if not cfg.get("multianimalproject"):
        raise ConfigError(f"{config}: multianimalproject is false; create_multianimaltraining_dataset is for "
                          "multi-animal projects. What to do: set multianimalproject: true or use a multi-animal project.")
    shuffles = choose_shuffles(cfg, Shuffles, num_shuffles, userfeedback)
    df = merge_labels(cfg)
    folder = paths.training_dataset_folder(cfg)
    folder.mkdir(parents=True, exist_ok=True)
    collected = folder / f"CollectedData_{cfg['scorer']}.h5"
    if not _same_labels(collected, df):
        _write_labels(df, collected)
    kpts = labels_to_keypoints(df, cfg)
    candidates = labeled_rows(kpts)
    if len(candidates) == 0:
        raise FormatError(f"{paths.project_dir(cfg) / 'labeled-data'}: every labeled frame is empty (all NaN). "
                          "What to do: label some frames first.")
    if len(candidates) < len(df):
        print(f"create_multianimaltraining_dataset: {len(df) - len(candidates)} of {len(df)} frames have no labels "
              "and are left out of the train and test sets.")
    graph = paf_graph_for(cfg, paf_graph)
    settings = resolve_settings(cfg, net_type=net_type, overrides=overrides)
    fractions = list(cfg.get("TrainingFraction") or [0.95])
    created: dict[str, dict[str, Any]] = {}
    written: list[str] = []
    jobs: list[tuple[int, float, np.ndarray, np.ndarray]] = []
    for k, shuffle in enumerate(shuffles):
        given_train = _given_indices(trainIndices, k, len(shuffles))
        given_test = _given_indices(testIndices, k, len(shuffles))
        if given_train is not None:
            if given_test is None:
                given_test = [int(i) for i in candidates if int(i) not in set(given_train)]
            bad = [i for i in given_train + given_test if not 0 <= i < len(df)]
            if bad:
                raise ConfigError(f"trainIndices/testIndices {bad[:5]} are not row positions of the merged labels "
                                  f"(0..{len(df) - 1}). What to do: index rows of {folder}/CollectedData_{cfg['scorer']}.h5.")
            fraction = round(len(given_train) / (len(given_train) + len(given_test)), 2)
            if fraction not in fractions:
                fractions.append(fraction)
                from madlc.stages.edit_config import edit_config

                edit_config(str(config), {"TrainingFraction": fractions})
                cfg["TrainingFraction"] = fractions
            jobs.append((shuffle, fraction, np.array(given_train, np.int64), np.array(given_test, np.int64)))
        else:
            for fraction in fractions:
                train, test = split_indices(candidates, fraction, seed=shuffle)
                jobs.append((shuffle, fraction, train, test))
    from madlc.config.dlc_files import record_written
    from madlc.io import write_documentation, write_inference_cfg, write_pose_cfg, write_training_data

    for shuffle, fraction, train, test in jobs:
        tsi = fractions.index(fraction)
        if not userfeedback:
            _backup_shuffle(cfg, shuffle, tsi)
        data = training_entries(df, cfg, train)
        if not data:
            raise FormatError(f"shuffle {shuffle}, TrainingFraction {fraction}: no training image has a keypoint "
                              "inside the image. What to do: label more frames or raise TrainingFraction.")
        write_training_data(data, paths.training_data_pickle(cfg, shuffle, tsi))
        write_documentation([data, train, test, float(fraction)], paths.documentation_pickle(cfg, shuffle, tsi))
        model_dir = paths.model_folder(cfg, shuffle, tsi)
        snaps = paths.list_snapshots(model_dir / "train")
        if snaps:
            print(f"create_multianimaltraining_dataset: {model_dir / 'train'} already holds {len(snaps)} snapshot(s); "
                  "its configs are rewritten and train_network would resume from them. Delete them to start afresh.")
        pytorch_cfg = build_pytorch_config(cfg, settings, graph, shuffle, tsi)
        record_written(write_model_config(model_dir, pytorch_cfg), pytorch_cfg)
        pose_cfg = test_pose_cfg(cfg, pytorch_cfg, shuffle, tsi, settings)
        inference_cfg = inference_cfg_for(cfg, settings, overrides)
        record_written(write_pose_cfg(pose_cfg, model_dir / "test" / "pose_cfg.yaml"), pose_cfg)
        record_written(write_inference_cfg(inference_cfg, model_dir / "test" / "inference_cfg.yaml"), inference_cfg)
        created[paths.shuffle_name(cfg, shuffle, tsi)] = {
            "train_fraction": float(fraction), "index": shuffle, "engine": "pytorch", "train": train, "test": test}
        written.append(str(model_dir))
    _update_metadata(cfg, created)
    return written




__all__ = ["create_multianimaltraining_dataset", "load_merged_labels", "load_split", "load_training_data",
           "keypoints_for_split", "paf_graph_for", "joint_names"]
