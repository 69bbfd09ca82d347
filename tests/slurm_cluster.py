"""A real one-node Slurm cluster on this machine, for tests (Debian packages slurmctld, slurmd, munge).

``LocalSlurm`` writes a minimal slurm.conf into a private folder, starts munged, slurmctld
and slurmd, waits until the node is idle, and stops exactly the daemons it started (by
their PID files). Recipe and pitfalls: shared/design/STACK.md.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


def slurm_available() -> bool:
    return all(shutil.which(p) for p in ("slurmctld", "slurmd", "munged", "sbatch", "sinfo")) and os.geteuid() == 0


def _machine_memory_mb() -> int:
    """This machine's memory (MemTotal), as the node's RealMemory."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 8000


class LocalSlurm:
    """Context manager: a running single-node Slurm whose config lives under ``root``."""

    def __init__(self, root: Path, cpus: int | None = None, mem_mb: int | None = None):
        self.root = Path(root)
        self.cpus = cpus or os.cpu_count() or 1
        self.mem_mb = mem_mb or _machine_memory_mb()
        self.host = socket.gethostname().split(".")[0]
        self.conf = self.root / "slurm.conf"
        self.env = dict(os.environ, SLURM_CONF=str(self.conf))
        self.pidfiles: list[Path] = []

    def _write_conf(self) -> None:
        for sub in ("state", "spool", "log", "run"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        r = self.root
        self.conf.write_text(f"""ClusterName=madlctest
SlurmctldHost={self.host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/run/slurmctld.pid
SlurmdPidFile={r}/run/slurmd.pid
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SchedulerType=sched/backfill
MpiDefault=none
NodeName={self.host} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.mem_mb} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")

    def _start_munge(self) -> None:
        if subprocess.run(["pgrep", "-x", "munged"], capture_output=True).returncode == 0:
            return  # already running (another test or the machine's own)
        run_dir = Path("/run/munge")
        run_dir.mkdir(parents=True, exist_ok=True)
        shutil.chown(run_dir, "munge", "munge")
        subprocess.run(["runuser", "-u", "munge", "--", "/usr/sbin/munged"], check=True)
        self.pidfiles.append(run_dir / "munged.pid")

    def _install_default_conf(self) -> None:
        """Jobs' own srun calls look for /etc/slurm/slurm.conf (SLURM_CONF does not reach job steps)."""
        default = Path("/etc/slurm/slurm.conf")
        self._installed_default = None
        if default.exists() or default.is_symlink():
            return
        default.parent.mkdir(parents=True, exist_ok=True)
        default.symlink_to(self.conf)
        self._installed_default = default

    def __enter__(self) -> "LocalSlurm":
        self._write_conf()
        self._install_default_conf()
        self._start_munge()
        subprocess.run(["slurmctld", "-f", str(self.conf)], check=True, env=self.env)
        self.pidfiles.append(self.root / "run" / "slurmctld.pid")
        subprocess.run(["slurmd", "-f", str(self.conf)], check=True, env=self.env)
        self.pidfiles.append(self.root / "run" / "slurmd.pid")
        deadline = time.time() + 60
        while time.time() < deadline:
            out = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=self.env).stdout
            if "idle" in out:
                return self
            time.sleep(1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"slurm node never became idle; logs in {self.root / 'log'}")

    def __exit__(self, *exc) -> None:
        for pidfile in reversed(self.pidfiles):
            try:
                pid = int(pidfile.read_text().split()[0])
                os.kill(pid, signal.SIGTERM)
            except (OSError, ValueError):
                continue
        time.sleep(1)
        self.pidfiles.clear()
        if getattr(self, "_installed_default", None) is not None:
            self._installed_default.unlink(missing_ok=True)
