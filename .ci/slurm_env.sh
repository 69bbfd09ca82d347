#!/usr/bin/env bash
# Debian's Slurm + munge for tests/test_pipeline_slurm.py (the test starts and stops the daemons itself).
set -euo pipefail
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "slurm_env: not root, cannot apt-get install slurm; the Slurm test will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
for i in 1 2 3; do
  if (apt-get update -qq && apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null); then exit 0; fi
  echo "slurm_env: apt-get failed (try $i), retrying" >&2; sleep 10
done
exit 1
