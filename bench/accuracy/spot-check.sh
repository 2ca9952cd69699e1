#!/usr/bin/env bash
# Reruns a few accuracy runs through the actor runtime and compares parameter_sha256 with the
# simulation engine's result in bench/results/accuracy-runs/ (they must be identical).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-src/Host/bin/Release/net10.0/cyclic.dll}
out=bench/results/accuracy-spot-check.md
{
  echo "# Spot check: actor runtime vs simulation engine (same runs, same flags)"
  echo
  echo "Command: \`bench/accuracy/spot-check.sh\`"
  echo
  echo "| run | simulation sha256 | actors sha256 | equal | actors test accuracy |"
  echo "|---|---|---|---|---|"
} > "$out"
for spec in "defaults--cdp-v2-none--seed1|--rule cdp-v2 --compensation none --seed 1" \
            "defaults--cdp-v1-lookahead--seed1|--rule cdp-v1 --compensation lookahead --seed 1" \
            "defaults--dp--seed2|--rule dp --seed 2"; do
  name=${spec%%|*}; flags=${spec#*|}
  tmp=$(mktemp --suffix=.json)
  # shellcheck disable=SC2086
  dotnet "$BIN" train --engine actors --model cnn --workers 4 --batch 32 --epochs 3 --backend cpu --quiet $flags --summary "$tmp" | tail -1
  sim=$(python3 -c "import json;print(json.load(open('bench/results/accuracy-runs/$name.json'))['parameter_sha256'])")
  act=$(python3 -c "import json;print(json.load(open('$tmp'))['parameter_sha256'])")
  acc=$(python3 -c "import json;print(round(json.load(open('$tmp'))['test_accuracy']*100,2))")
  eq=$([ "$sim" = "$act" ] && echo yes || echo NO)
  echo "| $name | \`${sim:0:16}…\` | \`${act:0:16}…\` | $eq | $acc % |" >> "$out"
  rm -f "$tmp"
done
cat "$out"
