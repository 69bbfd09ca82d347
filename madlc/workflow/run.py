"""``madlc run``: the whole workflow through Snakemake, on a laptop or a Slurm cluster.

It writes the run's configuration (project path, Hydra overrides, extra videos) to
``<project>/.madlc/run.yaml`` and calls Snakemake on madlc's ``Snakefile`` (shipped in the
package, beside this module) with the chosen profile: a madlc profile name (``local``,
``slurm``: ``madlc/workflow/profiles/<name>``) or the folder of a Snakemake profile.
``--dry-run`` prints the shuffle used and one job per line, with its rule name and why it would run.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

import yaml

from madlc.errors import ConfigError, MadlcError
from madlc.io.atomic import atomic_path

WORKFLOW = Path(__file__).resolve().parent
SNAKEFILE = WORKFLOW / "Snakefile"
PROFILES = WORKFLOW / "profiles"
RERUN_TRIGGERS = ("mtime", "params")
TARGETS = ("all", "train", "evaluate", "analyze", "track", "videos", "maps", "outliers", "detections", "raw_outliers",
           "export", "report")


def _profile_dir(profile: str) -> Path:
    if (PROFILES / profile).is_dir():  # a madlc profile name (local, slurm) first
        return PROFILES / profile
    p = Path(profile).expanduser()
    if p.is_dir():
        return p.resolve()
    names = ", ".join(sorted(d.name for d in PROFILES.iterdir() if d.is_dir())) if PROFILES.is_dir() else "none"
    raise ConfigError(f"profile {profile!r}: not a madlc profile ({names}) nor a folder. What to do: use one of "
                      f"those names, or the path of a Snakemake profile folder (copy one from {PROFILES}).")


def snakemake_command(config: str | Path, targets: Sequence[str] = ("all",), profile: str = "local",
                      dry_run: bool = False, cores: int | None = None, videos: Sequence[str] = (),
                      overrides: Sequence[str] = (), partition: str | None = None,
                      account: str | None = None, extra: Sequence[str] = ()) -> list[str]:
    """The Snakemake command line for a run (after writing ``.madlc/run.yaml``)."""
    config_path = Path(config).expanduser().resolve()
    if config_path.is_dir():
        config_path = config_path / "config.yaml"
    if not config_path.exists():
        raise ConfigError(f"{config_path}: no such config.yaml. What to do: pass your project's config.yaml "
                          "(create one with `madlc create-new-project` or `madlc synth-project`).")
    if not SNAKEFILE.exists():
        raise MadlcError(f"{SNAKEFILE}: madlc's Snakefile is missing from the installed package. What to do: "
                         "reinstall madlc (`pip install --force-reinstall madlc` or `pip install .` from its source).")
    overrides = list(overrides)
    if profile == "slurm" and not any(o.startswith("pipeline.gpu=") for o in overrides):
        overrides.append("pipeline.gpu=1")
    run_yaml = config_path.parent / ".madlc" / "run.yaml"
    with atomic_path(run_yaml) as tmp:
        tmp.write_text(yaml.safe_dump({
            "project": str(config_path),
            "overrides": overrides,
            "videos": [str(Path(v).expanduser().resolve()) for v in videos],
        }))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), "--directory", str(config_path.parent),
           "--configfile", str(run_yaml), "--profile", str(_profile_dir(profile)),
           # whatever the profile says: a job reruns when an input is newer or its settings changed, never
           # because madlc's code or the set of input files changed (a user's shuffle is never rebuilt)
           "--rerun-triggers", *RERUN_TRIGGERS]
    if cores is not None:
        cmd += ["--cores", str(cores)]
    if dry_run:
        cmd += ["--dry-run"]
    if partition or account:
        cmd += ["--default-resources"]
        cmd += [f"slurm_partition={partition}"] if partition else []
        cmd += [f"slurm_account={account}"] if account else []
    if profile == "slurm" and not account:
        cmd += ["--slurm-no-account"]
    # `--`: the targets are never read as values of an option taking several (--rerun-triggers, --default-resources)
    return cmd + list(extra) + ["--", *targets]


_JOB = re.compile(r"^\s*(?:localrule|rule|localcheckpoint|checkpoint) (\w+):")


def summarize_dry_run(text: str) -> list[str]:
    """One line per job of a Snakemake dry run: ``rule [wildcards] (reason)``."""
    jobs: list[str] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        m = _JOB.match(line)
        if m:
            if current:
                jobs.append(_job_line(current))
            current = {"rule": m.group(1)}
            continue
        if current is None:
            continue
        stripped = line.strip()
        for key in ("wildcards", "reason", "output"):
            if stripped.startswith(f"{key}:"):
                current[key] = stripped[len(key) + 1:].strip()
        if not stripped:
            jobs.append(_job_line(current))
            current = None
    if current:
        jobs.append(_job_line(current))
    return [j for j in jobs if not j.startswith(tuple(f"{t} " for t in TARGETS)) and j.split()[0] not in TARGETS]


_PARAMS_CHANGE = re.compile(r"Params have changed since last execution: [^:]*: before: (.*?) now: (.*?)\s*(?=;|$)")


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: value}


def _params_of(text: str) -> dict[str, Any]:
    """Snakemake's list of changed params (quoted values) as one flat dict: settings keys, else the values."""
    values: dict[str, Any] = {}
    for i, item in enumerate(re.findall(r"'([^']*)'", text)):
        try:
            values.update(_flat(json.loads(item)) if item.startswith("{") else {f"param {i}": item})
        except ValueError:
            values[f"param {i}"] = item
    return values


