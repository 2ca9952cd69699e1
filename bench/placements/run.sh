#!/usr/bin/env bash
# The three placements of one run side by side (docs/placements.md): data (replicas, broadcast),
# model (stages on shared devices) and zero (parameter batons), same schedule, same result.
# Per run: samples/s after warm-up, parameter_sha256 (must agree across placements), and what each
# placement is about, beside the schedule's prediction: model, the stage devices used against the
# N·L of model parallelism with DP's timing, each device's ops per tick and activation peak; data
# and zero, the parameter bytes the workers hold at once and the bytes on owner and worker links.
# Interleaved over ROUNDS rounds so machine load hits every placement alike.
# Usage: bench/placements/run.sh [backend]   (cpu by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
BACKEND=${1:-cpu}
ROUNDS=${ROUNDS:-3}
BIN=${BIN:-src/Host/bin/Release/net10.0/cyclic.dll}
RUN=${RUN:-dotnet $BIN}
OUT=${OUT_FILE:-bench/results/placements-$BACKEND.json}
WARMUP=${WARMUP:-5}
STEPS=${STEPS:-20}
BATCH=${BATCH:-32}
rm -f "$OUT.tmp"
# model | partition | rule | compensation | workers | stages
CONFIGS=${CONFIGS:-"cnn|flops|cdp-v2|lookahead|4|4 mlp-deep|activations|cdp-v1|none|8|4"}
for round in $(seq 1 "$ROUNDS"); do
  for c in $CONFIGS; do
    IFS='|' read -r model partition rule compensation workers stages <<< "$c"
    for parallelism in data model zero; do
      # shellcheck disable=SC2086
      $RUN bench-train --engine actors --parallelism "$parallelism" --rule "$rule" --compensation "$compensation" --model "$model" --partition "$partition" \
        --workers "$workers" --stages "$stages" --batch "$BATCH" --backend "$BACKEND" --warmup "$WARMUP" --steps "$STEPS" --block 5 --json "$OUT.tmp" | tail -1
    done
  done
done
mv "$OUT.tmp" "$OUT"
python3 bench/placements/summarize.py "$OUT" "${OUT%.json}.md" "bench/placements/run.sh $BACKEND (ROUNDS=$ROUNDS WARMUP=$WARMUP STEPS=$STEPS BATCH=$BATCH)"
