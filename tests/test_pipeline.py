"""The Snakemake pipeline: the DAG, `madlc run`, reruns on setting changes, resume after a kill.

One module-scoped end-to-end run on a tiny synthetic project is shared by the tests that
look at its outputs and at what a second run would redo.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from madlc.workflow.plan import make_plan
from madlc.workflow.run import run, summarize_dry_run

#: tiny settings: the whole DAG runs in about a minute on 2 cores
FAST = ["model=tiny", "train.max_steps=60", "train.save_epochs=1000", "data.crop_size=[128,96]", "data.batch_size=4",
        "data.num_workers=0", "train.progress_bar=false"]


def rules_of(jobs: list[str]) -> list[str]:
    return [j.split()[0] for j in jobs]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> str:
    from madlc.stages.synth_project import synth_project

    return synth_project(str(tmp_path_factory.mktemp("pipe") / "project"), animals=2, bodyparts=3, frames=60,
                         size="128x96", labeled_frames=12, seed=3)


@pytest.fixture(scope="module")
def finished(project) -> str:
    """The project after one complete `madlc run`."""
    run(project, "all", cores=2, overrides=FAST)
    return project


def test_dry_run_of_a_new_project_lists_the_stages_up_to_training(project):
    """Before training the analysis file names (they hold the trained snapshot's scorer) are not known."""
    jobs = run(project, dry_run=True, overrides=FAST)
    rules = rules_of(jobs)
    for rule in ("create_multianimaltraining_dataset", "check_labels", "train_network"):
        assert rules.count(rule) == 1, jobs
    dataset = next(j for j in jobs if j.startswith("create_multianimaltraining_dataset"))
    assert "Missing output files:" in dataset and "training-datasets/iteration-0/" in dataset, dataset
    assert "shuffle1.pickle" in dataset and "shuffle1/train/pytorch_config.yaml" in dataset, dataset


def test_targets_are_never_read_as_option_values(project):
    """Options taking several values (--rerun-triggers, --default-resources) come before the targets."""
    from madlc.workflow.run import snakemake_command

    cmd = snakemake_command(project, ["train"], partition="gpu", account="lab")
    assert cmd[-2:] == ["--", "train"] and cmd.index("--rerun-triggers") < cmd.index("--")
    # no --cores after the triggers (as the GUI calls it): `train` is still the target
    assert set(rules_of(run(project, "train", dry_run=True, overrides=FAST))) == {
        "create_multianimaltraining_dataset", "train_network"}


def test_track_method_auto_is_planned_with_the_skeleton_trackers_files(project):
    """``pipeline.track_method=auto`` is a valid setting; the rules declare the ``_sk`` files auto writes."""
    plan = make_plan(project, overrides=["pipeline.track_method=auto"])
    assert plan.track_method == "auto"
    assert plan.patterns()["tracklets"].endswith("_sk.pickle") and plan.patterns()["tracks"].endswith("_sk.h5")
    assert "train_network" in rules_of(run(project, dry_run=True, overrides=[*FAST, "pipeline.track_method=auto"]))


def test_new_videos_fan_out_one_job_each(finished, tmp_path):
    from madlc.synth.video import write_synthetic_video

    extra = [tmp_path / "new1.mp4", tmp_path / "new2.mp4"]
    for i, path in enumerate(extra):
        write_synthetic_video(str(path), n_animals=2, n_bodyparts=3, n_frames=10, size=(64, 48), seed=i)
    jobs = run(finished, "analyze", dry_run=True, videos=[str(p) for p in extra], overrides=FAST)
    analyze = [j for j in jobs if j.startswith("analyze_videos")]
    assert sorted(j.split("stem=")[1].split(",")[0] for j in analyze) == ["new1", "new2"], jobs
    assert all(f"folder={tmp_path}," in j and f"Missing output files: {tmp_path}/new" in j for j in analyze), analyze


def test_unknown_target_and_missing_config_are_clear_errors(project, tmp_path):
    from madlc.errors import MadlcError

    with pytest.raises(MadlcError, match="unknown target 'trian'"):
        run(project, dry_run=True, overrides=["trian"])
    with pytest.raises(MadlcError, match="no such config.yaml"):
        run(str(tmp_path / "nope" / "config.yaml"), dry_run=True)


def test_run_goes_from_videos_to_labeled_videos(finished):
    project = Path(finished).parent
    tracks = sorted(project.glob("videos/synth0DLC_*_sk.h5"))
    filtered = sorted(project.glob("videos/synth0DLC_*_sk_filtered.h5"))
    labeled = sorted(project.glob("videos/synth0DLC_*_sk_filtered*_labeled.mp4"))
    assert tracks and filtered and labeled, sorted(p.name for p in (project / "videos").iterdir())
    df = pd.read_hdf(tracks[0])
    assert list(df.columns.names) == ["scorer", "individuals", "bodyparts", "coords"]
    assert sorted(project.glob("videos/plot-poses/synth0/*.png"))
    assert sorted(project.glob("labeled-data/synth0_labeled/*.png"))
    assert sorted(project.glob("evaluation-results-pytorch/iteration-0/*/*-results.csv"))


def test_maps_and_outliers_targets_run_on_a_finished_project(finished):
    run(finished, "maps", cores=2, overrides=FAST)
    run(finished, "outliers", cores=2, overrides=FAST)
    project = Path(finished).parent
    assert sorted(project.glob("evaluation-results-pytorch/iteration-0/*/maps/*.png"))
    report = json.loads(next(project.glob("videos/synth0DLC_*_sk_outlier_frames.json")).read_text())
    assert report["function"] == "extract_outlier_frames" and isinstance(report["result"], list)


def test_checks_before_tracking_targets(finished):
    run(finished, "detections", cores=2, overrides=FAST)
    run(finished, "raw_outliers", cores=2, overrides=FAST)
    project = Path(finished).parent
    assert sorted((project / "videos").glob("synth0DLC_*_raw_outlier_frames.json"))
    assert sorted((project / "videos").glob("synth0DLC_*_full.mp4"))
    # their settings are a Hydra group: a change reruns that check only
    jobs = run(finished, "detections", dry_run=True, overrides=FAST + ["review.detections_video.dotsize=3"])
    assert rules_of(jobs) == ["create_video_with_all_detections"]


def test_second_run_does_nothing(finished):
    assert run(finished, dry_run=True, overrides=FAST) == []


def test_tracking_change_reruns_tracking_onward_only(finished):
    rules = set(rules_of(run(finished, dry_run=True, overrides=[*FAST, "tracking.iou_threshold=0.31"])))
    assert {"convert_detections2tracklets", "stitch_tracklets", "filterpredictions", "create_labeled_video"} <= rules
    assert not rules & {"create_multianimaltraining_dataset", "train_network", "evaluate_network", "analyze_videos"}


def test_network_change_reruns_training_onward(finished, capsys):
    """Retraining comes first; what follows is known once the new snapshot's scorer is (a checkpoint)."""
    jobs = run(finished, dry_run=True, overrides=[*FAST, "model.neck_channels=32"])
    rules = set(rules_of(jobs))
    assert "train_network" in rules and "create_multianimaltraining_dataset" not in rules
    train = next(j for j in jobs if j.startswith("train_network"))
    assert "settings changed: model.neck_channels 64 -> 32" in train, train
    assert "then the jobs after training" in capsys.readouterr().out


def test_filter_change_reruns_filter_onward_only(finished):
    rules = set(rules_of(run(finished, dry_run=True, overrides=[*FAST, "filter.windowlength=7"])))
    assert rules == {"filterpredictions", "plot_trajectories", "create_labeled_video"}


def test_a_rerun_redoes_the_outputs_of_the_stages_it_reruns(finished):
    """A changed inference setting re-analyzes the video: the old _full.pickle is not kept as is."""
    project = Path(finished).parent
    full = next(project.glob("videos/synth0DLC_*_full.pickle"))
    tracks = next(project.glob("videos/synth0DLC_*_sk.h5"))
    before = full.stat().st_mtime_ns, tracks.stat().st_mtime_ns
    run(finished, "track", cores=2, overrides=[*FAST, "inference.minconfidence=0.02"])
    assert full.stat().st_mtime_ns > before[0] and tracks.stat().st_mtime_ns > before[1]
    run(finished, "track", cores=2, overrides=FAST)  # back to the module's settings


def test_track_method_auto_by_default_and_ellipse_on_request(finished):
    """A project madlc made tracks with ``auto`` (madlc.yaml): the skeleton's ``_sk`` files and a note of what
    was picked; ``pipeline.track_method=ellipse`` (DeepLabCut's default) runs the tracking rules again into
    ``_el`` files; a rerun is empty."""
    project = Path(finished).parent
    tracks = next(project.glob("videos/synth0DLC_*_sk.h5"))
    note = json.loads(tracks.with_name(tracks.stem + "_tracker.json").read_text())
    assert note["track_method"] == "auto" and note["picked"] == "skeleton"
    quality = json.loads(tracks.with_name(tracks.stem + "_quality.json").read_text())
    assert quality["tracks_file"] == tracks.name and quality["tracker"]["picked"] == "skeleton"
    ellipse = [*FAST, "pipeline.track_method=ellipse"]
    assert {"convert_detections2tracklets", "stitch_tracklets"} <= set(rules_of(run(finished, "track", dry_run=True,
                                                                                      overrides=ellipse)))
    run(finished, "track", cores=2, overrides=ellipse)
    assert next(project.glob("videos/synth0DLC_*_el.h5"))
    assert run(finished, "track", dry_run=True, overrides=ellipse) == []


def test_killed_run_resumes_without_redoing_finished_rules(project, tmp_path):
    """Kill `madlc run` once training is done; the rerun skips training and trusts no half output."""
    from madlc.stages.synth_project import synth_project

    config = synth_project(str(tmp_path / "p"), animals=2, bodyparts=3, frames=40, size="128x96",
                           labeled_frames=10, seed=5)
    plan = make_plan(config, FAST)
    logs = Path(plan.project) / ".madlc" / "logs" / "analyze_videos"
    proc = subprocess.Popen([sys.executable, "-m", "madlc.cli", "run", config, "--cores", "1", *FAST],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not list(logs.rglob("synth0DLC_*.log")) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert list(logs.rglob("synth0DLC_*.log")), "video analysis did not start in time"
    os.killpg(proc.pid, signal.SIGKILL)  # mid-analysis: training and evaluation are finished
    proc.wait()
    rules = set(rules_of(run(config, dry_run=True, overrides=FAST)))
    assert not rules & {"create_multianimaltraining_dataset", "train_network", "evaluate_network"}, rules
    assert {"analyze_videos", "create_labeled_video"} <= rules
    assert not list(Path(plan.project).glob("videos/*_full.pickle")), "a half-written analysis was left"
    run(config, cores=2, overrides=FAST)
    assert run(config, dry_run=True, overrides=FAST) == []


def test_project_without_labels_stops_at_the_labeling_checkpoint(tmp_path):
    from madlc.errors import MadlcError
    from madlc.stages.create_new_project import create_new_project
    from madlc.stages.edit_config import edit_config
    from madlc.synth.video import write_synthetic_video

    video = tmp_path / "mice.mp4"
    write_synthetic_video(str(video), n_animals=2, n_bodyparts=3, n_frames=30, size=(64, 48), seed=1)
    config = create_new_project("lab", "ana", [str(video)], working_directory=str(tmp_path))
    edit_config(config, {"numframes2pick": 4})
    with pytest.raises(MadlcError, match="workflow stopped"):
        run(config, "train", cores=1, overrides=FAST)
    folder = Path(config).parent / "labeled-data" / "mice"
    assert len(sorted(folder.glob("img*.png"))) == 4
    log = (Path(config).parent / ".madlc" / "logs" / "labels" / "mice.log").read_text()
    assert "no labels yet" in log and "label-frames" in log


def test_summarize_dry_run_parses_snakemake_jobs():
    text = ("rule a:\n    output: x\n    reason: Missing output files: x\n\ncheckpoint b:\n    output: y\n\n"
            "localrule all:\n    input: x\n\n")
    assert summarize_dry_run(text) == ["a  (Missing output files: x)", "b"]
