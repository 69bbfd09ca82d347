"""DeepLabCut 3.0.2 itself on madlc projects, and madlc on DeepLabCut-made projects.

DeepLabCut runs in its own venv (``.ci/dlc_env.sh``: ``${MADLC_DLC_VENV:-~/.cache/madlc-dlc-venv}``), called
through ``tests/dlc/dlc_calls.py`` (which imports DeepLabCut only). Without that venv the tests are skipped,
unless ``MADLC_REQUIRE_DLC=1`` (CI), which turns the skip into a failure. The expensive parts (a trained and
analysed madlc project, a DeepLabCut-made project) are made once per session.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CALLS = ROOT / "tests" / "dlc" / "dlc_calls.py"
VENV = Path(os.environ.get("MADLC_DLC_VENV", Path.home() / ".cache" / "madlc-dlc-venv"))
FAST = ["data.num_workers=0", "train.num_threads=1", "train.lr=3e-3", "train.progress_bar=false",
        "data.crop_size=[96,72]", "data.batch_size=4"]


@pytest.fixture(scope="session")
def dlc_python() -> Path:
    python = VENV / "bin" / "python"
    reason = f"DeepLabCut 3.0.2 venv not found at {VENV} (make it with .ci/dlc_env.sh)"
    if not python.exists():
        if os.environ.get("MADLC_REQUIRE_DLC") == "1":
            pytest.fail(reason + "; MADLC_REQUIRE_DLC=1 requires it")
        pytest.skip(reason)
    return python


def run_dlc(python: Path, step: str, args: dict, tmp: Path, timeout: int = 600) -> dict:
    """Run one step of tests/dlc/dlc_calls.py in the DeepLabCut venv; its JSON report."""
    out = tmp / f"dlc_{step}_{len(list(tmp.glob('dlc_*.json')))}.json"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(DLClight="True", MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    proc = subprocess.run([str(python), str(CALLS), step, json.dumps(args), str(out)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=str(tmp))
    assert proc.returncode == 0 and out.exists(), f"DeepLabCut step {step} crashed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return json.loads(out.read_text())


def _ok(report: dict, name: str) -> None:
    entry = report[name]
    assert entry["ok"], f"DeepLabCut's {name} failed: {entry['error']}\n{entry.get('traceback', '')}"


def _digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="session")
def madlc_project(tmp_path_factory: pytest.TempPathFactory, dlc_python: Path) -> dict:
    """A synthetic madlc project: tiny network trained a little, its video analysed by madlc (read-only)."""
    import madlc
    from madlc.project import paths
    from madlc.project.config import load_config

    root = tmp_path_factory.mktemp("dlc_interop_madlc")
    config = madlc.synth_project(str(root / "project"), animals=2, bodyparts=3, frames=40, size="96x72",
                                 labeled_frames=16, seed=5)
    madlc.create_multianimaltraining_dataset(config, net_type="tiny")
    madlc.train_network(config, maxiters=150, overrides=FAST + ["train.eval_at_end=false"])
    video = str(Path(config).parent / "videos" / "synth0.mp4")
    scorer = madlc.analyze_videos(config, [video], overrides=["inference.minconfidence=0.05"])
    cfg = load_config(config)
    return {"config": config, "video": video, "scorer": scorer, "cfg": cfg,
            "model_dir": paths.model_folder(cfg, 1), "fraction": cfg["TrainingFraction"][0]}


def test_pytorch_config_is_deeplabcut_valid_and_scorer_agrees(madlc_project, dlc_python, tmp_path):
    config = madlc_project["config"]
    pose = str(madlc_project["model_dir"] / "train" / "pytorch_config.yaml")
    report = run_dlc(dlc_python, "validate", {"config": config, "pose_configs": [pose],
                                              "scorers": [[1, madlc_project["fraction"]]]}, tmp_path)
    _ok(report, f"validate:{pose}")
    _ok(report, "scorer:1")
    assert report["scorer:1"]["value"] == madlc_project["scorer"]  # the same file names in both programs
    own = yaml.safe_load((madlc_project["model_dir"] / "train" / "madlc_model.yaml").read_text())
    assert own["model"]["name"] == "tiny"  # madlc's own settings beside DeepLabCut's file


def test_deeplabcut_postprocessing_on_a_madlc_project(madlc_project, dlc_python, tmp_path):
    from conftest import copy_project_to

    import madlc

    config = copy_project_to(madlc_project["config"], tmp_path / "dlc_side")
    project = Path(config).parent
    video = str(project / "videos" / "synth0.mp4")
    stem = "synth0" + madlc_project["scorer"]
    for suffix in ("_full.pickle", "_meta.pickle", "_assemblies.pickle"):
        assert (project / "videos" / (stem + suffix)).exists(), suffix  # what analyze_videos leaves
    report = run_dlc(dlc_python, "postprocess", {"config": config, "videos": [video], "shuffle": 1, "n_tracks": 2},
                     tmp_path)
    for name in ("convert_detections2tracklets", "stitch_tracklets", "filterpredictions", "plot_trajectories",
                 "create_labeled_video", "extract_outlier_frames"):
        _ok(report, name)
    files = set(report["files"])
    expected = {f"videos/{stem}_el.pickle", f"videos/{stem}_el.h5", f"videos/{stem}_el_filtered.h5",
                f"videos/{stem}_el_id_p60_labeled.mp4"}
    assert expected <= files, expected - files
    assert any(f.startswith("videos/plot-poses/synth0/") and f.endswith(".png") for f in files)
    assert "labeled-data/synth0/machinelabels-iter0.h5" in files
    # madlc's own stages on the same analysis give the same file names
    mine = copy_project_to(madlc_project["config"], tmp_path / "madlc_side")
    mine_video = str(Path(mine).parent / "videos" / "synth0.mp4")
    # (with DeepLabCut's tracker: a project madlc made picks its own per video, pipeline.track_method auto)
    madlc.convert_detections2tracklets(mine, [mine_video], track_method="ellipse")
    madlc.stitch_tracklets(mine, [mine_video], n_tracks=2, track_method="ellipse")
    madlc.filterpredictions(mine, [mine_video], track_method="ellipse")
    labeled = madlc.create_labeled_video(mine, [mine_video], color_by="individual", track_method="ellipse")
    assert Path(labeled[0]).name == f"{stem}_el_id_p60_labeled.mp4"
    for name in (f"{stem}_el.pickle", f"{stem}_el.h5", f"{stem}_el_filtered.h5"):
        assert (Path(mine).parent / "videos" / name).exists(), name


def make_dlc_project(dlc_python: Path, root: Path, name: str, seed: int, frames: int, labeled_frames: int,
                     net_types: list[str] | None = None) -> dict:
    """DeepLabCut makes a project from a small synthetic one (create_new_project, its labels,
    create_multianimaltraining_dataset: shuffle 1, or one shuffle per ``net_types`` entry); its report."""
    import madlc
    from madlc.io.config import read_config

    synth = madlc.synth_project(str(root / "synth"), animals=2, bodyparts=3, frames=frames, size="96x72",
                                labeled_frames=labeled_frames, seed=seed)
    scfg = read_config(synth)
    updates = {k: scfg[k] for k in ("individuals", "multianimalbodyparts", "uniquebodyparts", "skeleton")}
    updates.update(bodyparts="MULTI!", TrainingFraction=[0.8])
    args = {"name": name, "experimenter": scfg["scorer"], "video": str(Path(synth).parent / "videos" / "synth0.mp4"),
            "root": str(root / "dlc"), "config_updates": updates,
            "labels_folder": str(Path(synth).parent / "labeled-data" / "synth0")}
    if net_types is not None:
        args["net_types"] = net_types
    return run_dlc(dlc_python, "make_project", args, root)


@pytest.fixture(scope="session")
def dlc_made_project(tmp_path_factory: pytest.TempPathFactory, dlc_python: Path) -> dict:
    """A project DeepLabCut made (create_new_project, labels, create_multianimaltraining_dataset -> shuffle 1)."""
    root = tmp_path_factory.mktemp("dlc_interop_dlc")
    report = make_dlc_project(dlc_python, root, "dlcmade", seed=6, frames=40, labeled_frames=16)
    _ok(report, "create_multianimaltraining_dataset")
    return {"config": report["config"], "files": report["files"]}


def test_madlc_keeps_a_deeplabcut_shuffle_and_runs_on_its_project(dlc_made_project, dlc_python, tmp_path):
    from conftest import copy_project_to

    import madlc
    from madlc.errors import ConfigError
    from madlc.nn.models.config import load_pytorch_config
    from madlc.project import paths
    from madlc.project.config import load_config

    config = copy_project_to(dlc_made_project["config"], tmp_path / "project")
    project = Path(config).parent
    cfg = load_config(config)
    shuffle1 = [p for p in project.rglob("*") if p.is_file() and "shuffle1" in str(p.relative_to(project))
                or p.name == "metadata.yaml"]
    assert any(p.name == "pytorch_config.yaml" for p in shuffle1)
    before = _digest([p for p in shuffle1 if p.name != "metadata.yaml"])
    names = {Path(p).name for p in before}  # DeepLabCut's training pickles and model configs of shuffle 1
    assert {"pytorch_config.yaml", "pose_cfg.yaml", "inference_cfg.yaml"} <= names
    assert sum(n.endswith("shuffle1.pickle") for n in names) == 2, names
    # madlc reads DeepLabCut's shuffle (its network name, predictor and body parts)
    dlc_cfg = load_pytorch_config(paths.model_folder(cfg, 1))
    assert dlc_cfg["net_type"] == "resnet_50" and dlc_cfg["model"]["name"] == "deeplabcut"  # its own network
    # a new madlc training set takes the next free shuffle; asking for shuffle 1 is refused
    with pytest.raises(ConfigError, match="Cannot create shuffle 1 as it already exists"):
        madlc.create_multianimaltraining_dataset(config, Shuffles=[1], net_type="tiny")
    folders = madlc.create_multianimaltraining_dataset(config, net_type="tiny")
    assert Path(folders[0]).name.endswith("shuffle2")
    assert _digest([Path(p) for p in before]) == before  # DeepLabCut's shuffle 1 byte-identical
    meta = yaml.safe_load((paths.training_dataset_folder(cfg) / "metadata.yaml").read_text())["shuffles"]
    assert {e["index"]: e["engine"] for e in meta.values()} == {1: "pytorch", 2: "pytorch"}
    # madlc's stages on shuffle 2 of DeepLabCut's project
    madlc.train_network(config, shuffle=2, maxiters=20, overrides=FAST + ["train.eval_at_end=false"])
    video = str(project / "videos" / "synth0.mp4")
    scorer = madlc.analyze_videos(config, [video], shuffle=2)
    madlc.convert_detections2tracklets(config, [video], shuffle=2)
    tracks = madlc.stitch_tracklets(config, [video], shuffle=2, n_tracks=2)
    assert Path(tracks[0]).exists() and scorer in Path(tracks[0]).name
    assert _digest([Path(p) for p in before]) == before
    # and DeepLabCut accepts madlc's shuffle 2 and names it as madlc does
    pose = str(paths.model_folder(cfg, 2) / "train" / "pytorch_config.yaml")
    report = run_dlc(dlc_python, "validate", {"config": config, "pose_configs": [pose], "scorers": [[2, 0.8]]},
                     tmp_path)
    _ok(report, f"validate:{pose}")
    assert report["scorer:2"]["value"] == scorer
