"""``evaluate_network``: how well a trained shuffle finds and assembles the labelled animals.

For each shuffle and snapshot, the network predicts every train and test image of the shuffle
(all PAF edges); the detections are grouped into animals, and the result is compared with the
human labels (FORMATS.md §8.3, DeepLabCut-PyTorch definitions):

- ``rmse`` / ``rmse_pcutoff``: mean pixel error of the keypoints of predicted animals matched to
  labelled animals (greedy OKS matching), all keypoints / those predicted with likelihood >=
  config.yaml ``pcutoff``; per body part in ``-keypoint-results.csv``;
- ``mAP`` / ``mAR``: OKS-based mean average precision / recall (percent in the CSV files).

Files (PyTorch layout, FORMATS.md §8.1) in ``evaluation-results-pytorch/iteration-<N>/<shuffle>/``:
``<DLCSCORER>.h5`` (assembled predictions of every labelled image), ``<DLCSCORER>-results.csv``,
``<DLCSCORER>-keypoint-results.csv``, ``<DLCSCORER>-paf-graphs.csv`` (madlc: one row per
candidate skeleton), ``LabeledImages_<DLCSCORER>/`` (``plotting``), and the merged
``evaluation-results-pytorch/iteration-<N>/CombinedEvaluation-results.csv``.

Data-driven skeleton (FORMATS.md §8.4): when the network was trained on the complete PAF graph,
each edge is scored on the train images by how well its affinity separates same-animal from
different-animal pairs; candidate graphs (maximum spanning tree + best edges) are assembled and
the smallest one with the best assembly mAP on all labelled images (DeepLabCut 3: test images
only, too few to be reliable in most projects) is kept as ``paf_best`` -- written to
``test/pose_cfg.yaml`` (read by analyze_videos: only those edges are computed and stored as
``PAFinds``), ``test/inference_cfg.yaml`` (read by the assembler) and
``train/pytorch_config.yaml`` (``edges_to_keep``). The pair-distance calibration of the
assembler is fit on the train labels and saved as ``test/calibration.yaml``.
``test/inference_cfg.yaml`` gets every DeepLabCut assembly/tracking key it lacks; values
already in it (a user's edits) are never changed, except ``paf_best``.
"""
from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from madlc.core.metrics import report as rep
from madlc.errors import ConfigError, FormatError, file_error
from madlc.io.labels import label_columns
from madlc.project import paths
from madlc.project.config import config_pcutoff, load_config

COMBINED = "CombinedEvaluation-results.csv"
#: images read and predicted at a time (memory stays bounded on large labelled sets)
CHUNK = 64
#: optional DeepLabCut inference_cfg keys written with their defaults (FORMATS.md §5)
#: optional DeepLabCut inference_cfg keys evaluate_network adds when missing (values: the resolved settings)
OPTIONAL_INFERENCE_KEYS = ("oks_threshold", "greedy_oks")


# ----------------------------------------------------------------------------------- helpers
def _comparison_parts(cfg: dict[str, Any], comparisonbodyparts: str | Sequence[str]
                      ) -> tuple[list[int], list[int], list[str]]:
    """Indices into multi / unique body parts and the names compared (config order)."""
    multi, unique = paths.multianimal_bodyparts(cfg), paths.unique_bodyparts(cfg)
    if comparisonbodyparts in (None, "all") or (isinstance(comparisonbodyparts, (list, tuple))
                                                and list(comparisonbodyparts) == ["all"]):
        chosen = multi + unique
    else:
        chosen = [comparisonbodyparts] if isinstance(comparisonbodyparts, str) else list(comparisonbodyparts)
        bad = [b for b in chosen if b not in multi + unique]
        if bad:
            raise ConfigError(f"comparisonbodyparts {bad} are not body parts of this project ({multi + unique}). "
                              "What to do: pass 'all' or a subset of config.yaml's multianimalbodyparts/"
                              "uniquebodyparts.")
    m = [i for i, b in enumerate(multi) if b in chosen]
    u = [i for i, b in enumerate(unique) if b in chosen]
    return m, u, [multi[i] for i in m] + [unique[i] for i in u]


