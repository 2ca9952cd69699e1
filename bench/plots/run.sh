#!/usr/bin/env bash
# The figures in the docs (docs/figures/), drawn by `cyclic plot` from runs recorded here
# (bench/results/plots/: each run's --metrics and --summary, and the command that made it).
#  - training: cnn on the bundled MNIST, DP vs CDP-v2, 3 epochs, test accuracy every 50 steps
#  - memory:   mlp-deep (activations partition, batch 64), DP vs CDP-v2, 60 steps: live activations and pool
#  - links:    cnn across a seed and two member processes on loopback, DP vs CDP-v2, 150 steps
# Usage: bench/plots/run.sh   (CPU; BIN overrides the program)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-src/Host/bin/Release/net10.0/cyclic.dll}
RUN="dotnet $BIN"
OUT=bench/results/plots
FIGURES=docs/figures
mkdir -p "$OUT" "$FIGURES"
: > "$OUT/commands.txt"
record() { echo "$*" >> "$OUT/commands.txt"; "$@"; }

for rule in dp cdp-v2; do
  record $RUN train --model cnn --epochs 3 --rule "$rule" --eval-every 50 --backend cpu --quiet \
    --metrics "$OUT/cnn-$rule.jsonl" --summary "$OUT/cnn-$rule.json" | tail -2
  record $RUN train --model mlp-deep --partition activations --batch 64 --steps 60 --rule "$rule" --eval-every 0 --backend cpu --quiet \
    --metrics "$OUT/memory-$rule.jsonl" | tail -1
done

member_conf=$(mktemp --suffix .conf)
echo 'cyclic-actors.cluster.progress-interval = 100ms' > "$member_conf"
for rule in dp cdp-v2; do
  log=$(mktemp)
  $RUN seed --model cnn --steps 150 --rule "$rule" --eval-every 0 --port 0 --quiet --metrics "$OUT/cluster-$rule.jsonl" > "$log" 2>&1 &
  seed=$!
  for _ in $(seq 1 100); do grep -q '^seed akka' "$log" && break; sleep 0.2; done
  address=$(grep -o '^seed akka[^ ]*' "$log" | head -1 | sed 's/^seed //; s/:$//')
  echo "seed --model cnn --steps 150 --rule $rule --eval-every 0 --port 0 --metrics $OUT/cluster-$rule.jsonl; 2 x member --seed-node $address --workers-per-node 2 --config (progress-interval = 100ms)" >> "$OUT/commands.txt"
  $RUN member --seed-node "$address" --workers-per-node 2 --backend cpu --config "$member_conf" > /dev/null 2>&1 &
  first=$!
  $RUN member --seed-node "$address" --workers-per-node 2 --backend cpu --config "$member_conf" > /dev/null 2>&1 &
  second=$!
  wait "$seed" "$first" "$second"
  tail -1 "$log"
  rm -f "$log"
done
rm -f "$member_conf"

$RUN plot "DP=$OUT/cnn-dp.jsonl" "DP=$OUT/cnn-dp.json" "CDP-v2=$OUT/cnn-cdp-v2.jsonl" "CDP-v2=$OUT/cnn-cdp-v2.json" --out "$FIGURES/training" --width 1000 --height 560
$RUN plot "DP=$OUT/memory-dp.jsonl" "CDP-v2=$OUT/memory-cdp-v2.jsonl" --out "$FIGURES/memory" --width 1000 --height 560
$RUN plot "DP=$OUT/cluster-dp.jsonl" "CDP-v2=$OUT/cluster-cdp-v2.jsonl" --out "$FIGURES/cluster" --width 1000 --height 560
