"""Each stage resolves its settings once: a value in madlc.yaml reaches it and changes its output, the
command line beats madlc.yaml, a hand edit of inference_cfg.yaml follows the documented rule
(madlc.config.dlc_files), and a bad value stops it with the key and the allowed range."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from madlc.config.dlc_files import record_written
from madlc.errors import ConfigError


def _walk(n_frames: int = 60) -> np.ndarray:
    """Two animals walking apart, 4 body parts each: (frames, animals, parts, 2)."""
    t = np.arange(n_frames, dtype=float)
    body = np.array([[0.0, 0], [6, 0], [12, 0], [18, 0]])
    a = np.stack([body + [20 + 1.5 * s, 30] for s in t])
    b = np.stack([body + [20 + 1.5 * s, 90] for s in t])
    return np.stack([a, b], 1)


def _assemblies(gt: np.ndarray, gaps: dict[int, range]) -> dict:
    out = {}
    for f in range(len(gt)):
        rows = [np.concatenate([gt[f, a], np.ones((gt.shape[2], 1)), np.full((gt.shape[2], 1), -1.0)], 1)
                for a in range(gt.shape[1]) if f not in gaps.get(a, ())]
        out[f] = np.asarray(rows) if rows else np.zeros((0, gt.shape[2], 4))
    return out


@pytest.fixture()
def tracking_project(tmp_path: Path) -> Path:
    """A folder with a config.yaml, an assemblies pickle with 3-frame gaps, and a model test/ folder."""
    from madlc.io import write_assemblies

    (tmp_path / "config.yaml").write_text("Task: t\n")
    videos = tmp_path / "videos"
    videos.mkdir()
    gaps = {0: range(20, 23), 1: range(40, 43)}
    write_assemblies(_assemblies(_walk(), gaps), videos / "v1DLC_tiny_x_assemblies.pickle")
    test = tmp_path / "model" / "test"
    test.mkdir(parents=True)
    written = {"max_age": 1, "min_hits": 1, "iou_threshold": 0.6, "pcutoff": 0.1, "boundingboxslack": 0}
    (test / "inference_cfg.yaml").write_text(yaml.safe_dump(written))
    record_written(test / "inference_cfg.yaml", written)
    return tmp_path


def _n_tracklets(path: str) -> int:
    from madlc.io import read_tracklets

    return len([k for k in read_tracklets(path) if k not in ("header", "single")])


def _track(project: Path, overrides=(), inference_cfg: bool = False) -> int:
    from madlc.stages.track import track

    src = project / "videos" / "v1DLC_tiny_x_assemblies.pickle"
    cfg_file = str(project / "model" / "test" / "inference_cfg.yaml") if inference_cfg else None
    out = track(str(src), "box", inference_cfg=cfg_file, bodyparts="a,b,c,d", overrides=list(overrides))
    return _n_tracklets(out)


def test_track_reads_madlc_yaml_and_command_line_wins(tracking_project: Path):
    assert _track(tracking_project) == 4  # max_age 1: each 3-frame gap ends a track
    (tracking_project / "madlc.yaml").write_text("tracking: {max_age: 5}\n")
    assert _track(tracking_project) == 2  # madlc.yaml reaches track(): tracks survive the gaps
    assert _track(tracking_project, ["tracking.max_age=1"]) == 4  # the command line beats madlc.yaml


def test_track_inference_cfg_hand_edit_rule(tracking_project: Path):
    inf = tracking_project / "model" / "test" / "inference_cfg.yaml"
    (tracking_project / "madlc.yaml").write_text("tracking: {max_age: 5}\n")
    # untouched file (as madlc wrote it: max_age 1): madlc.yaml wins
    assert _track(tracking_project, inference_cfg=True) == 2
    # hand edit of the file (max_age 1 -> 0... then back to 1 via edit of madlc.yaml below): the edit wins
    data = yaml.safe_load(inf.read_text())
    data["max_age"] = 2
    inf.write_text(yaml.safe_dump(data))
    assert _track(tracking_project, inference_cfg=True) == 4  # edited 2 < gap 3: cut again, over madlc.yaml's 5
    assert _track(tracking_project, ["tracking.max_age=5"], inference_cfg=True) == 2  # command line beats the edit


def test_track_bad_values_name_key_range_and_source(tracking_project: Path):
    with pytest.raises(ConfigError, match=r"tracking\.max_age=-1 \(from command line\).*an integer >= 0"):
        _track(tracking_project, ["tracking.max_age=-1"])
    (tracking_project / "madlc.yaml").write_text("tracking: {iou_threshold: 2}\n")
    with pytest.raises(ConfigError, match=r"tracking\.iou_threshold=2.*madlc\.yaml.*\[0, 1\]"):
        _track(tracking_project)


DLC_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dlc"


@pytest.fixture()
def assembly_project(tmp_path: Path) -> Path:
    """DeepLabCut's montblanc detections in a folder with a config.yaml (skipped without the data)."""
    import shutil

    if not (DLC_DATA / "montblanc_full.pickle").exists():
        pytest.skip(f"DeepLabCut test files not in {DLC_DATA}")
    (tmp_path / "config.yaml").write_text("Task: t\n")
    for name in ("montblanc_full.pickle", "montblanc_meta.pickle"):
        shutil.copy(DLC_DATA / name, tmp_path / name)
        (tmp_path / name).chmod(0o644)
    return tmp_path


