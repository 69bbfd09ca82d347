"""Tracking metrics (pure functions) and the project-level evaluate_tracking / convert / stitch functions."""
from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from madlc.core.metrics.tracking import body_size, pose_distances, tracking_metrics
from madlc.synth.detections import ground_truth_tracks, simulate_poses

DLC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dlc"
warnings.filterwarnings("ignore", category=RuntimeWarning)


def test_perfect_tracks_score_one() -> None:
    gt = ground_truth_tracks(simulate_poses(3, 100, seed=0))
    m = tracking_metrics(gt.copy(), gt)
    assert m["mota"] == pytest.approx(1.0) and m["idf1"] == pytest.approx(1.0)
    assert m["num_switches"] == 0 and m["coverage"] == [1.0, 1.0, 1.0]


def test_one_swap_is_counted() -> None:
    gt = ground_truth_tracks(simulate_poses(2, 100, seed=1))
    pred = gt.copy()
    pred[50:] = pred[50:, ::-1]
    m = tracking_metrics(pred, gt)
    assert m["num_switches"] == 2  # both animals switch once
    assert m["idf1"] == pytest.approx(0.5, abs=0.02)
    assert m["mota"] == pytest.approx(1 - 2 / 200, abs=1e-6)
    assert m["id_coverage"] == pytest.approx([0.5, 0.5], abs=0.02)


def test_misses_false_positives_and_shapes() -> None:
    gt = ground_truth_tracks(simulate_poses(2, 50, seed=2))
    pred = np.concatenate([gt, gt[:, :1] + 500], 1)  # an extra, wrong track
    pred[:10, 0] = np.nan  # 10 missed frames
    m = tracking_metrics(pred, gt)
    assert m["num_misses"] == 10 and m["num_false_positives"] == 50
    assert m["num_fragmentations"] == 0 or m["num_fragmentations"] == 1
    assert pose_distances(gt[0], gt[0]).shape == (2, 2)
    assert body_size(gt) > 10
    with pytest.raises(ValueError):
        tracking_metrics(gt[0], gt)


def test_metrics_on_dlc_tracks_against_themselves() -> None:
    if not (DLC / "montblanc_tracks.h5").exists():
        pytest.skip(f"DeepLabCut test files not in {DLC}")
    from madlc.io import read_tracks, tracks_to_array

    arr, _, inds, _ = tracks_to_array(read_tracks(DLC / "montblanc_tracks.h5"))
    animals = arr[:, [i for i, n in enumerate(inds) if n != "single"], :4]
    m = tracking_metrics(animals, animals)
    assert m["idf1"] == pytest.approx(1.0) and m["num_switches"] == 0


@pytest.fixture()
def montblanc_project(tmp_path: Path):
    if not (DLC / "montblanc_assemblies.pickle").exists():
        pytest.skip(f"DeepLabCut test files not in {DLC}")
    from madlc.io import read_config, write_config
    from madlc.stages.create_new_project import create_new_project

    video_dir = tmp_path / "raw"
    video_dir.mkdir()
    video = video_dir / "montblanc.mp4"
    import cv2

    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (32, 24))
    for _ in range(3):
        writer.write(np.zeros((24, 32, 3), np.uint8))
    writer.release()
    config = create_new_project("birds", "me", [str(video)], working_directory=str(tmp_path))
    cfg = read_config(config)
    cfg["individuals"] = ["bird1", "bird2", "bird3"]
    cfg["multianimalbodyparts"] = ["head", "tail", "leftwing", "rightwing"]
    cfg["uniquebodyparts"] = ["center"]
    cfg["skeleton"] = [["head", "tail"]]
    write_config(cfg, config)
    scorer = "DLC_resnet50_MontBlancDec16shuffle1_30000"
    out = tmp_path / "analysis"
    out.mkdir()
    for name in ("assemblies", "meta"):
        shutil.copy(DLC / f"montblanc_{name}.pickle", out / f"montblanc{scorer}_{name}.pickle")
    return config, video, out, scorer


