"""The workflow as a user gets it: shipped in the wheel, aware of work done outside it, safe for a user's shuffle.

- the wheel holds the Snakefile, rules, scripts and profiles: installed (not editable) in a fresh
  virtual environment, ``madlc run CONFIG --dry-run`` works from another folder;
- stages run through the Python API leave exactly the files the rules declare, so ``madlc run``
  then has nothing to redo;
- a shuffle the user made (and trained) outside ``madlc run`` is used as it is, byte for byte.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from madlc.workflow.job import call_arguments
from madlc.workflow.plan import make_plan
from madlc.workflow.run import run
from test_pipeline import FAST

SOURCE = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- the installed wheel
@pytest.fixture(scope="session")
def installed_venv(tmp_path_factory) -> Path:
    """A virtual environment with madlc installed from its wheel (dependencies from this machine)."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    shutil.copytree(SOURCE, src, ignore=shutil.ignore_patterns(
        ".git", "tests", "benchmarks", "build", "dist", "*.egg-info", "__pycache__", ".snakemake", ".venv"))
    wheels = root / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(src)], check=True, capture_output=True, timeout=300)
    wheel = next(wheels.glob("madlc-*.whl"))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True,
                   timeout=120)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    shutil.rmtree(src)  # the source tree is out of reach from here on
    return venv


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["OMP_NUM_THREADS"] = "1"
    return env


