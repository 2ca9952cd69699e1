#!/usr/bin/env bash
# Calibration of `cyclic plan` against short real in-process runs (one machine, CPU backend):
# for each model and rule, `cyclic train --engine actors` with a trace and a summary, then
# `cyclic plan` with costs from that run's trace, from a short run of its own (`--costs run`, 24 steps)
# and with costs profiled on this machine.
# Compares the median step time after warm-up (time between consecutive commits: the last
# stage's publication of each version, read from the trace's reducer instants, as the model
# defines it) and the activation peaks (the runtime's own logical-tick and wall-clock peaks
# against the model's MemoryNeed activations and its timeline peak). Every case runs REPEATS times,
# the cases interleaved so that a slow spell of a shared machine falls on all of them; the table
# compares the medians and shows the spread of the measured runs.
# Usage: bench/plan/calibrate.sh   (env: MODELS, RULES, STEPS, WORKERS, STAGES, BATCH, REPEATS)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-src/Host/bin/Release/net10.0/cyclic}
MODELS=${MODELS:-"cnn mlp-deep"}
RULES=${RULES:-"dp cdp-v1 cdp-v2"}
STEPS=${STEPS:-300}
WORKERS=${WORKERS:-4}
STAGES=${STAGES:-4}
BATCH=${BATCH:-8}
REPEATS=${REPEATS:-3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT=${OUT:-bench/results/plan-calibration-one-process.md}
ROWS="$WORK/rows.jsonl"
for repeat in $(seq 1 "$REPEATS"); do
  for model in $MODELS; do
    for rule in $RULES; do
      run="$WORK/$model-$rule-$repeat"
      "$BIN" train --engine actors --backend cpu --model "$model" --workers "$WORKERS" --stages "$STAGES" --batch "$BATCH" \
        --rule "$rule" --steps "$STEPS" --trace "$run.trace.json" --summary "$run.summary.json" > "$run.train.log"
      "$BIN" plan --model "$model" --workers "$WORKERS" --stages "$STAGES" --batch "$BATCH" --rules "$rule" --steps "$STEPS" \
        --costs "$run.trace.json" --json "$run.plan-trace.json" > /dev/null
      "$BIN" plan --model "$model" --workers "$WORKERS" --stages "$STAGES" --batch "$BATCH" --rules "$rule" --steps "$STEPS" \
        --costs profile --json "$run.plan-profile.json" > /dev/null
      "$BIN" plan --model "$model" --workers "$WORKERS" --stages "$STAGES" --batch "$BATCH" --rules "$rule" --steps "$STEPS" \
        --costs run --json "$run.plan-run.json" > /dev/null
      python3 bench/plan/calibration_row.py "$model" "$rule" "$run" "$repeat" >> "$ROWS"
    done
  done
done
SETTING="one process"
[ "$WORKERS" = 4 ] || SETTING="one process, N = $WORKERS"
python3 bench/plan/calibration_table.py "$ROWS" "$OUT" "bench/plan/calibrate.sh (WORKERS=$WORKERS STAGES=$STAGES BATCH=$BATCH STEPS=$STEPS REPEATS=$REPEATS, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) at the end)" "$SETTING"
cp "$ROWS" "${OUT%.md}.jsonl"
echo "written: $OUT, ${OUT%.md}.jsonl and ${OUT%.md}.rows.json (gather them: bench/plan/calibration_summary.py)"
