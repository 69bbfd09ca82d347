"""Pipeline runs started from the project page: a subprocess whose output is kept for the page.

The page polls ``/api/jobs/<id>?since=N`` and receives new output lines plus a progress
estimate parsed from Snakemake (``3 of 7 steps (43%) done``) and tqdm (`` 45%|####``) lines.
"""
from __future__ import annotations

import itertools
import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

_SNAKEMAKE = re.compile(r"(\d+) of (\d+) steps \((\d+(?:\.\d+)?)%\) done")
_TQDM = re.compile(r"(?:^|\s|:)(\d{1,3})%\|")
_ids = itertools.count(1)


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
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _add(self, text: str, replace_last: bool) -> None:
        with self.lock:
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
        self._add(f"[madlc gui] finished with exit code {self.returncode}", replace_last=False)

    def view(self, since: int = 0) -> dict[str, Any]:
        with self.lock:
            # the last line may have been rewritten by a carriage return: send it again
            start = max(0, min(since, len(self.lines)) - 1)
            return {"id": self.id, "target": self.target, "command": self.command,
                    "start": start, "lines": self.lines[start:],
                    "next": len(self.lines), "running": self.returncode is None,
                    "returncode": self.returncode, "progress": self.progress,
                    "step_progress": self.step_progress, "started": self.started}


class JobManager:
    def __init__(self) -> None:
        self.jobs: dict[int, Job] = {}

    def start(self, command_template: Sequence[str], config: str, target: str, extra: Sequence[str] = ()) -> Job:
        command = [part.replace("{config}", config).replace("{target}", target) for part in command_template] + list(extra)
        job = Job(next(_ids), target, command)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        job.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, env=env, cwd=os.path.dirname(config) or None)
        job.lines.append("$ " + " ".join(command))
        threading.Thread(target=job.pump, name=f"madlc-job-{job.id}", daemon=True).start()
        self.jobs[job.id] = job
        return job

    def stop(self, job_id: int) -> None:
        job = self.jobs[job_id]
        if job.process is not None and job.returncode is None:
            job.process.terminate()
