#!/usr/bin/env bash
# Set up a fresh machine for foxbat's tests and run them: the README's test command.
# Installs the Debian packages the tests need (gdal-bin: gdal_viewshed is the peer the
# tests compare against; ferret-datasets: ETOPO5; chromium: the replay test's browser),
# a virtual environment with foxbat and its test extras, then
# runs pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
need_apt=()
# a C compiler and Python's headers build the line-of-sight kernel's C port (tested)
command -v gcc >/dev/null || need_apt+=(gcc)
"$PY" -c "import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
  || need_apt+=(python3-dev)
command -v gdal_viewshed >/dev/null || need_apt+=(gdal-bin)
# ETOPO5 source of the built-in DEM: the test that rebuilds it byte for byte
[ -e /usr/share/ferret-vis/data/etopo5.cdf ] || need_apt+=(ferret-datasets)
# a real headless browser for the HTML replay test (driven by Playwright, no downloaded browser)
command -v chromium >/dev/null || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}"
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
exec .venv/bin/python -m pytest -q "$@"