def test_wheel_ships_the_workflow_and_madlc_run_works_from_any_folder(installed_venv, synth_project_small_copy,
                                                                       tmp_path):
    python = str(installed_venv / "bin" / "python")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [python, "-c", "import madlc.workflow.run as r; print(r.__file__); print(r.SNAKEFILE); "
                       "print(r._profile_dir('slurm')); print(r._profile_dir('local'))"],
        cwd=elsewhere, env=_clean_env(), capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    module, snakefile, slurm, local = where.stdout.split()
    for path in (module, snakefile, slurm, local):
        assert path.startswith(str(installed_venv)), where.stdout  # the wheel's copy, not the source tree
    assert Path(snakefile).is_file() and (Path(slurm) / "config.yaml").is_file()
    assert sorted(p.name for p in (Path(snakefile).parent / "rules").glob("*.smk"))
    assert (Path(snakefile).parent / "scripts" / "train_network.py").is_file()

    proc = subprocess.run([str(installed_venv / "bin" / "madlc"), "run", synth_project_small_copy, "--dry-run", *FAST],
                          cwd=elsewhere, env=_clean_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rules = [line.split()[0] for line in proc.stdout.splitlines() if line and not line.startswith(("[", "("))]
    assert {"create_multianimaltraining_dataset", "check_labels", "train_network"} <= set(rules), proc.stdout
    assert "shuffle 1 (new" in proc.stdout
    # a real job runs the installed scripts (here the check_labels rule, through its output folder)
    proc = subprocess.run([str(installed_venv / "bin" / "madlc"), "run", synth_project_small_copy,
                           "labeled-data/synth0_labeled", "--cores", "1", *FAST],
                          cwd=elsewhere, env=_clean_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert sorted((Path(synth_project_small_copy).parent / "labeled-data" / "synth0_labeled").glob("*.png"))


# ---------------------------------------------------------------- work done through the Python API
def test_stages_run_through_the_api_leave_nothing_for_madlc_run_to_redo(synth_project_small_copy):
    import madlc

    config = synth_project_small_copy
    project = Path(config).parent
    videos = [str(project / "videos" / "synth0.mp4")]
    madlc.check_labels(config)
    madlc.create_multianimaltraining_dataset(config, Shuffles=[1], overrides=FAST)
    madlc.train_network(config, shuffle=1, overrides=FAST)
    madlc.evaluate_network(config, Shuffles=[1], overrides=FAST)
    madlc.analyze_videos(config, videos, shuffle=1, overrides=FAST)
    # no track_method: the project's own (pipeline.track_method auto in madlc.yaml), as madlc run decides
    madlc.convert_detections2tracklets(config, videos, shuffle=1, overrides=FAST)
    madlc.stitch_tracklets(config, videos, shuffle=1, overrides=FAST)
    madlc.filterpredictions(config, videos, shuffle=1, overrides=FAST)
    madlc.plot_trajectories(config, videos, shuffle=1, filtered=True)
    madlc.create_labeled_video(config, videos, shuffle=1, filtered=True)
    for video in videos:
        stem = Path(video).stem
        madlc.evaluate_tracking(config, video, str(project / "ground-truth" / f"{stem}_gt.h5"), shuffle=1)

    assert run(config, dry_run=True, overrides=FAST) == []
    # targets outside `all`: export (NWB/.slp beside the tracks; part of `all` when pipeline.export lists
    # formats) and the project report
    assert [j.split()[0] for j in run(config, "export", dry_run=True, overrides=FAST)] == ["export_tracks"]
    assert [j.split()[0] for j in run(config, dry_run=True, overrides=[*FAST, "pipeline.export=[nwb]"])] == [
        "export_tracks"]
    assert [j.split()[0] for j in run(config, "report", dry_run=True, overrides=FAST)] == ["project_report"]
    # what Snakemake now knows: the real files, e.g. the labeled video
    plan = make_plan(config, FAST)
    scorer = plan.scorer()
    assert (project / plan.output("labeled_video", "synth0", scorer)).is_file()
    # Snakemake's own tools see them: --summary names each file's rule, --delete-all-output spares the labels
    summary = _snakemake(config, "--summary")
    full = plan.output("full", "synth0", scorer)
    assert any(line.startswith(full + "\t") and "\tanalyze_videos\t" in line for line in summary.splitlines()), summary
    deleting = _snakemake(config, "--delete-all-output", "--dry-run")
    assert f"Would delete {full}" in deleting and f"Would delete {plan.learning_stats}" in deleting
    assert "CollectedData" not in deleting and "snapshot-" not in deleting.replace("_snapshot_", "")
    # and a newer input is seen: tracks edited by hand rerun what follows them, nothing before
    os.utime(project / plan.output("tracks", "synth0", scorer))
    rules = {j.split()[0] for j in run(config, dry_run=True, overrides=FAST)}
    assert rules == {"filterpredictions", "plot_trajectories", "create_labeled_video", "evaluate_tracking"}, rules


def _snakemake(config: str, *args: str) -> str:
    from madlc.workflow.run import SNAKEFILE

    project = Path(config).parent
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), "--directory",
                           str(project), "--configfile", str(project / ".madlc" / "run.yaml"), *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout + proc.stderr


# ---------------------------------------------------------------- the user's own shuffle
def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _config_without_evaluation_choice(path: Path) -> dict:
    import yaml

    pcfg = yaml.safe_load(path.read_text())
    pcfg["model"].get("heads", {}).get("bodypart", {}).get("predictor", {}).pop("edges_to_keep", None)
    return pcfg


def test_madlc_run_uses_the_users_trained_shuffle_and_leaves_it_byte_identical(synth_project_small_copy):
    """A shuffle made and trained outside `madlc run` (here shuffle 2, by madlc's own commands, as
    DeepLabCut would leave it) is the one `madlc run` analyzes with; nothing of it is rebuilt."""
    import madlc

    config = synth_project_small_copy
    project = Path(config).parent
    madlc.create_multianimaltraining_dataset(config, Shuffles=[2], overrides=FAST)
    madlc.train_network(config, shuffle=2, overrides=FAST)
    plan = make_plan(config, FAST)
    assert plan.shuffle == 2 and "only shuffle" in plan.shuffle_origin
    dataset = project / "training-datasets"
    train = project / plan.model_folder / "train"
    config_before = _config_without_evaluation_choice(train / "pytorch_config.yaml")
    before = _hashes(dataset), _hashes(train)

    jobs = run(config, "track", dry_run=True, overrides=FAST)
    assert not {"create_multianimaltraining_dataset", "train_network"} & {j.split()[0] for j in jobs}, jobs
    run(config, "track", cores=2, overrides=FAST)
    after = _hashes(dataset), _hashes(train)
    assert after[0] == before[0]  # the training set: byte-identical
    # snapshots, learning_stats.csv, logs: byte-identical; pytorch_config.yaml: not rebuilt, only the
    # evaluation's data-driven skeleton (DeepLabCut 3's `edges_to_keep`) is written into it by evaluate_network
    assert {k: v for k, v in after[1].items() if k != "pytorch_config.yaml"} == \
        {k: v for k, v in before[1].items() if k != "pytorch_config.yaml"}
    assert _config_without_evaluation_choice(train / "pytorch_config.yaml") == config_before
    assert sorted(project.glob("videos/synth0DLC_*shuffle2_snapshot_*_sk.h5"))
    assert not (project / plan.model_folder.replace("shuffle2", "shuffle1")).exists()


# ---------------------------------------------------------------- job arguments
def test_a_job_argument_the_stage_does_not_take_is_an_error():
    from madlc.errors import MadlcError

    def stage(config, shuffle=1, overrides=(), settings=None):
        return config

    args = call_arguments(stage, "stage", {"config": "c", "overwrite": True, "settings": {"a": 1}}, {"shuffle": 2})
    assert args == {"config": "c", "settings": {"a": 1}, "shuffle": 2}  # overwrite: not taken, not passed
    with pytest.raises(MadlcError, match="takes no argument 'trainingsetindex'"):
        call_arguments(stage, "stage", {}, {"trainingsetindex": 0})


def test_every_job_script_passes_only_arguments_its_stage_takes():
    """Each script's keyword names exist in the signature of the function it calls."""
    import ast
    import inspect

    import madlc
    from madlc.workflow.run import SNAKEFILE

    for script in sorted((SNAKEFILE.parent / "scripts").glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "run_stage":
                function = node.args[1].value
                params = inspect.signature(madlc._resolve(function)).parameters
                unknown = [k.arg for k in node.keywords if k.arg not in params]
                assert not unknown, (script.name, unknown)