def test_project_functions_and_evaluate_tracking(montblanc_project) -> None:
    import madlc
    from madlc.io import read_tracks, tracks_to_array, write_tracks

    config, video, out, scorer = montblanc_project
    pickles = madlc.convert_detections2tracklets(config, [str(video)], destfolder=str(out), track_method="ellipse")
    assert pickles == [str(out / f"montblanc{scorer}_el.pickle")]
    tracks = madlc.stitch_tracklets(config, [str(video)], destfolder=str(out), track_method="ellipse", save_as_csv=True)
    assert tracks == [str(out / f"montblanc{scorer}_el.h5")]
    assert (out / f"montblanc{scorer}_el.csv").exists()
    df = pd.read_hdf(tracks[0])
    assert df.columns.get_level_values("individuals").unique().tolist() == ["bird1", "bird2", "bird3", "single"]
    # with n_tracks != number of individuals: first n names (DeepLabCut) / dummy names beyond them
    more = madlc.stitch_tracklets(config, [str(video)], destfolder=str(out), n_tracks=4, output_name="four")
    assert pd.read_hdf(more[0]).columns.get_level_values("individuals").unique().tolist()[:4] == ["ind1", "ind2", "ind3", "ind4"]
    # ground truth = DeepLabCut's stitched tracks
    gt_file = out / "gt.h5"
    write_tracks(read_tracks(DLC / "montblanc_tracks.h5"), gt_file)
    m = madlc.evaluate_tracking(config, str(video), str(gt_file), destfolder=str(out))
    assert m["mota"] > 0.9 and m["idf1"] > 0.9, m
    saved = json.loads((out / f"montblanc{scorer}_el_tracking_metrics.json").read_text())
    assert saved["num_switches"] == m["num_switches"]
    arr, *_ = tracks_to_array(df)
    assert arr.shape[0] == 180


def test_project_functions_default_to_config_track_method(montblanc_project) -> None:
    """No track_method given: the project's pipeline.track_method (auto in a project madlc made), else
    config.yaml's default_track_method, as in DeepLabCut (a DeepLabCut project has no madlc.yaml)."""
    import madlc
    from madlc.io import read_config, write_config

    config, video, out, scorer = montblanc_project
    settings = Path(config).parent / "madlc.yaml"
    assert "track_method: auto" in settings.read_text()  # written by create_new_project
    assert madlc.convert_detections2tracklets(config, [str(video)], destfolder=str(out)) == [
        str(out / f"montblanc{scorer}_sk.pickle")]
    settings.unlink()  # now as DeepLabCut made it
    cfg = read_config(config)
    cfg["default_track_method"] = "box"
    write_config(cfg, config)
    assert madlc.convert_detections2tracklets(config, [str(video)], destfolder=str(out)) == [
        str(out / f"montblanc{scorer}_bx.pickle")]
    assert madlc.stitch_tracklets(config, [str(video)], destfolder=str(out)) == [str(out / f"montblanc{scorer}_bx.h5")]


def test_project_functions_with_track_method_auto(montblanc_project) -> None:
    """Opting in with track_method='auto': files take the picked tracker's suffix; stitch reads the choice back."""
    import json

    import madlc

    config, video, out, scorer = montblanc_project
    pickles = madlc.convert_detections2tracklets(config, [str(video)], destfolder=str(out), track_method="auto")
    assert pickles == [str(out / f"montblanc{scorer}_sk.pickle")]
    note = json.loads((out / f"montblanc{scorer}_sk_tracker.json").read_text())
    assert note["picked"] == "skeleton" and note["crowding"] < 0.5 and "sparse" in note["reason"]
    tracks = madlc.stitch_tracklets(config, [str(video)], destfolder=str(out), track_method="auto")
    assert tracks == [str(out / f"montblanc{scorer}_sk.h5")]
    quality = json.loads((out / f"montblanc{scorer}_sk_quality.json").read_text())
    assert quality["n_tracks"] == 3 and quality["tracker"]["picked"] == "skeleton"
    assert 0.5 < quality["frames_all_animals"] <= 1.0
