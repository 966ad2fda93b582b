#!/usr/bin/env bash
# GPU check for instructors: backend probe, gradient numerics against the cpu backend, the training
# benchmark, and a short table last. Installs nothing and needs no network: it runs what the last
# `npx pnpm@10 install` put in node_modules. See docs/gpu.md.
#
#   scripts/gpu-check.sh [check.ts flags, e.g. --size 96 --batch 128 --steps 20]
#
# Environment: GPU_CHECK_OUT (default out/gpu-check) for the JSON and logs; GPU_CHECK_BENCH=0 skips
# `pnpm bench`; GPU_CHECK_TIMEOUT (s, default 600) bounds each backend's run; BENCH_TRAIN_* pass through
# to the bench (sizes, seconds, backends).
set -uo pipefail
cd "$(dirname "$0")/.."

TSX=node_modules/.bin/tsx
if [ ! -x "$TSX" ]; then
  echo "gpu-check: $TSX is missing; run 'npx pnpm@10 install' once (with network), then rerun" >&2
  exit 2
fi
OUT=${GPU_CHECK_OUT:-out/gpu-check}
mkdir -p "$OUT"
# libtensorflow's C++ logging (device placement, cuDNN version) is noise here; errors still show.
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
export D2L_TRY_WEBGPU=1

echo "== machine"
echo "node $(node --version), $(uname -sm)"
if gpus=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null); then
  echo "$gpus" | sed 's/^/gpu: /'
  GPU=1
else
  echo "gpu: none visible (nvidia-smi absent or failing); the GPU rows will say why they did not run"
  GPU=0
fi
# tfjs-node-gpu 4.22 (libtensorflow 2.9.1) loads CUDA 11.2 and cuDNN 8.1 at run time.
for lib in libcudart.so.11.0 libcudnn.so.8; do
  if ldconfig -p 2>/dev/null | grep -q "$lib"; then echo "found $lib"; else echo "missing $lib (not on the loader path)"; fi
done

echo
echo "== backend probe"
"$TSX" packages/d2l/src/cli/backends.ts | tee "$OUT/probe.txt"

# On a GPU machine: the chapter's 96 px; elsewhere a quick run that only shows the plumbing works.
if [ "$GPU" = 1 ]; then
  defaults=(--size 96 --batch 64 --steps 10 --warmup 2)
  export BENCH_TRAIN_SIZES=${BENCH_TRAIN_SIZES:-28,96}
else
  defaults=(--size 28 --batch 8 --steps 2 --warmup 1)
  export BENCH_TRAIN_SIZES=${BENCH_TRAIN_SIZES:-28} BENCH_TRAIN_SECONDS=${BENCH_TRAIN_SECONDS:-3}
fi
# The bench's own default list has no webgpu; the pure-JS cpu backend is too slow to matter next to a GPU.
export BENCH_TRAIN_BACKENDS=${BENCH_TRAIN_BACKENDS:-tensorflow,webgpu,wasm,wasm-2workers}

if [ "${GPU_CHECK_BENCH:-1}" = 1 ] && [ -f scripts/bench.ts ] && [ -f scripts/bench/train.ts ]; then
  echo
  echo "== benchmark (pnpm bench --only train; log in $OUT/bench.txt)"
  timeout "${GPU_CHECK_TIMEOUT:-600}" "$TSX" scripts/bench.ts --only train 2>&1 | tee "$OUT/bench.txt" ||
    echo "gpu-check: the benchmark stopped early (exit $?); the table below still has this script's own figures"
fi

echo
echo "== numerics and training throughput per backend (JSON in $OUT/gpu-check.json)"
"$TSX" scripts/gpu-check/check.ts "${defaults[@]}" --timeout "${GPU_CHECK_TIMEOUT:-600}" --json "$OUT/gpu-check.json" "$@" |
  tee "$OUT/table.txt"
exit "${PIPESTATUS[0]}"