def _snapshot_indices(cfg: dict[str, Any], train_dir: Path, snapshots: Sequence[str] | None) -> list[int]:
    """Positions in ``list_snapshots(train_dir)`` to evaluate: the named ones, else config.yaml's snapshotindex."""
    snaps = paths.list_snapshots(train_dir)
    if not snaps:
        raise ConfigError(f"{train_dir}: no trained snapshot (snapshot-*.pt). "
                          "What to do: train this shuffle first (madlc train-network CONFIG).")
    names = [s.name for s in snaps]
    if snapshots:
        out = []
        for want in snapshots:
            name = Path(str(want)).name
            name = name if name.endswith(".pt") else name + ".pt"
            if name not in names:
                raise ConfigError(f"snapshot {want!r} is not in {train_dir} (there: {', '.join(names)}). "
                                  "What to do: pass one of those names, or leave snapshots out.")
            out.append(names.index(name))
        return list(dict.fromkeys(out))
    index = cfg.get("snapshotindex", -1)
    if index == "all":
        return list(range(len(snaps)))
    try:
        return [range(len(snaps))[int(index)]]
    except (IndexError, ValueError, TypeError):
        raise ConfigError(f"config.yaml: snapshotindex {index!r} but {train_dir} has {len(snaps)} snapshots "
                          f"({', '.join(names)}). What to do: set snapshotindex: -1 (the last one), 'all' or a "
                          "valid index.") from None


def _epochs(snapshot: Path) -> int:
    return int(paths.snapshot_uid(snapshot).rsplit("_", 1)[-1].replace("best-", ""))


def _predict(model: Any, settings: Any, project: Path, keys: Sequence[tuple[str, ...]], batch_size: int) -> list[dict]:
    """Raw detections (``_full.pickle`` frame dicts) of each labelled image, CHUNK images at a time."""
    from tqdm import tqdm

    from madlc.io.images import read_image
    from madlc.nn.inference.predict import predict_images

    frames: list[dict] = []
    with tqdm(total=len(keys), desc="evaluating images", unit="image", leave=False) as bar:
        for start in range(0, len(keys), CHUNK):
            images = [read_image(project.joinpath(*key)) for key in keys[start:start + CHUNK]]
            frames += predict_images(model, images, settings, batch_size=batch_size, device=model.device)
            bar.update(len(images))
    return frames


def _assembly_settings(cfg: dict[str, Any], infer: Any, inference: Mapping[str, Any]) -> tuple[Any, dict]:
    """AssemblySettings for the complete graph from the resolved ``inference`` group (no paf_best: it is
    re-selected here)."""
    from madlc.stages._settings import assembly_settings

    settings = dict(inference)
    settings.pop("paf_best", None)
    n_multi = len(paths.multianimal_bodyparts(cfg))
    metadata = replace(infer, paf_inds=None).metadata(1)
    meta = {"data": {"individuals": paths.individuals(cfg)}}
    asm = assembly_settings(settings, metadata, meta, n_multi, None)
    if settings.get("calibration") in (None, False, "", "none", "false"):
        asm = replace(asm, calibration_z=0.0, length_weight=0.0)  # the fitted calibration then has no effect
    return asm, settings


