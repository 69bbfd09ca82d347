"""evaluate_network: metrics and DeepLabCut tables on hand-made predictions, and the whole stage
after a very short training on the synthetic project."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from madlc.core.metrics import report as rep
from madlc.core.metrics.rmse import rmse_matched
from madlc.stages.evaluate_network import predictions_frame

# ----------------------------------------------------------------------------- hand-made data


def two_animals() -> np.ndarray:
    """GT of one image: 2 animals x 4 body parts (x, y)."""
    a = np.array([[10.0, 10.0], [20.0, 12.0], [30.0, 15.0], [40.0, 20.0]])
    return np.stack([a, a + [0.0, 50.0]])


def with_score(xy: np.ndarray, score: float = 0.9) -> np.ndarray:
    return np.concatenate([xy, np.full(xy.shape[:-1] + (1,), score)], axis=-1)


def test_split_metrics_perfect_and_shifted():
    gt = [two_animals(), two_animals() + 5]
    perfect = [with_score(g[::-1]) for g in gt]  # order of predicted animals does not matter
    m = rep.split_metrics(perfect, gt, pcutoff=0.6)
    assert m["rmse"] == pytest.approx(0.0) and m["rmse_pcutoff"] == pytest.approx(0.0)
    assert m["mAP"] == pytest.approx(1.0) and m["mAR"] == pytest.approx(1.0)
    assert m["per_bodypart"].shape == (4,)

    shifted = [with_score(g + [3.0, 4.0]) for g in gt]  # 5 px off everywhere
    shifted[0][0, 1, 2] = 0.2  # one keypoint below pcutoff, 10 px off
    shifted[0][0, 1, :2] += [6.0, 8.0]
    m = rep.split_metrics(shifted, gt, pcutoff=0.6)
    assert m["rmse"] == pytest.approx((15 * 5 + 15) / 16)
    assert m["rmse_pcutoff"] == pytest.approx(5.0)
    assert m["per_bodypart"][1] == pytest.approx((5 * 3 + 15) / 4)
    assert m["per_bodypart_pcutoff"][1] == pytest.approx(5.0)
    assert 0.0 <= m["mAP"] < 1.0
    # same number as the metric module's DeepLabCut-PyTorch rmse
    ref = rmse_matched(shifted, gt, pcutoff=0.6)
    assert m["rmse"] == pytest.approx(ref["rmse"]) and m["rmse_pcutoff"] == pytest.approx(ref["rmse_pcutoff"])


def test_split_metrics_missing_parts_comparison_and_unique():
    gt = [two_animals()]
    pred = with_score(two_animals() + [1.0, 0.0])
    pred[1, 3] = np.nan  # a missing prediction does not count as an error
    pred[0, 2, 2] = -1  # DeepLabCut-3 padding = missing
    m = rep.split_metrics([pred], gt, pcutoff=0.6)
    assert m["rmse"] == pytest.approx(1.0)
    assert np.isfinite(m["per_bodypart"]).all()
    only = rep.split_metrics([pred], gt, pcutoff=0.6, multi_parts=[0, 1])
    assert only["per_bodypart"].shape == (2,) and only["rmse"] == pytest.approx(1.0)
    # unique parts are matched as one more animal and pooled in
    ugt = [np.array([[5.0, 5.0], [60.0, 60.0]])]
    upred = [np.array([[5.0, 8.0, 0.9], [60.0, 63.0, 0.9]])]
    m = rep.split_metrics([pred], gt, pcutoff=0.6, unique_pred=upred, unique_gt=ugt)
    assert m["per_bodypart"].shape == (6,)
    assert m["per_bodypart"][4:] == pytest.approx([3.0, 3.0])
    assert m["rmse"] == pytest.approx((6 * 1.0 + 2 * 3.0) / 8)
    one = rep.split_metrics([pred], gt, pcutoff=0.6, unique_pred=[np.array([[5.0, 9.0, 0.3], [0, 0, 0]])],
                            unique_gt=ugt, unique_parts=[0])  # a single unique part is still compared
    assert one["per_bodypart"][4] == pytest.approx(4.0) and np.isnan(one["per_bodypart_pcutoff"][4])
    empty = rep.split_metrics([], [], pcutoff=0.6)
    assert np.isnan(empty["rmse"]) and empty["n_images"] == 0
    nothing = rep.split_metrics([np.zeros((0, 4, 3))], gt, pcutoff=0.6)
    assert np.isnan(nothing["rmse"]) and nothing["mAP"] == 0.0


def test_results_tables_layout(tmp_path: Path):
    train = {"rmse": 2.345, "rmse_pcutoff": 2.0, "mAP": 0.91234, "mAR": 0.95}
    test = {"rmse": 3.0, "rmse_pcutoff": np.nan, "mAP": 0.5, "mAR": 0.6}
    df = rep.results_frame(0.8, 1, 50, 0.6, train, test)
    assert list(df.index.names) == rep.RESULTS_INDEX
    assert list(df.columns) == rep.RESULTS_COLUMNS
    row = df.iloc[0]
    assert row["train rmse"] == 2.35 and row["train mAP"] == 91.23 and row["test mAR"] == 60.0  # percent, 2 decimals
    path = tmp_path / "x-results.csv"
    df.to_csv(path)
    header = path.read_text().splitlines()[0].split(",")
    assert header == rep.RESULTS_INDEX + rep.RESULTS_COLUMNS
    back = pd.read_csv(path, index_col=[0, 1, 2, 3, 4])
    assert back.index[0] == (0.8, 1, 50, -1, 0.6)

    # CombinedEvaluation: combine_first on the 5-column index, sorted; new values win
    later = rep.results_frame(0.8, 1, 100, 0.6, {**train, "rmse": 1.0}, test)
    again = rep.results_frame(0.8, 1, 50, 0.6, {**train, "rmse": 9.0}, test)
    combined = rep.combine_results(later, back)
    combined = rep.combine_results(again, combined)
    assert [i[2] for i in combined.index] == [50, 100]
    assert combined.loc[(0.8, 1, 50, -1, 0.6), "train rmse"] == 9.0
    assert list(combined.columns) == rep.RESULTS_COLUMNS

    kp = rep.keypoint_results_frame(["a", "b"], {"per_bodypart": np.array([1.0, 2.0]),
                                                 "per_bodypart_pcutoff": np.array([1.0, np.nan])},
                                    {"per_bodypart": np.zeros(0)})
    assert list(kp.index[:2]) == ["Train error (px)", "Test error (px)"] and list(kp.columns) == ["a", "b"]
    assert np.isnan(kp.loc["Test error (px)"]).all()


def test_predictions_frame_layout():
    animals = [with_score(two_animals()), np.zeros((0, 4, 4))]
    scores = [np.array([0.2, 0.9]), np.zeros(0)]
    unique = [np.array([[1.0, 2.0, 0.8]]), None]
    arr = rep.predictions_array(animals, scores, 3, 4, unique, 1)
    assert arr.shape == (2, 4, 5, 3)
    assert np.allclose(arr[0, 0, :4, :2], two_animals()[1])  # best score first
    assert np.isnan(arr[0, 2]).all() and np.isnan(arr[1]).all()
    index = pd.MultiIndex.from_tuples([("labeled-data", "v", "img1.png"), ("labeled-data", "v", "img2.png")])
    df = predictions_frame(arr, "DLC_X", ["a1", "a2", "a3", "single"], ["p1", "p2", "p3", "p4"], ["u"], index)
    assert list(df.columns.names) == ["scorer", "individuals", "bodyparts", "coords"]
    assert df.shape == (2, 3 * 4 * 3 + 3)
    assert list(dict.fromkeys(df.columns.get_level_values("coords"))) == ["x", "y", "likelihood"]
    assert df.loc[index[0], ("DLC_X", "single", "u", "likelihood")] == pytest.approx(0.8)
    assert df.loc[index[0], ("DLC_X", "a1", "p1", "x")] == pytest.approx(10.0)


def perfect_frames(gt: np.ndarray, graph: list[tuple[int, int]]) -> list[dict]:
    """Detections = labels, PAF affinity 1 within an animal and 0.05 between animals (edge 0 useless)."""
    rng = np.random.default_rng(0)
    frames = []
    for g in gt:
        coords = [g[:, p].copy() for p in range(g.shape[1])]
        costs = {}
        for e, (a, b) in enumerate(graph):
            n = len(g)
            m1 = np.where(np.eye(n, dtype=bool), 0.95, 0.05)
            if e == 0:  # an edge whose field says nothing
                m1 = rng.uniform(0.3, 0.7, (n, n))
            costs[e] = {"m1": m1.astype(np.float32), "distance": np.ones((n, n), np.float32)}
        frames.append({"coordinates": (coords,), "confidence": [np.ones((len(g), 1), np.float32)] * g.shape[1],
                       "costs": costs})
    return frames


def test_snapshot_evaluation_prunes_graph_without_losing_map():
    from madlc.core.assembly.assemble import AssemblySettings
    from madlc.stages.evaluate_network import evaluate_snapshot_images

    rng = np.random.default_rng(3)
    base = two_animals()
    gt = np.stack([base + rng.uniform(-20, 60, 2) + rng.normal(0, 1, (2, 4, 2)) for _ in range(12)])
    graph = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    cfg = {"multianimalproject": True, "individuals": ["a1", "a2"], "multianimalbodyparts": ["p1", "p2", "p3", "p4"],
           "uniquebodyparts": []}
    asm = AssemblySettings(n_multibodyparts=4, graph=graph, paf_inds=list(range(len(graph))), pcutoff=0.1,
                           pafthreshold=0.1, min_n_links=1, max_n_individuals=2)
    res = evaluate_snapshot_images(cfg, perfect_frames(gt, graph), gt, list(range(8)), list(range(8, 12)), asm, {},
                                   ([0, 1, 2, 3], []), 0.6)
    assert res["pruned"]
    assert 3 <= len(res["paf_best"]) < len(graph)
    assert 0 not in res["paf_best"]  # the uninformative edge is dropped
    assert res["train"]["rmse"] == pytest.approx(0.0, abs=1e-6)
    assert res["test"]["mAP"] == pytest.approx(1.0)
    complete = res["report"]["test"]["mAP"]
    chosen = next(c for c in res["report"]["candidates"] if sorted(c["edges"]) == res["paf_best"])
    assert chosen["test"]["mAP"] >= complete
    assert chosen["all"]["mAP"] >= res["report"]["all"]["mAP"]  # selected on all images: never below complete
    assert res["report"]["calibration"]["n_bodyparts"] == 4


def test_snapshot_evaluation_on_deeplabcut_detections(dlc_data_dir):
    """montblanc: DeepLabCut's detections of 30 labelled images (8 birds, 4 parts + unique 'center')."""
    from madlc.stages._settings import assembly_settings, inference_settings
    from madlc.stages.evaluate_network import evaluate_snapshot_images
    from madlc.io import read_evaluation_pickle

    data = read_evaluation_pickle(dlc_data_dir / "montblanc_eval.pickle")
    keys = [k for k in data if k != "metadata"]
    birds = [f"bird{i}" for i in range(1, 9)]
    parts = ["head", "tail", "leftwing", "rightwing"]
    gt = np.full((len(keys), 9, 5, 2), np.nan)
    for i, key in enumerate(keys):
        series = data[key]["groundtruth"][2].droplevel("scorer")
        for a, bird in enumerate(birds):
            for p, part in enumerate(parts):
                gt[i, a, p] = [series.get((bird, part, c), np.nan) for c in "xy"]
        gt[i, 8, 4] = [series.get(("single", "center", c), np.nan) for c in "xy"]
    cfg = {"multianimalproject": True, "individuals": birds, "multianimalbodyparts": parts,
           "uniquebodyparts": ["center"]}
    settings = inference_settings()
    asm = assembly_settings(settings, data["metadata"], {"data": {"individuals": birds}}, 4)
    frames = [data[k]["prediction"] for k in keys]
    res = evaluate_snapshot_images(cfg, frames, gt, list(range(20)), list(range(20, 30)), asm, settings,
                                   ([0, 1, 2, 3], [0]), 0.6)
    assert res["pruned"] and 3 <= len(res["paf_best"]) <= 6
    chosen = next(c for c in res["report"]["candidates"] if sorted(c["edges"]) == res["paf_best"])
    assert chosen["all"]["mAP"] >= res["report"]["all"]["mAP"]
    for split in ("train", "test"):
        m = res[split]
        assert 0 < m["rmse"] < 20 and m["rmse_pcutoff"] <= m["rmse"] + 5
        assert 0.3 < m["mAP"] <= 1 and 0 < m["mAR"] <= 1
        assert m["per_bodypart"].shape == (5,) and np.isfinite(m["per_bodypart"]).all()  # 'center' included
    arr = rep.predictions_array(res["animals"], res["scores"], 8, 4, res["unique"], 1)
    assert arr.shape == (30, 9, 5, 3) and np.isfinite(arr[:, 8, 4]).any()


