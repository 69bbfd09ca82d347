"""Pipeline runs started from the project page: a subprocess whose output is kept for the page.

The page polls ``/api/jobs/<id>?since=N`` and receives new output lines plus a progress
estimate parsed from Snakemake (``3 of 7 steps (43%) done``) and tqdm (`` 45%|####``) lines.

Each run starts in its own session (process group), so Stop ends ``madlc run``, Snakemake and
every job Snakemake started (SIGTERM, then SIGKILL after a few seconds), and cancels the run's
Slurm jobs (``scancel``) when the slurm profile submitted any. The next Run resumes: ``madlc run``
clears the lock a stopped Snakemake leaves, and finished steps are kept.
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

_SNAKEMAKE = re.compile(r"(\d+) of (\d+) steps \((\d+(?:\.\d+)?)%\) done")
_TQDM = re.compile(r"(?:^|\s|:)(\d{1,3})%\|")
_TRAIN = re.compile(r"train_network: step (\d+)/(\d+)")
_NO_LABELS = re.compile(r"no labels yet for video '([^']+)'")
_SLURM_ID = re.compile(r"SLURM (?:jobid|job ID) (\d+)")
_ids = itertools.count(1)
#: seconds between SIGTERM and SIGKILL when a run is stopped
STOP_GRACE_S = 4.0


@dataclass
class Job:
    id: int
    target: str
    command: list[str]
    started: float = field(default_factory=time.time)
    lines: list[str] = field(default_factory=list)
    progress: float | None = None  # overall fraction 0..1 (Snakemake steps), None if unknown
    step_progress: float | None = None  # current step fraction (tqdm)
    returncode: int | None = None
    process: subprocess.Popen | None = None
    stopped: bool = False  # Stop was pressed
    slurm_ids: list[str] = field(default_factory=list)  # Slurm jobs this run submitted
    needs_labels: list[str] = field(default_factory=list)  # videos whose frames wait for labels
    training: str | None = None  # the last training progress line (step, loss, time left)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _add(self, text: str, replace_last: bool) -> None:
        with self.lock:
            train = _TRAIN.search(text)
            if train and self.lines and _TRAIN.search(self.lines[-1]):
                replace_last = True  # one live training line, not thousands
            if replace_last and self.lines:
                self.lines[-1] = text
            else:
                self.lines.append(text)
            m = _SNAKEMAKE.search(text)
            if m:
                self.progress = float(m.group(3)) / 100
            m = _TQDM.search(text)
            if m:
                self.step_progress = min(int(m.group(1)), 100) / 100
            self.slurm_ids += [i for i in _SLURM_ID.findall(text) if i not in self.slurm_ids]
            self.needs_labels += [v for v in _NO_LABELS.findall(text) if v not in self.needs_labels]
            if train:
                self.training = text.strip()
                self.step_progress = int(train.group(1)) / max(1, int(train.group(2)))

    def pump(self) -> None:
        """Read the process output until it ends (tqdm's carriage returns update the last line)."""
        assert self.process is not None and self.process.stdout is not None
        buf = b""
        last_was_cr = False
        fd = self.process.stdout.fileno()
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            while True:
                cut = min((i for i in (buf.find(b"\n"), buf.find(b"\r")) if i >= 0), default=-1)
                if cut < 0:
                    break
                text, sep, buf = buf[:cut].decode(errors="replace"), buf[cut:cut + 1], buf[cut + 1:]
                if text or sep == b"\n":
                    self._add(text, replace_last=last_was_cr)
                last_was_cr = sep == b"\r" and bool(text)
        if buf:
            self._add(buf.decode(errors="replace"), replace_last=last_was_cr)
        self.returncode = self.process.wait()
        if self.returncode == 0:
            self.progress = 1.0
        if self.stopped:
            self._add("[madlc gui] stopped. Run again to resume: finished steps are kept.", replace_last=False)
        elif self.returncode and any("MissingInputException" in line for line in self.lines):
            self._add("[madlc gui] a file the pipeline needs is missing (named above): often a video listed in "
                      "config.yaml that is no longer on disk. The Project page lists missing videos.", replace_last=False)
            self._add(f"[madlc gui] finished with exit code {self.returncode}", replace_last=False)
        else:
            self._add(f"[madlc gui] finished with exit code {self.returncode}", replace_last=False)

    def view(self, since: int = 0) -> dict[str, Any]:
        with self.lock:
            # the last line may have been rewritten by a carriage return: send it again
            start = max(0, min(since, len(self.lines)) - 1)
            return {"id": self.id, "target": self.target, "command": self.command,
                    "start": start, "lines": self.lines[start:],
                    "next": len(self.lines), "running": self.returncode is None,
                    "returncode": self.returncode, "progress": self.progress,
                    "step_progress": self.step_progress, "started": self.started, "stopped": self.stopped,
                    "needs_labels": self.needs_labels, "training": self.training}


class JobManager:
    def __init__(self) -> None:
        self.jobs: dict[int, Job] = {}

    def start(self, command_template: Sequence[str], config: str, target: str, extra: Sequence[str] = ()) -> Job:
        command = [part.replace("{config}", config).replace("{target}", target) for part in command_template] + list(extra)
        job = Job(next(_ids), target, command)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        # a session of its own: Stop reaches madlc run, Snakemake and every job it started, and nothing else
        job.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, env=env, cwd=os.path.dirname(config) or None,
                                       start_new_session=True)
        job.lines.append("$ " + " ".join(command))
        threading.Thread(target=job.pump, name=f"madlc-job-{job.id}", daemon=True).start()
        self.jobs[job.id] = job
        return job

    def stop(self, job_id: int, grace: float = STOP_GRACE_S) -> None:
        """End the run and everything it started: SIGTERM to its process group, SIGKILL after ``grace`` s."""
        job = self.jobs[job_id]
        if job.process is None or job.returncode is not None or job.stopped:
            return
        job.stopped = True
        job._add("[madlc gui] stopping the run (Snakemake and its jobs)…", replace_last=False)
        pgid = job.process.pid  # the session leader's pid is the group id
        members = _descendants(pgid)  # also children that left the group
        _cancel_slurm(job)
        _signal_all(pgid, members, signal.SIGTERM)
        threading.Thread(target=_kill_later, args=(job, pgid, members, grace), daemon=True).start()