# ----------------------------------------------------------------------------------- model files
def update_model_files(cfg: dict[str, Any], folder: Path, paf_best: list[int] | None, pruned: bool,
                       calibration: dict | None, overrides: Sequence[str] = (), settings: Any = None) -> dict[str, Path]:
    """Store the evaluation's choices in the model folder (module docstring); returns what was written.

    ``paf_best`` is written only when ``pruned`` (the graph was selected from data);
    ``inference_cfg.yaml`` only gains missing keys (and ``paf_best``), taken from ``settings`` (the
    resolved settings; None: resolved here) and noted in test/madlc_written.yaml.
    """
    from madlc.config import resolve
    from madlc.config.dlc_files import record_written
    from madlc.io import read_pose_cfg, read_yaml, write_inference_cfg, write_pose_cfg
    from madlc.nn.models.config import PYTORCH_CONFIG, inference_cfg_for, load_pytorch_config, write_model_config
    from madlc.stages.assemble import save_calibration

    written: dict[str, Path] = {}
    test = folder / "test"
    if pruned and paf_best is not None:
        pose_path = test / "pose_cfg.yaml"
        if pose_path.exists():
            pose = read_pose_cfg(pose_path)
            pose["paf_best"] = [int(e) for e in paf_best]
            written["pose_cfg"] = write_pose_cfg(pose, pose_path)
        pcfg_path = folder / "train" / PYTORCH_CONFIG
        if pcfg_path.exists():
            pcfg = load_pytorch_config(folder)
            pred = pcfg["model"].get("heads", {}).get("bodypart", {}).get("predictor")
            if isinstance(pred, dict):
                pred["edges_to_keep"] = [int(e) for e in paf_best]
                written["pytorch_config"] = write_model_config(folder, pcfg)
    inf_path = test / "inference_cfg.yaml"
    current = read_yaml(inf_path, "inference_cfg.yaml") if inf_path.exists() else {}
    if settings is None:
        settings = resolve(cfg.get("project_path"), overrides, dlc_files=[])
    defaults = inference_cfg_for(cfg, settings, overrides)
    for key in OPTIONAL_INFERENCE_KEYS:
        defaults[key] = settings["inference"][key]
    updated = dict(current)
    added = {}
    for key, value in defaults.items():
        if updated.get(key) is None:
            updated[key] = added[key] = value
    if pruned and paf_best is not None:
        updated["paf_best"] = [int(e) for e in paf_best]
    if updated != current or not inf_path.exists():
        written["inference_cfg"] = write_inference_cfg(updated, inf_path)
        if added:
            record_written(inf_path, added, merge=True)
    if calibration is not None:
        written["calibration"] = save_calibration(calibration, test / "calibration.yaml")
    return written


def write_combined(results: pd.DataFrame, path: Path) -> Path:
    """Merge ``results`` into ``CombinedEvaluation-results.csv`` (FORMATS.md §8.1)."""
    from madlc.io.atomic import atomic_path, backup

    existing = None
    if path.exists():
        try:
            existing = pd.read_csv(path, index_col=list(range(len(rep.RESULTS_INDEX))))
        except (ValueError, pd.errors.ParserError, IndexError) as err:
            bak = backup(path)
            warnings.warn(f"{path}: could not be read ({err}); it was saved as {bak} and is rewritten.", stacklevel=3)
    combined = rep.combine_results(results, existing)
    with atomic_path(path) as tmp:
        combined.to_csv(tmp)
    return path


def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    from madlc.io.atomic import atomic_path

    with atomic_path(path) as tmp:
        df.to_csv(tmp)
    return path


# ----------------------------------------------------------------------------------- one snapshot
def evaluate_snapshot_images(cfg: dict[str, Any], frames: Sequence[dict], gt: np.ndarray, train_pos: list[int],
                             test_pos: list[int], asm: Any, settings: dict, parts: tuple[list[int], list[int]],
                             pcutoff: float) -> dict[str, Any]:
    """:func:`madlc.core.assembly.evaluation.evaluate_detections` with the project's counts (see there)."""
    from madlc.core.assembly.evaluation import evaluate_detections

    return evaluate_detections(frames, gt, train_pos, test_pos, asm, len(paths.individuals(cfg)),
                               len(paths.multianimal_bodyparts(cfg)), len(paths.unique_bodyparts(cfg)),
                               parts, pcutoff, greedy_oks=bool(settings.get("greedy_oks")))


def _graph_summary(result: dict[str, Any], n_edges: int) -> dict[str, Any]:
    """Sizes and assembly mAP of the complete and of the selected graph (fractions)."""
    report = result["report"]
    out: dict[str, Any] = {"paf_edges": int(n_edges), "paf_best_edges": len(result["paf_best"])}
    cands = report.get("candidates") or []
    chosen = next((c for c in cands if sorted(c["edges"]) == sorted(result["paf_best"])), None)
    for split in ("train", "test", "all"):
        if split not in report:
            continue
        out[f"{split}_assembly_mAP_complete"] = float(report[split]["mAP"])
        out[f"{split}_assembly_mAP_pruned"] = float(chosen[split]["mAP"]) if chosen else float(report[split]["mAP"])
    return out