def _max_animals(project: Path, overrides=(), inference_cfg: Path | None = None) -> int:
    import pickle

    from madlc.stages.assemble import assemble

    out = assemble(str(project / "montblanc_full.pickle"), str(inference_cfg) if inference_cfg else None,
                   overrides=list(overrides))
    with open(out, "rb") as fh:
        data = pickle.load(fh)
    return max(len(v) for k, v in data.items() if k != "single")


def test_assemble_reads_madlc_yaml_command_line_and_hand_edits(assembly_project: Path):
    assert _max_animals(assembly_project) == 3  # the _meta.pickle's 3 individuals
    (assembly_project / "madlc.yaml").write_text("inference: {topktoretain: 1}\n")
    assert _max_animals(assembly_project) == 1  # madlc.yaml reaches assemble()
    assert _max_animals(assembly_project, ["inference.topktoretain=2"]) == 2  # command line wins
    inf = assembly_project / "inference_cfg.yaml"
    inf.write_text(yaml.safe_dump({"topktoretain": 3, "pafthreshold": 0.1}))
    record_written(inf, {"topktoretain": 3, "pafthreshold": 0.1})
    assert _max_animals(assembly_project, inference_cfg=inf) == 1  # untouched file: madlc.yaml wins
    inf.write_text(yaml.safe_dump({"topktoretain": 2, "pafthreshold": 0.1}))  # hand edit
    assert _max_animals(assembly_project, inference_cfg=inf) == 2
    (assembly_project / "madlc.yaml").write_text("inference: {pafthreshold: 1.5}\n")
    with pytest.raises(ConfigError, match=r"inference\.pafthreshold=1\.5 .*madlc\.yaml.*\[0, 1\]"):
        _max_animals(assembly_project)


def test_filterpredictions_reads_madlc_yaml_and_command_line_wins(synth_project_small_copy):
    """A one-frame jump survives windowlength 1 and is removed by a median of 5 (madlc.yaml) or 3 (command line)."""
    import pandas as pd

    from madlc.io.tracks_array import save_tracks, tracks_from_dataframe
    from madlc.stages.filterpredictions import filterpredictions

    config = synth_project_small_copy
    project = Path(config).parent
    scorer = "DLC_Resnet50_synthJan1shuffle1_snapshot_10"
    t = tracks_from_dataframe(pd.read_hdf(project / "ground-truth" / "synth0_gt.h5"))
    t.scorer = scorer
    clean = t.data[50, 1, 2, :2].copy()
    t.data[50, 1, 2, :2] += 25
    save_tracks(t, project / "videos" / f"synth0{scorer}_el.h5")
    video = project / "videos" / "synth0.mp4"

    def error() -> float:
        out = filterpredictions(config, [str(video)], save_as_csv=False)[0]
        return float(np.hypot(*(tracks_from_dataframe(pd.read_hdf(out)).data[50, 1, 2, :2] - clean)))

    (project / "madlc.yaml").write_text("filter: {windowlength: 1}\n")
    assert error() > 20  # the jump is kept
    (project / "madlc.yaml").write_text("filter: {windowlength: 5}\n")
    assert error() < 5
    out = filterpredictions(config, [str(video)], save_as_csv=False, overrides=["filter.windowlength=1"])[0]
    assert np.hypot(*(tracks_from_dataframe(pd.read_hdf(out)).data[50, 1, 2, :2] - clean)) > 20
    (project / "madlc.yaml").write_text("filter: {filtertype: foo}\n")
    with pytest.raises(ConfigError, match=r"filter\.filtertype='foo' .*madlc\.yaml.*median \| arima \| spline"):
        error()


