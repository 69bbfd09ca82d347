#!/usr/bin/env bash
# Create (if missing) the DeepLabCut-3.0.x compatibility venv used by tests/test_io_compat.py:
# numpy<2, pandas>=2.2,<3, tables - the versions DeepLabCut 3.0.x pins (FORMATS.md §10).
# tests/compat/read_all.py runs in this venv on files written by madlc (numpy 2 / pandas 3).
#
# Usage:  .ci/compat_env.sh            # venv at ${MADLC_COMPAT_VENV:-$HOME/.cache/madlc-compat-venv}
#         MADLC_REQUIRE_COMPAT=1 python -m pytest tests/test_io_compat.py
set -euo pipefail

VENV="${MADLC_COMPAT_VENV:-$HOME/.cache/madlc-compat-venv}"
PYTHON="${MADLC_COMPAT_PYTHON:-python3.11}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    PYTHON=python3
fi

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import numpy, pandas, tables, yaml; assert int(numpy.__version__.split('.')[0]) < 2; assert int(pandas.__version__.split('.')[0]) < 3" 2>/dev/null; then
    echo "compat venv ready: $VENV"
    "$VENV/bin/python" -c "import numpy, pandas, tables; print('numpy', numpy.__version__, 'pandas', pandas.__version__, 'tables', tables.__version__)"
    exit 0
fi

echo "creating compat venv at $VENV with $PYTHON"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "numpy<2" "pandas>=2.2,<3" "tables>3.8" "pyyaml" "ruamel.yaml"
"$VENV/bin/python" -c "import numpy, pandas, tables; print('numpy', numpy.__version__, 'pandas', pandas.__version__, 'tables', tables.__version__)"