def _print_graph(result: dict[str, Any], n_edges: int, summary: dict[str, Any]) -> None:
    if not result["pruned"]:
        print(f"PAF graph: {n_edges} edges (not pruned: the network was not trained on the complete graph, "
              "or there are no train images).")
        return
    table = rep.graph_table(result["report"])
    print(f"Data-driven skeleton: {summary['paf_best_edges']} of {n_edges} PAF edges kept "
          f"(paf_best = {result['paf_best']}).")
    print("  assembly mAP (train/test/all images): complete graph "
          f"{summary['train_assembly_mAP_complete']:.3f}/{summary['test_assembly_mAP_complete']:.3f}/"
          f"{summary['all_assembly_mAP_complete']:.3f}, pruned graph {summary['train_assembly_mAP_pruned']:.3f}/"
          f"{summary['test_assembly_mAP_pruned']:.3f}/{summary['all_assembly_mAP_pruned']:.3f}")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.drop(columns=["edges"]).to_string(index=False))


# ----------------------------------------------------------------------------------- public API
def _split_images(cfg: dict[str, Any], df: pd.DataFrame, keypoints: np.ndarray, shuffle: int, trainingsetindex: int
                  ) -> tuple[list[int], list[tuple[str, ...]], np.ndarray, list[int], list[int], float]:
    """Rows, image keys, labels and train/test positions of a shuffle's images (its Documentation pickle)."""
    from madlc.project.trainingset import load_split

    train_idx, test_idx, fraction = load_split(cfg, shuffle, trainingsetindex)
    bad = [int(i) for i in np.concatenate([train_idx, test_idx]) if not 0 <= int(i) < len(df)]
    if bad:
        raise file_error(paths.documentation_pickle(cfg, shuffle, trainingsetindex),
                         f"train/test rows {bad[:5]} are not rows of the merged labels ({len(df)} rows)",
                         "re-create the training dataset (create_multianimaltraining_dataset)")
    rows = sorted(set(int(i) for i in train_idx) | set(int(i) for i in test_idx))
    position = {r: p for p, r in enumerate(rows)}
    train_pos = [position[int(i)] for i in train_idx]
    test_pos = [position[int(i)] for i in test_idx]
    keys = [tuple(str(k) for k in df.index[r]) for r in rows]
    return rows, keys, keypoints[rows], train_pos, test_pos, fraction


def snapshot_metrics(config: str | Path | dict[str, Any], shuffle: int = 1, trainingsetindex: int = 0,
                     snapshotindex: int = -1, overrides: Sequence[str] = ()) -> dict[str, float]:
    """evaluate_network's numbers for one snapshot (train/test rmse, rmse_pcutoff, mAP, mAR), computed the same
    way but without writing any file: train_network's end-of-run report."""
    from madlc.config.dlc_files import model_test_files
    from madlc.nn.inference.model import load_inference_model
    from madlc.nn.inference.run import default_device
    from madlc.project.labels import labels_to_keypoints
    from madlc.project.trainingset import load_merged_labels
    from madlc.stages._settings import stage_settings

    cfg = load_config(config)
    df = load_merged_labels(cfg)
    rows, keys, gt, train_pos, test_pos, _ = _split_images(cfg, df, labels_to_keypoints(df, cfg), shuffle,
                                                           trainingsetindex)
    folder = paths.model_folder(cfg, shuffle, trainingsetindex)
    pcutoff = config_pcutoff(cfg)
    resolved = stage_settings("evaluate", cfg["project_path"], list(overrides), dlc_files=model_test_files(folder))
    model = load_inference_model(cfg, shuffle, trainingsetindex, default_device(), snapshotindex=snapshotindex,
                                 settings=resolved)
    infer = replace(model.settings, paf_inds=None)
    frames = _predict(model, infer, paths.project_dir(cfg), keys, int(cfg.get("batch_size") or 8))
    asm, settings = _assembly_settings(cfg, infer, resolved["inference"])
    multi_parts, unique_parts, _ = _comparison_parts(cfg, "all")
    result = evaluate_snapshot_images(cfg, frames, gt, train_pos, test_pos, asm, settings, (multi_parts, unique_parts),
                                      pcutoff)
    return {f"{split}_{key}": float(result[split][key]) for split in ("train", "test")
            for key in ("rmse", "rmse_pcutoff", "mAP", "mAR")}


