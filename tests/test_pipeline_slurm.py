"""The demo DAG on a real one-node Slurm cluster started by the test (Debian slurm + munge).

Skipped when Slurm is not installed, unless MADLC_REQUIRE_SLURM=1 (CI installs it with
.ci/slurm_env.sh and sets that), in which case a missing Slurm fails the test.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from slurm_cluster import LocalSlurm, slurm_available
from test_pipeline import FAST

pytestmark = pytest.mark.slurm


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not slurm_available():
        if os.environ.get("MADLC_REQUIRE_SLURM") == "1":
            pytest.fail("Slurm is required (MADLC_REQUIRE_SLURM=1) but slurmctld/slurmd/munged are missing: "
                        "run .ci/slurm_env.sh as root")
        pytest.skip("Slurm not installed (run .ci/slurm_env.sh as root to install it)")
    with LocalSlurm(tmp_path_factory.mktemp("slurm")) as slurm:
        yield slurm


def test_madlc_run_submits_the_demo_dag_through_the_slurm_profile(cluster, tmp_path):
    from madlc.stages.synth_project import synth_project

    config = synth_project(str(tmp_path / "project"), animals=2, bodyparts=3, frames=40, size="128x96",
                           labeled_frames=10, seed=7)
    cmd = ["timeout", "-s", "KILL", "480", sys.executable, "-m", "madlc.cli", "run", config, "track",
           "--profile", "slurm", "--partition", "debug", *FAST, "pipeline.gpu=0", "pipeline.threads=1",
           "--snakemake-args", "--slurm-init-seconds-before-status-checks 1 --seconds-between-status-checks 1 "
           "--slurm-keep-successful-logs --latency-wait 2"]
    proc = subprocess.run(cmd, env=cluster.env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    project = Path(config).parent
    tracks = sorted(project.glob("videos/synth0DLC_*_sk.h5"))
    assert tracks, sorted(p.name for p in (project / "videos").iterdir())
    assert pd.read_hdf(tracks[0]).shape[0] > 0
    # the jobs really went through Slurm: one sbatch job per rule, each with its Slurm log
    submitted = proc.stdout.count("has been submitted with SLURM jobid") + proc.stderr.count("has been submitted with SLURM jobid")
    assert submitted >= 6, proc.stderr[-3000:]
    slurm_logs = project / ".snakemake" / "slurm_logs"
    logs = sorted({p.relative_to(slurm_logs).parts[0] for p in slurm_logs.rglob("*.log")})
    assert {"rule_train_network", "rule_analyze_videos", "rule_stitch_tracklets"} <= set(logs), logs
