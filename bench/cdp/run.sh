#!/usr/bin/env bash
# DP vs CDP in one run, on one machine: peak of live activation bytes summed over the workers
# (measured at every logical tick, predicted by the schedule from the real per-stage activation
# sizes, and the exact process-wide high-water mark in wall-clock time) and training samples/s
# after warm-up, interleaved over ROUNDS rounds so machine load hits every rule alike.
# N = 4 workers, L = 4 stages. Models: cnn (flops partition) and mlp-deep (activations partition).
# Usage: bench/cdp/run.sh [backend]   (cpu by default; the GPU check passes cuda)
set -euo pipefail
cd "$(dirname "$0")/../.."
BACKEND=${1:-cpu}
ROUNDS=${ROUNDS:-3}
BIN=${BIN:-src/Host/bin/Release/net10.0/cyclic.dll}
RUN=${RUN:-dotnet $BIN}
OUT=${OUT_FILE:-bench/results/cdp-$BACKEND.json}
WARMUP=${WARMUP:-10}
STEPS=${STEPS:-40}
BATCH=${BATCH:-32}
rm -f "$OUT.tmp"
# model | input | partition
MODELS=${MODELS:-"cnn|1x28x28|flops mlp-deep|1x28x28|activations"}
for round in $(seq 1 "$ROUNDS"); do
  for m in $MODELS; do
    IFS='|' read -r model input partition <<< "$m"
    for rule in dp cdp-v1 cdp-v2; do
      # shellcheck disable=SC2086
      $RUN bench-train --engine actors --rule "$rule" --model "$model" --input "$input" --partition "$partition" \
        --workers 4 --stages 4 --batch "$BATCH" --backend "$BACKEND" --warmup "$WARMUP" --steps "$STEPS" --block 5 --json "$OUT.tmp" | tail -1
    done
  done
done
mv "$OUT.tmp" "$OUT"
python3 bench/cdp/summarize.py "$OUT" "${OUT%.json}.md" "bench/cdp/run.sh $BACKEND (ROUNDS=$ROUNDS WARMUP=$WARMUP STEPS=$STEPS BATCH=$BATCH)"
