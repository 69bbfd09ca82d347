#!/usr/bin/env bash
# What the tests need beyond pip: a numpy<2/pandas<3 venv (DeepLabCut 3.0 compatibility checks), a DeepLabCut
# 3.0.2 venv (tests/test_dlc_interop.py runs DeepLabCut's own functions),
# Debian's chromium (browser tests of the GUI) and a one-node Slurm (the cluster test).
# Each part installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
for part in compat_env dlc_env browser_env slurm_env; do
  if [ -f ".ci/$part.sh" ]; then
    echo "== .ci/$part.sh"
    bash ".ci/$part.sh"
  fi
done
