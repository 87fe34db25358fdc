#!/usr/bin/env bash
# Creates Benchmarks/.venv with the reference engines: NumPy, JAX (CPU jaxlib) and PyTorch.
#
# PyTorch: a CPU-only wheel (`torch-…+cpu-…whl`) found in pip's configured find-links
# directories is preferred; otherwise the default PyPI wheel is installed (CUDA-enabled on
# Linux x86_64, several GB with its nvidia-* dependencies, but it runs on the CPU).
# Set BENCH_TORCH=skip to leave PyTorch out. An engine that fails to install is reported
# and skipped; the benchmark then marks it unavailable.
set -uo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null; then
    echo "setup-python: $PYTHON not found; the reference engines will be skipped" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv || { echo "setup-python: could not create .venv" >&2; exit 1; }
fi
PIP=".venv/bin/python -m pip"
status=0

$PIP install --quiet numpy threadpoolctl pyyaml || { echo "setup-python: numpy failed to install" >&2; status=1; }
$PIP install --quiet jax jaxlib || echo "setup-python: jax failed to install; JAX will be skipped" >&2

if [ "${BENCH_TORCH:-auto}" != skip ]; then
    cpu_wheel=""
    links=$($PIP config get global.find-links 2>/dev/null || true)
    for directory in $links; do
        candidate=$(ls "$directory"/torch-*+cpu-*.whl 2>/dev/null | sort -V | tail -1)
        [ -n "$candidate" ] && cpu_wheel=$candidate
    done
    if [ -n "$cpu_wheel" ]; then
        echo "setup-python: installing the CPU-only PyTorch wheel $(basename "$cpu_wheel")" >&2
        $PIP install --quiet "$cpu_wheel" || echo "setup-python: PyTorch failed to install; it will be skipped" >&2
    elif ! .venv/bin/python -c 'import torch' 2>/dev/null; then
        echo "setup-python: no CPU-only PyTorch wheel offered; installing the default PyPI wheel (large)" >&2
        $PIP install --quiet torch || echo "setup-python: PyTorch failed to install; it will be skipped" >&2
    fi
fi

.venv/bin/python - <<'PY'
import importlib
for name in ("numpy", "jax", "torch"):
    try:
        module = importlib.import_module(name)
        print(f"setup-python: {name} {module.__version__}")
    except Exception as error:  # noqa: BLE001
        print(f"setup-python: {name} unavailable ({type(error).__name__})")
PY
exit $status
