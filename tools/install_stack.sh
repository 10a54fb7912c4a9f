#!/usr/bin/env bash
# Installs the pinned OpenMMLab stack and this package into a virtualenv.
# Called by `make install`; safe to re-run (each step is a no-op when done).
#
# Usage: tools/install_stack.sh [VENV_DIR]   (default: .venv)
# Env:   PYTHON      interpreter used to create the venv (default: python3.11 or python3)
#        FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST="8.0;9.0"  build mmcv's CUDA ops (GPU users)
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${1:-.venv}
PY_BOOT=${PYTHON:-$(command -v python3.11 || command -v python3)}
log() { printf '[install] %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtualenv $VENV with $PY_BOOT ($("$PY_BOOT" --version))"
    "$PY_BOOT" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
export PYTHONWARNINGS=ignore

log "step 1/4: build prerequisites (torch, torchvision, numpy, mmengine) from requirements/build.txt"
"${PIP[@]}" install -q -r requirements/build.txt

# mmcv's compiled ops must match the installed torch. pip's wheel cache is keyed
# by the mmcv source only, so a cached wheel built against another torch would be
# reused silently: check by running a deformable conv, rebuild without cache if it fails.
check_mmcv() {
    "$PY" - <<'PYEOF' 2>/dev/null
import torch
from mmcv.ops import ModulatedDeformConv2dPack
conv = ModulatedDeformConv2dPack(2, 2, 3, padding=1)
x = torch.randn(1, 2, 5, 5, requires_grad=True)
conv(x).sum().backward()
assert x.grad is not None and torch.isfinite(x.grad).all()
PYEOF
}
MMCV_VER=$(sed -n 's/^mmcv==//p' requirements/mmcv.txt)
TORCH_VER=$("$PY" -c 'import torch; print(torch.__version__)')
# Built wheels are kept per (mmcv, torch, python, CUDA setting): pip's own
# wheel cache would hand a wheel built against another torch to this one.
CACHE_KEY="mmcv-$MMCV_VER-torch-$TORCH_VER-$("$PY" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')-cuda${FORCE_CUDA:-0}-${TORCH_CUDA_ARCH_LIST:-default}"
WHEEL_DIR="${SFVSR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sfvsr}/wheels/${CACHE_KEY// /_}"

build_mmcv_wheel() {
    # mmcv 2.1.0 has no CPU wheel on PyPI and its setup.py compiles with
    # -std=c++17, but torch >= 2.10 headers need C++20: patch that one flag.
    local src; src=$(mktemp -d)
    log "          downloading the mmcv $MMCV_VER source"
    "${PIP[@]}" download -q --no-deps --no-binary :all: "mmcv==$MMCV_VER" -d "$src"
    tar xzf "$src/mmcv-$MMCV_VER.tar.gz" -C "$src"
    sed -i -e 's/-std=c++1[47]/-std=c++20/g' -e 's#/std:c++1[47]#/std:c++20#g' "$src/mmcv-$MMCV_VER/setup.py"
    log "          compiling mmcv $MMCV_VER ops against torch $TORCH_VER (MAX_JOBS=$MAX_JOBS)."
    log "          This takes about 20-25 minutes on 2 CPU cores, once per torch version."
    rm -rf "$WHEEL_DIR"; mkdir -p "$WHEEL_DIR"
    MMCV_WITH_OPS=1 "${PIP[@]}" wheel -q --no-build-isolation --no-deps -w "$WHEEL_DIR" "$src/mmcv-$MMCV_VER"
    rm -rf "$src"
}
install_mmcv_wheel() {
    "${PIP[@]}" install -q --force-reinstall --no-deps "$WHEEL_DIR"/mmcv-*.whl
    "${PIP[@]}" install -q "$WHEEL_DIR"/mmcv-*.whl  # its pure-Python deps
}

if check_mmcv; then
    log "step 2/4: mmcv $MMCV_VER ops already work with torch $TORCH_VER"
else
    log "step 2/4: mmcv $MMCV_VER with compiled ops for torch $TORCH_VER"
    MAX_JOBS=${MAX_JOBS:-$(nproc)}; export MAX_JOBS
    start=$(date +%s)
    if ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
        log "          using the wheel built earlier in $WHEEL_DIR"
        install_mmcv_wheel
    fi
    if ! check_mmcv; then
        build_mmcv_wheel
        install_mmcv_wheel
        check_mmcv || { log "ERROR: mmcv.ops fails to run a deformable conv after the build; run: $PY -c 'import mmcv.ops'"; exit 1; }
    fi
    log "          mmcv ready after $(( $(date +%s) - start )) s"
fi

log "step 3/4: runtime and test requirements"
"${PIP[@]}" install -q -r requirements/runtime.txt -r requirements/tests.txt

log "step 4/4: this package (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .
"$PY" -c "import sfvsr_plugin, mmagic.models; print('[install] ok: sfvsr_plugin', sfvsr_plugin.__version__, '| mmagic', __import__('mmagic').__version__, '| torch', __import__('torch').__version__)"
