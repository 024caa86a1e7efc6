#!/usr/bin/env bash
# The GPU path in one command: training throughput (relmine loop vs bare PyG GATConv loop)
# and a short Amazon Photo training + evaluation, on CUDA when present, on CPU otherwise.
#   bench/gpu_check.sh            # DEVICE=cuda|cpu|auto (default auto), PYTHON=python
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
DEVICE=${DEVICE:-auto}
$PY -c "from relmine.device import describe_device; print('device:', describe_device())"
$PY bench/train.py --rounds 3 --device "$DEVICE"
$PY bench/evaluate_photo.py --seeds 0 --epochs 10 --device "$DEVICE" --out out/gpu_check --fresh
