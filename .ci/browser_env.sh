#!/usr/bin/env bash
# Install Debian's chromium for the GUI browser tests (tests/test_webapp_browser.py), if missing.
# The tests drive it with the `playwright` python package (executable_path=$(which chromium));
# never run `playwright install` (it downloads its own browser).
#
# Usage:  .ci/browser_env.sh && MADLC_REQUIRE_BROWSER=1 python -m pytest tests/test_webapp_browser.py
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    echo "chromium ready: $(command -v chromium)"
else
    SUDO=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
fi
chromium --version || true
python -c "import playwright; print('playwright python package ready')"