def test_comparison_bodyparts_and_snapshot_names(tmp_path: Path):
    from madlc.errors import ConfigError
    from madlc.stages.evaluate_network import _comparison_parts, _snapshot_indices

    cfg = {"multianimalproject": True, "multianimalbodyparts": ["a", "b", "c"], "uniquebodyparts": ["u"],
           "snapshotindex": -1}
    assert _comparison_parts(cfg, "all") == ([0, 1, 2], [0], ["a", "b", "c", "u"])
    assert _comparison_parts(cfg, ["c", "u"]) == ([2], [0], ["c", "u"])
    with pytest.raises(ConfigError, match="zz"):
        _comparison_parts(cfg, ["zz"])
    train = tmp_path / "train"
    with pytest.raises(ConfigError, match="no trained snapshot"):
        _snapshot_indices(cfg, train, None)
    train.mkdir()
    for name in ("snapshot-005.pt", "snapshot-010.pt", "snapshot-best-008.pt"):
        (train / name).write_bytes(b"")
    assert _snapshot_indices(cfg, train, None) == [2]  # best last
    assert _snapshot_indices({**cfg, "snapshotindex": "all"}, train, None) == [0, 1, 2]
    assert _snapshot_indices(cfg, train, ["snapshot-005", "snapshot-010.pt"]) == [0, 1]
    with pytest.raises(ConfigError, match="snapshot-999"):
        _snapshot_indices(cfg, train, ["snapshot-999"])