def test_readme_example_iou_threshold_reaches_the_tracker(tracking_project: Path):
    """README: `tracking: {iou_threshold: ...}` in madlc.yaml changes what track() links."""
    loose = _track(tracking_project)
    (tracking_project / "madlc.yaml").write_text("tracking:\n  iou_threshold: 0.999\n")
    assert _track(tracking_project) != loose  # the value reaches the box tracker and changes its links
    assert _track(tracking_project, ["tracking.iou_threshold=0.3"]) == loose


def test_train_network_brings_in_madlc_yaml_keeps_hand_edits_and_command_line_wins(synth_project_small_copy):
    from madlc.io import read_yaml, write_yaml
    from madlc.project import paths
    from madlc.project.config import load_config
    from madlc.stages.create_multianimaltraining_dataset import create_multianimaltraining_dataset
    from madlc.stages.train_network import train_network

    config = synth_project_small_copy
    create_multianimaltraining_dataset(config)
    cfg = load_config(config)
    pcfg_path = paths.model_folder(cfg, 1, 0) / "train" / "pytorch_config.yaml"
    assert (pcfg_path.parent.parent / "test" / "madlc_written.yaml").exists()
    own_path = pcfg_path.parent / "madlc_model.yaml"  # madlc's groups, beside DeepLabCut's pytorch_config.yaml
    pcfg = read_yaml(own_path)
    assert pcfg["train"]["max_steps"] == 50000 and pcfg["data"]["batch_size"] == 8
    pcfg["data"]["batch_size"] = 4  # a hand edit of the shuffle's training settings
    write_yaml(pcfg, own_path)
    settings_file = Path(config).parent / "madlc.yaml"
    settings = yaml.safe_load(settings_file.read_text())
    settings["train"] = {"max_steps": 0}
    settings_file.write_text(yaml.safe_dump(settings))
    with pytest.raises(ConfigError, match=r"train\.max_steps=0 .*madlc\.yaml.*an integer >= 1"):
        train_network(config)
    settings["train"] = {"max_steps": 2, "save_epochs": 1, "eval_at_end": False, "display_iters": 5}
    settings["data"]["batch_size"] = 2  # madlc.yaml says 2, the hand edit says 4: the edit wins
    settings_file.write_text(yaml.safe_dump(settings))
    train_network(config, overrides=["train.display_iters=1", "train.progress_bar=false"])
    used = read_yaml(own_path)
    assert used["train"]["max_steps"] == 2  # madlc.yaml, changed since the shuffle was made, reaches training
    assert used["data"]["batch_size"] == 4  # hand edit of pytorch_config.yaml kept
    assert used["train"]["display_iters"] == 1  # command line over madlc.yaml
    with pytest.raises(ConfigError, match=r"train\.max_snapshots_to_keep=0 \(from command line\)"):
        train_network(config, overrides=["train.max_snapshots_to_keep=0"])


def test_stitch_file_level_reads_the_projects_madlc_yaml(tracking_project: Path):
    from madlc.stages.stitch import stitch
    from madlc.stages.track import track

    src = tracking_project / "videos" / "v1DLC_tiny_x_assemblies.pickle"
    tracklets = track(str(src), "box", bodyparts="a,b,c,d")
    out = Path(stitch(tracklets, n_tracks=2))
    assert not out.with_suffix(".csv").exists()
    (tracking_project / "madlc.yaml").write_text("tracking: {save_as_csv: true}\n")
    out = Path(stitch(tracklets, n_tracks=2))
    assert out.with_suffix(".csv").exists()  # madlc.yaml of the project the pickle lies in
    out.with_suffix(".csv").unlink()
    stitch(tracklets, n_tracks=2, save_as_csv=False)  # an argument given wins
    assert not out.with_suffix(".csv").exists()
    with pytest.raises(ConfigError, match=r"tracking\.min_length=-2 \(from the min_length argument\).*>= 0"):
        stitch(tracklets, n_tracks=2, min_length=-2)


def test_settings_given_are_used_as_they_are(tracking_project: Path):
    """A rule passes the resolved settings (its params): the stage does not resolve again."""
    from madlc.config import stage_settings
    from madlc.stages.track import track

    (tracking_project / "madlc.yaml").write_text("tracking: {max_age: 5}\n")
    settings = stage_settings("convert_detections2tracklets", tracking_project / "config.yaml")
    (tracking_project / "madlc.yaml").write_text("tracking: {max_age: [broken\n")  # would fail if read again
    src = tracking_project / "videos" / "v1DLC_tiny_x_assemblies.pickle"
    out = track(str(src), "box", bodyparts="a,b,c,d", settings=settings)
    assert _n_tracklets(out) == 2  # max_age 5 from the settings given
    with pytest.raises(ConfigError, match="lack the groups"):
        track(str(src), "box", bodyparts="a,b,c,d", settings={"tracking": settings["tracking"]})
