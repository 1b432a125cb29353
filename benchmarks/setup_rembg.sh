#!/usr/bin/env bash
# Create the reference-tool environment for the benchmarks: rembg 2.0.86 in its own venv.
#
# rembg is never a dependency of the site: it lives in .venv-rembg next to the site's .venv and
# the benchmarks talk to it through a subprocess worker (benchmarks/_rembg_worker.py).
# Idempotent: re-running only installs what is missing. It downloads no model: rembg is pointed at
# models/ (U2NET_HOME) by the worker, and this script checks that rembg's expected md5 matches.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${REMBG_VENV:-$ROOT/.venv-rembg}"
PY="${PYTHON:-python3}"
REMBG_VERSION="2.0.86"

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "Creating $VENV"
    "$PY" -m venv "$VENV"
fi

if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('rembg') != '$REMBG_VERSION')" 2>/dev/null \
    || ! "$VENV/bin/python" -c "import onnxruntime" 2>/dev/null; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    # rembg's "cpu" extra is onnxruntime; its plain requirements bring pillow, pymatting, pooch,
    # opencv-python-headless, scikit-image, scipy, numpy and jsonschema.
    "$VENV/bin/python" -m pip install --quiet "rembg[cpu]==$REMBG_VERSION"
fi

# Check that rembg would accept our weights as they are (it verifies md5 with pooch and would
# otherwise try to download them), without any network access.
"$VENV/bin/python" "$ROOT/benchmarks/_rembg_worker.py" --check --models-dir "$ROOT/models"
echo "rembg $REMBG_VERSION ready in $VENV"