def settings_change(before: str, now: str) -> str:
    """``settings changed: model.neck_channels 64 -> 32`` from Snakemake's params-change reason."""
    old, new = _params_of(before), _params_of(now)
    keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    changes = ", ".join(f"{k} {old.get(k)!r} -> {new.get(k)!r}" for k in keys[:8])
    return "settings changed: " + (changes + (", ..." if len(keys) > 8 else "") if keys else f"{before} -> {now}")


def _job_line(job: dict[str, str]) -> str:
    line = job["rule"]
    if job.get("wildcards"):
        line += f" [{job['wildcards']}]"
    if job.get("reason"):
        reason = _PARAMS_CHANGE.sub(lambda m: settings_change(m.group(1), m.group(2)), job["reason"])
        line += f"  ({reason})"
    return line


def shuffle_line(cmd: list[str]) -> str:
    """``Shuffle k (why): trained / not trained yet``, for the dry run."""
    from madlc.workflow.plan import make_plan

    run_yaml = yaml.safe_load(Path(cmd[cmd.index("--configfile") + 1]).read_text())
    plan = make_plan(run_yaml["project"], run_yaml.get("overrides") or [], run_yaml.get("videos") or [])
    state = "trained" if plan.is_trained() else ("training set made, not trained" if plan.dataset_exists()
                                                 else "no training set yet")
    return f"[madlc run] shuffle {plan.shuffle} ({plan.shuffle_origin}): {state}; {plan.model_folder}"


def _snakemake_running_in(project: Path) -> bool:
    """Whether another Snakemake process works on ``project`` (read from /proc; False where there is none)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return True  # cannot tell: leave the lock alone
    for cmdline in proc.glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"snakemake" in b" ".join(words) and b"--directory" in words:
            i = words.index(b"--directory")
            if i + 1 < len(words) and Path(words[i + 1].decode(errors="replace")).resolve() == project.resolve():
                return True
    return False


def _clear_stale_lock(cmd: list[str], project: Path, env: dict[str, str]) -> None:
    """Remove the lock a killed run left behind (Snakemake refuses to start otherwise), if no run is active."""
    locks = project / ".snakemake" / "locks"
    if not locks.is_dir() or not any(locks.iterdir()) or _snakemake_running_in(project):
        return
    targets_start = len(cmd) - 1 - cmd[::-1].index("--")  # snakemake_command puts the targets after "--"
    subprocess.run([*cmd[:targets_start], "--unlock"], env=env, capture_output=True)
    print(f"[madlc run] removed the lock of an interrupted run in {project}; finished steps are kept.", flush=True)


def _stop_with(proc: subprocess.Popen) -> None:
    """A SIGTERM to ``madlc run`` stops Snakemake too (it would go on, re-parented, otherwise)."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: proc.send_signal(signum))


def run(
    config: str,
    target: str = "all",
    profile: str = "local",
    dry_run: bool = False,
    cores: int | None = None,
    videos: list[str] | None = None,
    partition: str | None = None,
    account: str | None = None,
    snakemake_args: str | None = None,
    overrides: Sequence[str] = (),
) -> list[str] | None:
    """Run the workflow (or part of it: TARGET = all, train, evaluate, analyze, track, videos, maps, outliers).

    Hydra overrides (``tracking.iou_threshold=0.5``) may follow; a plain word among them is taken
    as the target (``madlc run CONFIG track``). Reruns only what a change touches; an interrupted
    run resumes where it stopped. With ``dry_run`` returns (and prints) one line per job to run.
    ``snakemake_args``: more Snakemake options, as one string (``"--keep-going --jobs 4"``).
    """
    import shlex

    words = list(overrides)
    targets = [w for w in words if "=" not in w]
    overrides = [w for w in words if "=" in w]
    targets = targets or [target]
    for t in targets:
        if t not in TARGETS and "/" not in t and "." not in t:
            raise ConfigError(f"unknown target {t!r}. What to do: use one of {', '.join(TARGETS)}, or a file "
                              "the workflow makes.")
    cmd = snakemake_command(config, targets, profile, dry_run, cores, videos or [], overrides, partition, account,
                            shlex.split(snakemake_args or ""))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if dry_run:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise MadlcError(f"the workflow could not be planned:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        jobs = summarize_dry_run(proc.stdout + "\n" + proc.stderr)
        print(shuffle_line(cmd))
        print("\n".join(jobs) if jobs else "Nothing to be done: every output is up to date.")
        if "checkpoint" in proc.stdout + proc.stderr and any(j.startswith("train_network") for j in jobs):
            print("(then the jobs after training: their file names hold the scorer of the trained snapshot)")
        return jobs
    _clear_stale_lock(cmd, Path(cmd[cmd.index("--directory") + 1]), env)
    print("[madlc run]", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, env=env)
    _stop_with(proc)
    proc.wait()
    if proc.returncode != 0:
        raise MadlcError(f"the workflow stopped with an error (Snakemake exit code {proc.returncode}); see the "
                         "message above and the job's log under <project>/.madlc/. Fix it and run the same command "
                         "again: finished steps are not redone.")
    return None