# ----------------------------------------------------------------------------- the whole stage


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, synth_project_train):
    """A copy of the training project, trained for 40 steps, evaluated once with plots."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from conftest import copy_project_to

    import madlc

    config = copy_project_to(synth_project_train, tmp_path_factory.mktemp("evaluate") / "project")
    madlc.create_multianimaltraining_dataset(config, net_type="tiny")
    madlc.train_network(config, overrides=[
        "train.max_steps=40", "train.lr=3e-3", "data.crop_size=[96,96]", "data.batch_size=4",
        "data.num_workers=0", "train.progress_bar=false", "train.eval_at_end=false", "train.num_threads=1",
        "train.save_epochs=1000"])
    result = madlc.evaluate_network(config, plotting="individual")
    return config, result


def _model_folder(config: str) -> Path:
    from madlc.project import paths
    from madlc.project.config import load_config

    return paths.model_folder(load_config(config), 1, 0)


def test_evaluate_network_files_and_numbers(evaluated, capsys):
    from madlc.io import read_evaluation_predictions
    from madlc.project import paths
    from madlc.project.config import load_config

    config, result = evaluated
    cfg = load_config(config)
    for key in ("train_rmse", "test_rmse"):
        assert np.isfinite(result[key]) and result[key] >= 0
    for key in ("train_mAP", "train_mAR", "test_mAP", "test_mAR"):
        assert 0.0 <= result[key] <= 1.0
    assert result["paf_edges"] == 6 and 3 <= result["paf_best_edges"] <= 6
    assert result["all_assembly_mAP_pruned"] >= result["all_assembly_mAP_complete"]
    eval_dir = paths.evaluation_folder(cfg, 1, 0)
    scorer = result["scorer"]
    assert scorer.startswith("DLC_DlcrnetStride16Ms5_") and "_snapshot_" in scorer
    res = pd.read_csv(eval_dir / f"{scorer}-results.csv", index_col=[0, 1, 2, 3, 4])
    assert list(res.index.names) == rep.RESULTS_INDEX and list(res.columns) == rep.RESULTS_COLUMNS
    assert res.index[0][:2] == (0.8, 1) and res.index[0][4] == 0.6
    assert res.iloc[0]["test rmse"] == pytest.approx(result["test_rmse"], abs=0.006)
    combined = pd.read_csv(eval_dir.parent / "CombinedEvaluation-results.csv", index_col=[0, 1, 2, 3, 4])
    assert len(combined) == 1 and list(combined.columns) == rep.RESULTS_COLUMNS
    kp = pd.read_csv(eval_dir / f"{scorer}-keypoint-results.csv", index_col=0)
    assert list(kp.columns) == ["snout", "neck", "back", "tailbase"]
    assert {"Train error (px)", "Test error (px)"} <= set(kp.index)
    pred = read_evaluation_predictions(eval_dir / f"{scorer}.h5")
    labels_index = pd.read_hdf(next(paths.training_dataset_folder(cfg).glob("CollectedData_*.h5"))).index
    assert list(pred.index) == list(labels_index)
    assert set(pred.columns.get_level_values("individuals")) == {"animal1", "animal2", "animal3"}
    images = sorted((eval_dir / f"LabeledImages_{scorer}").glob("*.png"))
    assert len(images) == 60
    assert {p.name.split("-")[0] for p in images} == {"Training", "Test"}


def test_evaluation_stores_graph_and_calibration_for_analysis(evaluated):
    from madlc.stages._settings import assembly_settings, inference_settings
    from madlc.nn.inference.model import load_inference_model
    from madlc.io import read_pose_cfg, read_yaml
    from madlc.project.config import load_config

    config, result = evaluated
    folder = _model_folder(config)
    pose = read_pose_cfg(folder / "test" / "pose_cfg.yaml")
    best = pose["paf_best"]
    assert len(best) == result["paf_best_edges"] and all(0 <= e < 6 for e in best)
    pcfg = read_yaml(folder / "train" / "pytorch_config.yaml")
    assert pcfg["model"]["heads"]["bodypart"]["predictor"]["edges_to_keep"] == best
    inf = read_yaml(folder / "test" / "inference_cfg.yaml")
    for key in ("variant", "pafthreshold", "method", "minimalnumberofconnections", "pcutoff", "topktoretain",
                "withid", "boundingboxslack", "iou_threshold", "max_age", "min_hits", "oks_threshold", "greedy_oks"):
        assert key in inf, key
    assert inf["paf_best"] == best
    assert (folder / "test" / "calibration.yaml").exists()
    # video analysis computes only the kept edges, and the assembler uses them
    model = load_inference_model(load_config(config), 1, 0)
    assert model.settings.edges == best
    settings = inference_settings(folder / "test" / "inference_cfg.yaml")
    asm = assembly_settings(settings, model.settings.metadata(10), None, 4)
    assert asm.paf_inds == best


def test_reevaluation_keeps_user_edits(evaluated, capsys):
    import madlc
    from madlc.io import read_yaml, write_yaml

    config, first = evaluated
    folder = _model_folder(config)
    path = folder / "test" / "inference_cfg.yaml"
    inf = read_yaml(path)
    inf["pcutoff"] = 0.25  # the user's choice
    inf["max_age"] = 7
    del inf["min_hits"]
    write_yaml(inf, path)
    again = madlc.evaluate_network(config, show_errors=True, comparisonbodyparts=["snout", "neck"])
    out = capsys.readouterr().out
    assert "Evaluation results for" in out and "train rmse" in out
    after = read_yaml(path)
    assert after["pcutoff"] == 0.25 and after["max_age"] == 7 and after["min_hits"] == 1
    assert again["scorer"] == first["scorer"]
    from madlc.project import paths
    from madlc.project.config import load_config

    eval_dir = paths.evaluation_folder(load_config(config), 1, 0)
    kp = pd.read_csv(eval_dir / f"{again['scorer']}-keypoint-results.csv", index_col=0)
    assert list(kp.columns) == ["snout", "neck"]
    combined = pd.read_csv(eval_dir.parent / "CombinedEvaluation-results.csv", index_col=[0, 1, 2, 3, 4])
    assert len(combined) == 1  # same snapshot: the row is replaced, not duplicated


# ---------------------------------------------------------------- settings reach analysis and evaluation
def test_analysis_tracking_and_evaluation_read_madlc_yaml_and_command_line_wins(evaluated, tmp_path):
    """analyze.max_peaks, tracking.iou_threshold / save_as_csv and inference.topktoretain set in madlc.yaml
    change the outputs of analyze_videos, convert_detections2tracklets, stitch_tracklets and
    evaluate_network; the command line beats madlc.yaml; a bad value names the key and the range.
    (Runs last on the module's model.)"""
    import madlc
    from madlc.errors import ConfigError
    from madlc.io import read_full_pickle

    import yaml

    config, first = evaluated
    project = Path(config).parent
    settings_file = project / "madlc.yaml"
    original = settings_file.read_text()
    video = next((project / "held-out").glob("*.mp4"))

    def write_settings(group: str, values: dict) -> None:
        data = yaml.safe_load(original) or {}
        data.setdefault(group, {}).update(values)
        settings_file.write_text(yaml.safe_dump(data))

    def n_tracklets(path: str) -> int:
        from madlc.io import read_tracklets

        return len([k for k in read_tracklets(path) if k not in ("header", "single")])

    def most_peaks(dest: Path, overrides=()) -> int:
        madlc.analyze_videos(config, [str(video)], destfolder=str(dest), overrides=list(overrides))
        full = read_full_pickle(next(dest.glob("*_full.pickle")))
        return max(len(c) for k, v in full.items() if k != "metadata" for c in v["coordinates"][0])

    try:
        assert most_peaks(tmp_path / "default") > 1
        write_settings("analyze", {"max_peaks": 1})
        assert most_peaks(tmp_path / "yaml") == 1  # madlc.yaml reaches analyze_videos
        assert most_peaks(tmp_path / "cli", ["analyze.max_peaks=2"]) == 2  # the command line wins
        # the project-level tracking stages: tracking settings from madlc.yaml, the command line wins
        dest = tmp_path / "default"
        def tracklets(overrides=()) -> int:
            out = madlc.convert_detections2tracklets(config, [str(video)], destfolder=str(dest), overwrite=True,
                                                     track_method="ellipse", overrides=list(overrides))
            return n_tracklets(out[0])

        settings_file.write_text(original)
        base = tracklets()
        write_settings("tracking", {"iou_threshold": 0.99})
        assert tracklets() != base  # madlc.yaml reaches the tracker (over the model's untouched inference_cfg)
        assert tracklets(["tracking.iou_threshold=0.6"]) == base  # the command line wins
        write_settings("tracking", {"save_as_csv": True})
        tracks = madlc.stitch_tracklets(config, [str(video)], destfolder=str(dest), track_method="ellipse")
        assert Path(tracks[0]).with_suffix(".csv").exists()
        Path(tracks[0]).with_suffix(".csv").unlink()
        madlc.stitch_tracklets(config, [str(video)], destfolder=str(dest), track_method="ellipse",
                               overrides=["tracking.save_as_csv=false"])
        assert not Path(tracks[0]).with_suffix(".csv").exists()
        write_settings("inference", {"topktoretain": 1})
        one = madlc.evaluate_network(config, show_errors=False)
        assert one["test_mAR"] < first["test_mAR"]  # at most one animal per image
        write_settings("inference", {"topktoretain": 0})
        with pytest.raises(ConfigError, match=r"inference\.topktoretain=0 .*madlc\.yaml.*an integer >= 1"):
            madlc.evaluate_network(config, show_errors=False)
    finally:
        settings_file.write_text(original)
