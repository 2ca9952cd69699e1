#!/usr/bin/env bash
# Training throughput, CyclicActors CPU backend vs PyTorch on CPU, one thread, batch 64, in one run.
# For each model: ours, PyTorch with glibc's default malloc, and PyTorch with glibc's mmap and trim
# thresholds raised, interleaved over ROUNDS rounds (the order rotates every round so background
# load hits all three alike); the reported figure per configuration is the median over rounds of
# each run's median samples/s over blocks of steps. Then one profiled run of ours per model
# (TimingBackend: time per IComputeBackend method) and of PyTorch (torch.autograd.profiler);
# the profiled runs are not counted in the throughput figures.
# Writes bench/results/train-cpu.json and bench/results/train-cpu.md.
#
# Usage: bench/run-train-bench.sh            (ROUNDS=3 MODELS="cnn mlp" DATA=mnist SKX=1 by default)
#        ROUNDS=5 MODELS=cnn bench/run-train-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
MODELS=${MODELS:-"cnn mlp"}
DATA=${DATA:-mnist}
BATCH=64
PY=/usr/bin/python3   # Debian's python3-torch lives here, not in pyenv's python
# glibc 2.36 accepts 4 GiB for both through the environment (tunables); checked with mallinfo2():
# with MALLOC_MMAP_THRESHOLD_=4294967296 even a 100 MiB malloc is not mmapped (bench/torch/check_malloc_env.py).
RAISED_MMAP=${RAISED_MMAP:-4294967296}
RAISED_TRIM=${RAISED_TRIM:-4294967296}
# One thread for PyTorch: set_num_threads(1)/set_num_interop_threads(1) in the script, plus the
# environment for OpenMP and for Debian's OpenBLAS (libblas.so.3 → openblas-pthread), whose own
# thread pool torch.set_num_threads does not control.
TORCH_ENV=(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1)

steps_for() {  # warm-up, timed steps, block: each run stays well under a minute on the dev VM
  case "$1" in
    cnn) echo "10 120 10" ;;
    mlp) echo "30 600 30" ;;
    *) echo "20 200 10" ;;
  esac
}

OUT=bench/results
RAW=$OUT/train-cpu-raw
rm -rf "$RAW"
mkdir -p "$RAW"
COMMAND="ROUNDS=$ROUNDS MODELS=\"$MODELS\" DATA=$DATA SKX=${SKX:-1} bench/run-train-bench.sh"

echo "== build (Release)"
dotnet build -c Release bench/TrainBench/TrainBench.csproj -nologo -v q | tail -n 3
OURS=(dotnet bench/TrainBench/bin/Release/net10.0/trainbench.dll)

if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "PyTorch is not importable by $PY: apt-get update && apt-get install -y python3-torch" >&2
  exit 1
fi

uptime > "$RAW/load-before.txt"
run_config() {  # model round config
  local model=$1 round=$2 config=$3 w t k
  read -r w t k < <(steps_for "$model")
  local common=(--model "$model" --batch $BATCH --warmup "$w" --steps "$t" --block "$k" --data "$DATA")
  local json="$RAW/$model-$config-r$round.json"
  case "$config" in
    ours) "${OURS[@]}" "${common[@]}" --json "$json" > /dev/null ;;
    torch-default) env -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ "${TORCH_ENV[@]}" \
        "$PY" bench/torch/train_bench.py "${common[@]}" --label "$config" --json "$json" > /dev/null ;;
    torch-raised) env "${TORCH_ENV[@]}" MALLOC_MMAP_THRESHOLD_=$RAISED_MMAP MALLOC_TRIM_THRESHOLD_=$RAISED_TRIM \
        "$PY" bench/torch/train_bench.py "${common[@]}" --label "$config" --json "$json" > /dev/null ;;
    torch-raised-skx) env "${TORCH_ENV[@]}" MALLOC_MMAP_THRESHOLD_=$RAISED_MMAP MALLOC_TRIM_THRESHOLD_=$RAISED_TRIM \
        OPENBLAS_CORETYPE=SkylakeX "$PY" bench/torch/train_bench.py "${common[@]}" --label "$config" --json "$json" > /dev/null ;;
  esac
  printf '   %-4s round %d %-14s %s samples/s\n' "$model" "$round" "$config" \
    "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["median_samples_per_s"])' "$json")"
}

# torch-raised-skx: Debian's OpenBLAS 0.3.21 does not recognise this Xeon and runs its SSE3
# "Prescott" kernels (PyTorch's Linear layers go through it; its convolutions use oneDNN, which
# detects AVX-512 itself), so this extra configuration forces the AVX-512 kernels. Set
# SKX=0 to leave it out.
CONFIGS=(ours torch-default torch-raised)
if [[ ${SKX:-1} != 0 ]]; then CONFIGS+=(torch-raised-skx); fi
for model in $MODELS; do
  echo "== $model"
  for ((round = 1; round <= ROUNDS; round++)); do
    for ((i = 0; i < ${#CONFIGS[@]}; i++)); do
      run_config "$model" "$round" "${CONFIGS[(i + round - 1) % ${#CONFIGS[@]}]}"
    done
  done
  read -r w t k < <(steps_for "$model")
  echo "   $model profile (ours, TimingBackend)"
  "${OURS[@]}" --model "$model" --batch $BATCH --warmup "$w" --steps "$t" --block "$k" --data "$DATA" --profile \
    --json "$RAW/$model-ours-profile.json" > /dev/null
  echo "   $model profile (PyTorch, default malloc, torch.autograd.profiler)"
  env -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ "${TORCH_ENV[@]}" "$PY" bench/torch/train_bench.py \
    --model "$model" --batch $BATCH --warmup "$w" --steps "$t" --block "$k" --data "$DATA" --profile --label profile \
    --json "$RAW/$model-torch-profile.json" > /dev/null
done
uptime > "$RAW/load-after.txt"

"$PY" bench/summarize_train_bench.py --raw "$RAW" --out "$OUT/train-cpu" --command "$COMMAND" \
  --rounds "$ROUNDS" --models "$MODELS" --raised-mmap "$RAISED_MMAP" --raised-trim "$RAISED_TRIM"
echo "== wrote $OUT/train-cpu.json and $OUT/train-cpu.md"