def _descendants(pid: int) -> list:
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True)
    except Exception:  # psutil missing or the process already gone: the process group still reaches them
        return []


def _signal_all(pgid: int, members: list, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    for proc in members:
        try:
            proc.send_signal(sig)
        except Exception:  # already gone
            pass


def _kill_later(job: Job, pgid: int, members: list, grace: float) -> None:
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if job.process is not None and job.process.poll() is not None and not any(_alive(p) for p in members):
            break
        time.sleep(0.1)
    _signal_all(pgid, members + _descendants(pgid), signal.SIGKILL)


def _alive(proc) -> bool:
    try:
        return proc.is_running() and proc.status() != "zombie"
    except Exception:
        return False


def _cancel_slurm(job: Job) -> None:
    """``scancel`` the Slurm jobs the run submitted (Snakemake's slurm profile prints their ids)."""
    if not job.slurm_ids:
        return
    scancel = shutil.which("scancel")
    if scancel is None:
        job._add(f"[madlc gui] scancel not found: cancel Slurm jobs {' '.join(job.slurm_ids)} by hand.", False)
        return
    try:
        done = subprocess.run([scancel, *job.slurm_ids], capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired:
        job._add(f"[madlc gui] scancel did not answer: cancel Slurm jobs {' '.join(job.slurm_ids)} by hand.", False)
        return
    job._add(f"[madlc gui] scancel {' '.join(job.slurm_ids)}: " + ("done" if done.returncode == 0 else done.stderr.strip()),
             replace_last=False)