def predictions_frame(arr: np.ndarray, scorer: str, individuals: Sequence[str], multi_bodyparts: Sequence[str],
                      unique_bodyparts: Sequence[str], index: pd.Index) -> pd.DataFrame:
    """``<DLCSCORER>.h5`` table from :func:`predictions_array` output: DeepLabCut's columns with x, y, likelihood."""
    multi, unique = list(multi_bodyparts), list(unique_bodyparts)
    animals = [i for i in individuals if i != "single"]
    arr = np.asarray(arr, dtype=float)
    blocks = [arr[:, : len(animals), : len(multi), :3].reshape(len(arr), -1)]
    if unique:
        blocks.append(arr[:, -1, len(multi):, :3].reshape(len(arr), -1))
    cols = label_columns(scorer, animals, multi, unique, coords=("x", "y", "likelihood"))
    return pd.DataFrame(np.concatenate(blocks, axis=1), index=index, columns=cols)


def evaluate_network(
    config: str,
    Shuffles: list[int] = [1],  # noqa: B006 - DeepLabCut's signature
    trainingsetindex: int = 0,
    plotting: bool | str = False,
    show_errors: bool = True,
    comparisonbodyparts: str | list[str] = "all",
    snapshots: list[str] | None = None,
    overrides: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
) -> dict:
    """Evaluate trained shuffles on their train and test images; write evaluation-results-pytorch/ tables.

    For each shuffle and snapshot (config.yaml ``snapshotindex``, ``all``, or the ``snapshots``
    named, e.g. ``snapshot-050``): RMSE (mean pixel error of matched animals, all keypoints and
    likelihood >= pcutoff) per body part and overall, and OKS mAP/mAR, printed and written as
    DeepLabCut's CSV files. Also selects the data-driven skeleton (paf_best) and fits the
    assembler's calibration, stored in the model folder for video analysis.
    ``plotting``: True / ``"bodypart"`` (colour per body part) or ``"individual"`` writes the
    labelled images (human +, confident prediction dot, x below pcutoff).
    ``comparisonbodyparts``: ``all`` or the body parts the errors are computed on.
    ``overrides``: inference settings, e.g. ``inference.pafthreshold=0.2``; resolved once per shuffle
    (defaults < the model's test/ files as madlc wrote them < madlc.yaml < those files edited by
    hand < ``overrides``), or ``settings`` as given (a Snakemake rule's params).
    Returns the headline numbers of the last evaluated snapshot (mAP/mAR as fractions).
    """
    from madlc.config.dlc_files import model_test_files
    from madlc.io import write_evaluation_predictions
    from madlc.nn.inference.model import load_inference_model
    from madlc.project.labels import labels_to_keypoints
    from madlc.project.trainingset import load_merged_labels
    from madlc.stages._settings import stage_settings

    cfg = load_config(config)
    project = paths.project_dir(cfg)
    if plotting not in (False, True, None, "bodypart", "individual", "True", "False", "true", "false"):
        raise ConfigError(f"plotting={plotting!r}. What to do: use True, False, 'bodypart' or 'individual'.")
    plot_by = None
    if plotting in (True, "True", "true", "bodypart"):
        plot_by = "bodypart"
    elif plotting == "individual":
        plot_by = "individual"
    if isinstance(Shuffles, int):
        Shuffles = [Shuffles]
    fractions = list(cfg.get("TrainingFraction") or [0.95])
    if not 0 <= int(trainingsetindex) < len(fractions):
        raise ConfigError(f"trainingsetindex {trainingsetindex}: config.yaml TrainingFraction has {len(fractions)} "
                          f"value(s) {fractions}. What to do: use an index below {len(fractions)}.")
    pcutoff = config_pcutoff(cfg)
    multi_parts, unique_parts, compared = _comparison_parts(cfg, comparisonbodyparts)
    individuals = paths.individuals(cfg)
    multi, unique = paths.multianimal_bodyparts(cfg), paths.unique_bodyparts(cfg)
    df = load_merged_labels(cfg)
    keypoints = labels_to_keypoints(df, cfg)
    from madlc.nn.inference.run import default_device

    device = default_device()
    hydra_overrides = [str(o) for o in overrides]
    headline: dict[str, Any] = {}
    for shuffle in Shuffles:
        shuffle = int(shuffle)
        folder = paths.model_folder(cfg, shuffle, trainingsetindex)
        if not folder.exists():
            raise ConfigError(f"{folder}: no model folder for shuffle {shuffle} (trainingsetindex {trainingsetindex}). "
                              "What to do: create the training dataset and train this shuffle first.")
        rows, keys, gt, train_pos, test_pos, fraction = _split_images(cfg, df, keypoints, shuffle, trainingsetindex)
        eval_dir = paths.evaluation_folder(cfg, shuffle, trainingsetindex)
        indices = _snapshot_indices(cfg, folder / "train", snapshots)
        default_index = _snapshot_indices(cfg, folder / "train", None)[-1]
        update_from = default_index if default_index in indices else indices[-1]
        resolved = stage_settings("evaluate", config, hydra_overrides, settings, dlc_files=model_test_files(folder))
        for index in indices:
            model = load_inference_model(cfg, shuffle, trainingsetindex, device, snapshotindex=index,
                                         settings=resolved)
            infer = replace(model.settings, paf_inds=None)  # all edges: the skeleton is selected below
            print(f"Evaluating {model.snapshot.name} of shuffle {shuffle} ({len(train_pos)} train, "
                  f"{len(test_pos)} test images) ...")
            frames = _predict(model, infer, project, keys, int(cfg.get("batch_size") or 8))
            asm, inference = _assembly_settings(cfg, infer, resolved["inference"])
            result = evaluate_snapshot_images(cfg, frames, gt, train_pos, test_pos, asm, inference,
                                              (multi_parts, unique_parts), pcutoff)
            scorer = model.scorer
            epochs = _epochs(model.snapshot)
            results = rep.results_frame(fraction, shuffle, epochs, pcutoff, result["train"], result["test"])
            eval_dir.mkdir(parents=True, exist_ok=True)
            _write_csv(results, eval_dir / f"{scorer}-results.csv")
            _write_csv(rep.keypoint_results_frame(compared, result["train"], result["test"]),
                       eval_dir / f"{scorer}-keypoint-results.csv")
            graphs = rep.graph_table(result["report"])
            if not graphs.empty:
                _write_csv(graphs, eval_dir / f"{scorer}-paf-graphs.csv")
            arr = rep.predictions_array(result["animals"], result["scores"], len(individuals), len(multi),
                                        result["unique"], len(unique))
            full = np.full((len(df),) + arr.shape[1:], np.nan)
            full[rows] = arr
            write_evaluation_predictions(predictions_frame(full, scorer, individuals, multi, unique, df.index),
                                         eval_dir / f"{scorer}.h5")
            write_combined(results, eval_dir.parent / COMBINED)
            print(f"Evaluation results for {scorer}-results.csv (pcutoff: {pcutoff}):")
            print(rep.format_results(results))
            n_edges = len(infer.graph)
            summary = _graph_summary(result, n_edges)
            if show_errors:
                per = rep.keypoint_results_frame(compared, result["train"], result["test"])
                with pd.option_context("display.width", 160, "display.max_columns", 30):
                    print(per.to_string())
                _print_graph(result, n_edges, summary)
            if plot_by is not None:
                splits = ["train" if p in set(train_pos) else "test" for p in range(len(rows))]
                out_dir = eval_dir / f"LabeledImages_{scorer}"
                from madlc.viz.evaluation import plot_evaluation_images

                gt_draw = gt if gt.shape[1] == arr.shape[1] else gt[:, : arr.shape[1]]
                plot_evaluation_images(project, keys, splits, gt_draw[:, :, :arr.shape[2]], arr, pcutoff, out_dir,
                                       cfg, plot_by)
                print(f"Labelled images: {out_dir}")
            if index == update_from:
                written = update_model_files(cfg, folder, result["paf_best"], result["pruned"],
                                             result["report"]["calibration"], hydra_overrides, settings)
                if result["pruned"]:
                    print(f"paf_best written to {', '.join(str(p) for k, p in written.items() if k != 'calibration')}")
            headline = {
                "shuffle": shuffle, "snapshot": model.snapshot.name, "scorer": scorer, "training_epochs": epochs,
                "pcutoff": pcutoff,
                **{f"{split}_{key}": float(result[split][key]) for split in ("train", "test")
                   for key in ("rmse", "rmse_pcutoff", "mAP", "mAR")},
                **summary,
                "results_csv": str(eval_dir / f"{scorer}-results.csv"),
            }
    if not headline:
        raise FormatError("evaluate_network: nothing was evaluated. What to do: pass the shuffles to evaluate "
                          "(Shuffles=[1]).")
    return headline
