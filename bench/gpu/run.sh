#!/usr/bin/env bash
# The GPU bench, run as is from a checkout on a Linux x64 machine with an NVIDIA GPU:
#
#   bash bench/gpu/run.sh
#
# 1. shows the GPU (nvidia-smi);
# 2. installs the project with its optional GPU packages (@tensorflow/tfjs-node-gpu, which
#    downloads libtensorflow with CUDA and needs CUDA 11.2 / cuDNN 8.1 on the machine; webgpu,
#    Dawn for the webgpu backend), so the machine needs to reach the npm registry and
#    storage.googleapis.com;
# 3. runs every backend's self-check (trainer/engine/self-check.ts) and prints what each says;
# 4. runs the training bench on every backend that passed and prints tokens/s beside the CPU
#    engine's; the whole result is also written to bench/out/gpu-<time>.json.
set -euo pipefail
cd "$(dirname "$0")/../.."

if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
else
  echo "gpu bench: nvidia-smi not found: the gpu backend will report itself unavailable" >&2
fi

# The optional packages are skipped silently by npm when their install fails: the self-check
# below says which did not load and why.
npm ci --include=optional --no-audit --no-fund
npm rebuild @tensorflow/tfjs-node-gpu webgpu >/dev/null 2>&1 || true

export PATH="$PWD/node_modules/.bin:$PATH"
mkdir -p bench/out
out="bench/out/gpu-$(date -u +%Y%m%dT%H%M%SZ).json"
node bench/gpu/report.ts | tee "$out"
echo "gpu bench: written to $out" >&2
