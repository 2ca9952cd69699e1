#!/usr/bin/env bash
# Accuracy of DP, CDP-v1 and CDP-v2 (with and without look-ahead compensation) on the bundled
# MNIST subset: cnn, N = 4 micro-batches of 32, 3 epochs, seeds 1-3, at the defaults and at the
# (lr, momentum) points of the method notes (constant learning rate there, as in those simulations).
# Every run goes through `cyclic train --engine $ENGINE`; the simulation engine is bitwise equal
# to the actor runtime (tests assert it). Writes one summary JSON per run under $OUT_DIR and then
# bench/results/accuracy-cnn.{json,md} via summarize.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT_DIR=${OUT_DIR:-bench/results/accuracy-runs}
SEEDS=${SEEDS:-"1 2 3"}
# simulation: the one-thread delayed-gradient oracle, bitwise equal to the actor runtime (tested), and
# about 4x faster on a 2-core machine; ENGINE=actors runs the same through the actors.
ENGINE=${ENGINE:-simulation}
BIN=${BIN:-src/Host/bin/Release/net10.0/cyclic.dll}
mkdir -p "$OUT_DIR"
[ -f "$BIN" ] || dotnet build src/Host -c Release >/dev/null

# name | flags
SETTINGS=(
  "defaults|"
  "lr0.05-m0.9|--lr 0.05 --momentum 0.9 --lr-schedule constant"
  "lr0.02-m0.9|--lr 0.02 --momentum 0.9 --lr-schedule constant"
  "lr0.1-m0|--lr 0.1 --momentum 0 --lr-schedule constant"
)
VARIANTS=(
  "dp|--rule dp"
  "cdp-v1-none|--rule cdp-v1 --compensation none"
  "cdp-v1-lookahead|--rule cdp-v1 --compensation lookahead"
  "cdp-v2-none|--rule cdp-v2 --compensation none"
  "cdp-v2-lookahead|--rule cdp-v2 --compensation lookahead"
)
for setting in "${SETTINGS[@]}"; do
  sname=${setting%%|*}; sflags=${setting#*|}
  for variant in "${VARIANTS[@]}"; do
    vname=${variant%%|*}; vflags=${variant#*|}
    for seed in $SEEDS; do
      out="$OUT_DIR/$sname--$vname--seed$seed.json"
      [ -f "$out" ] && continue
      # shellcheck disable=SC2086
      cmd="dotnet $BIN train --engine $ENGINE --model cnn --workers 4 --batch 32 --epochs 3 --seed $seed --backend cpu --quiet $sflags $vflags --summary $out"
      echo "$cmd"
      $cmd | tail -1 || echo "FAILED: $cmd"
    done
  done
done
python3 bench/accuracy/summarize.py "$OUT_DIR" bench/results/accuracy-cnn
