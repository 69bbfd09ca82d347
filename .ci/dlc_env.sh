#!/usr/bin/env bash
# Create (if missing) the DeepLabCut 3.0.2 venv used by tests/test_dlc_interop.py and tests/test_dlc_weights.py
# (DeepLabCut-trained snapshots analysed by madlc and back): DeepLabCut's own
# functions run there (subprocess) on madlc projects, and madlc's stages on DeepLabCut-made ones.
# Pins: numpy<2 and pandas<3 (what DeepLabCut 3.0.x supports); filterpy 1.4.5 (filterpy 2.0 breaks
# DeepLabCut's ellipse tracker into 1-2-frame tracklets). torch is installed first so pip keeps
# the same torch as madlc's environment instead of fetching another one.
#
# Usage:  .ci/dlc_env.sh            # venv at ${MADLC_DLC_VENV:-$HOME/.cache/madlc-dlc-venv}
#         MADLC_REQUIRE_DLC=1 python -m pytest tests/test_dlc_interop.py
set -euo pipefail

VENV="${MADLC_DLC_VENV:-$HOME/.cache/madlc-dlc-venv}"
PYTHON="${MADLC_DLC_PYTHON:-python3.11}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    PYTHON=python3
fi
CHECK='import os; os.environ["DLClight"] = "True"
import deeplabcut, numpy, pandas, filterpy, torch
assert deeplabcut.__version__ == "3.0.2", deeplabcut.__version__
assert int(numpy.__version__.split(".")[0]) < 2 and int(pandas.__version__.split(".")[0]) < 3
print("deeplabcut", deeplabcut.__version__, "numpy", numpy.__version__, "pandas", pandas.__version__,
      "filterpy", filterpy.__version__, "torch", torch.__version__)'

if [ -x "$VENV/bin/python" ] && DLClight=True "$VENV/bin/python" -c "$CHECK" 2>/dev/null; then
    echo "DeepLabCut venv ready: $VENV"
    exit 0
fi

echo "creating DeepLabCut venv at $VENV with $PYTHON"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "torch==2.14.1" "torchvision==0.29.1"
"$VENV/bin/python" -m pip install --quiet "deeplabcut==3.0.2" "numpy<2" "pandas<3" "filterpy==1.4.5" \
    "torch==2.14.1" "torchvision==0.29.1"
DLClight=True "$VENV/bin/python" -c "$CHECK"
