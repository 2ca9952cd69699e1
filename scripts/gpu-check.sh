#!/usr/bin/env bash
# The GPU check, run on the GPU test machine from the repository root with $OUT as the output
# folder (uploaded with: tracked source, shared/, and artifacts/gpu from scripts/publish-gpu.sh).
# Every step has its own timeout and the whole script stays within TOTAL_BUDGET_S (~8 minutes)
# even if something hangs. Logs and JSON go to $OUT; a short table is printed last.
#
# Prepare here:  scripts/publish-gpu.sh            (artifacts/gpu/cyclic, ~40 MiB)
# Run there:     bash scripts/gpu-check.sh         (device tool: carry ["artifacts/gpu"], timeout ~540 s)
# Knobs: TOTAL_BUDGET_S, OUR_TRAIN_BENCH_CMD (+_TIMEOUT_S), TORCH_BENCH_ARGS, TORCH_BENCH_TIMEOUT_S.
set -u
cd "$(dirname "$0")/.."

OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
TOTAL_BUDGET_S=${TOTAL_BUDGET_S:-470}
START_S=$(date +%s)
PYTHON=/opt/torch/.venv/bin/python3
CYCLIC=./artifacts/gpu/cyclic
BATCHES="32 128"

# --- library path: the venv's CUDA 13 wheels (must be set before the process starts) -----------
LIBDIRS=""
for site in /opt/torch/.venv/lib/python3*/site-packages; do
  for sub in nvidia/cu13/lib nvidia/cudnn/lib nvidia/cublas/lib nvidia/cuda_nvrtc/lib nvidia/cuda_runtime/lib; do
    [ -d "$site/$sub" ] && LIBDIRS="$LIBDIRS:$site/$sub"
  done
done
export LD_LIBRARY_PATH="${LIBDIRS#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GPUCOMPUTE_BACKEND=cuda
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" | tee "$OUT/environment.log"

SUMMARY=()

