#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG GPUS [train.py args...]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT. Without GPUs the
# processes run on the CPU with the gloo backend.
set -euo pipefail
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
DIR="$(cd "$(dirname "$0")" && pwd)"
PY=${PYTHON:-python}
[ -x "$DIR/../.venv/bin/python" ] && [ -z "${PYTHON:-}" ] && PY="$DIR/../.venv/bin/python"

PYTHONPATH="$DIR/..:${PYTHONPATH:-}" \
"$PY" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$DIR/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