# run_step NAME LIMIT_S COMMAND...: runs with a timeout clipped to the remaining budget, logs to
# $OUT/NAME.log, echoes the last lines, and records "NAME rc seconds" for the final table.
run_step() {
  local name=$1 limit=$2; shift 2
  local elapsed=$(( $(date +%s) - START_S ))
  local left=$(( TOTAL_BUDGET_S - elapsed - 5 ))
  if [ "$left" -lt 10 ]; then
    SUMMARY+=("$name skipped(budget) 0"); echo "== $name: skipped, budget spent"; return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "== $name (timeout ${limit}s)"
  local t0=$(date +%s)
  timeout -k 5 "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  local secs=$(( $(date +%s) - t0 ))
  tail -n 25 "$OUT/$name.log"
  [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && rc="$rc(timeout)"
  SUMMARY+=("$name $rc $secs")
}

inventory() {
  for site in /opt/torch/.venv/lib/python3*/site-packages; do
    for sub in nvidia/cu13/lib nvidia/cudnn/lib nvidia/cublas/lib nvidia/cuda_nvrtc/lib nvidia/cuda_runtime/lib; do
      [ -d "$site/$sub" ] && { echo "--- ls $site/$sub"; ls -la "$site/$sub"; }
    done
  done
  echo "--- libcuda"; ldconfig -p 2>/dev/null | grep -E 'libcuda\.so' || true
  ls -la /usr/local/nvidia/lib64/libcuda* /usr/lib/x86_64-linux-gnu/libcuda* 2>/dev/null || true
  for lib in $(echo "$LD_LIBRARY_PATH" | tr ':' '\n' | while read -r d; do ls "$d"/libcudnn*.so.9 "$d"/libcublas*.so.13 "$d"/libnvrtc*.so.13* 2>/dev/null; done); do
    echo "--- readelf -d $lib"; readelf -d "$lib" | grep -E 'NEEDED|RUNPATH|RPATH|SONAME'
  done
  for d in $(echo "$LD_LIBRARY_PATH" | tr ':' '\n'); do
    [ -f "$d/libcudnn.so.9" ] && echo "cudnnConvolutionForward exports in $d/libcudnn.so.9: $(nm -D --defined-only "$d/libcudnn.so.9" | grep -c cudnnConvolutionForward)"
  done
  echo "--- artifact"; ls -la "$CYCLIC"; file "$CYCLIC" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# OUR TRAINING BENCHMARK, all into $OUT/our-train.json (one JSON array, one entry per configuration):
#  1. one worker (reference engine), the same models and batches as the PyTorch run: the ratio;
#  2. four worker actors sharing the GPU, DP vs CDP-v1 vs CDP-v2, micro-batch 32, L = 4: samples/s and the
#     peak of device activation bytes summed over the workers, measured and predicted.
BENCH_WARMUP=${BENCH_WARMUP:-20}
BENCH_STEPS=${BENCH_STEPS:-100}
our_training_benchmark() {
  local json="$OUT/our-train.json" b
  rm -f "$json"
  for b in $BATCHES; do
    "$CYCLIC" bench-train --backend cuda --model cnn --input 1x28x28 --batch "$b" --warmup "$BENCH_WARMUP" --steps "$BENCH_STEPS" --json "$json" | tail -1
    "$CYCLIC" bench-train --backend cuda --model resnet-mini --input 3x32x32 --batch "$b" --warmup "$BENCH_WARMUP" --steps "$BENCH_STEPS" --json "$json" | tail -1
  done
  for rule in dp cdp-v1 cdp-v2; do
    "$CYCLIC" bench-train --backend cuda --engine actors --rule "$rule" --workers 4 --stages 4 --batch 32 --model cnn --input 1x28x28 --warmup "$BENCH_WARMUP" --steps "$BENCH_STEPS" --json "$json" | tail -1
    "$CYCLIC" bench-train --backend cuda --engine actors --rule "$rule" --workers 4 --stages 4 --batch 32 --model resnet-mini --input 3x32x32 --warmup "$BENCH_WARMUP" --steps "$BENCH_STEPS" --json "$json" | tail -1
    "$CYCLIC" bench-train --backend cuda --engine actors --rule "$rule" --workers 4 --stages 4 --batch 32 --model mlp-deep --partition activations --warmup "$BENCH_WARMUP" --steps "$BENCH_STEPS" --json "$json" | tail -1
  done
}
OUR_TRAIN_BENCH_TIMEOUT_S=${OUR_TRAIN_BENCH_TIMEOUT_S:-150}
export -f our_training_benchmark
export BATCHES BENCH_WARMUP BENCH_STEPS
run_our_training_benchmark() { run_step our-train-bench "$OUR_TRAIN_BENCH_TIMEOUT_S" bash -c our_training_benchmark; }

# The default `train` (CDP-v2 through four worker actors) on the real bundled MNIST data, on the GPU.
run_real_training() {
  run_step train-mnist-cuda 90 "$CYCLIC" train --backend cuda --quiet --summary "$OUT/train-mnist-cuda.json"
}

# PYTORCH BENCHMARK: the same architectures, batch sizes and GPU in PyTorch (float32, TF32 off).
TORCH_BENCH_TIMEOUT_S=${TORCH_BENCH_TIMEOUT_S:-100}
TORCH_BENCH_ARGS=${TORCH_BENCH_ARGS:-"--models cnn resnet-mini --batch $BATCHES --warmup 10 --iters 30"}
run_pytorch_benchmark() {
  # shellcheck disable=SC2086
  run_step torch-bench "$TORCH_BENCH_TIMEOUT_S" "$PYTHON" bench/gpu/torch_bench.py $TORCH_BENCH_ARGS --json "$OUT/torch-bench.json"
}
# ---------------------------------------------------------------------------------------------

if [ ! -f "$CYCLIC" ]; then
  echo "ERROR: $CYCLIC missing: run scripts/publish-gpu.sh and carry artifacts/gpu" | tee "$OUT/missing-artifact.log"
fi
chmod +x "$CYCLIC" 2>/dev/null
export CYCLIC
export -f inventory   # timeout runs programs, not shell functions
run_step inventory 20 bash -c inventory
run_step symbols 30 "$PYTHON" scripts/gpu-symbols.py . "$OUT/symbols.json"
run_step nvidia-smi 10 nvidia-smi
run_step selftest-gpu 180 "$CYCLIC" selftest-gpu
run_step bench-gpu 60 "$CYCLIC" bench-gpu --batch "${BATCHES// /,}" --iterations 20 --json "$OUT/bench-gpu.json"
run_our_training_benchmark
run_real_training
run_pytorch_benchmark
run_step compare 20 "$PYTHON" bench/gpu/compare.py "$OUT"
# The planner's per-stage costs on this GPU (`cyclic plan --backend cuda --costs profile`), for the extrapolation
# with GPU op costs: afterwards, here, `bench/plan/extrapolate.py --costs-dir <results>/plan-costs --out
# bench/results/plan-extrapolation-gpu` (docs/planner.md, "Extrapolation").
run_step plan-costs 90 "$PYTHON" bench/plan/extrapolate.py --cyclic "$CYCLIC" --backend cuda --costs-dir "$OUT/plan-costs" --costs-only

# --- short table, last ----------------------------------------------------------------------
echo
echo "================ gpu-check summary ($(( $(date +%s) - START_S ))s of ${TOTAL_BUDGET_S}s) ================"
printf '%-18s %-18s %6s\n' step rc seconds
for row in "${SUMMARY[@]}"; do
  # shellcheck disable=SC2086
  printf '%-18s %-18s %6s\n' $row
done
grep -h -E '^probe:' "$OUT/selftest-gpu.log" 2>/dev/null | head -1
grep -h -E '^[0-9]+ passed, [0-9]+ failed' "$OUT/selftest-gpu.log" 2>/dev/null | tail -1 | sed 's/^/selftest-gpu: /'
grep -h 'FAIL' "$OUT/selftest-gpu.log" 2>/dev/null | head -10
grep -h '^symbols:' "$OUT/symbols.log" 2>/dev/null
grep -h -E '^(conv-fwd|dense-fwd)' "$OUT/bench-gpu.log" 2>/dev/null | head -6
grep -h -E 'samples/s' "$OUT/torch-bench.log" 2>/dev/null | head -8
grep -h -E 'test accuracy' "$OUT/train-mnist-cuda.log" 2>/dev/null | head -1
cat "$OUT/gpu-summary.md" 2>/dev/null

# The device tool returns a bounded number of files: pack everything into one archive and keep
# the two files a reader looks at first beside it.
if [ "${PACK_OUTPUT:-1}" = 1 ]; then
  ( cd "$OUT" && tar czf ../gpu-check-all.tgz . && mv ../gpu-check-all.tgz . \
    && find . -maxdepth 1 -type f ! -name gpu-check-all.tgz ! -name gpu-summary.md ! -name selftest-gpu.log -delete \
    && rm -rf plan-costs )
fi
