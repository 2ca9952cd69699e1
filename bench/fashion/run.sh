#!/usr/bin/env bash
# Test accuracy on Debian's full Fashion-MNIST (apt-get install dataset-fashion-mnist python3-torch):
# cnn, N = 4 micro-batches of 32, EPOCHS epochs, lr 0.05 cosine, momentum 0.9, seeds 1-3, for DP,
# CDP-v1 and CDP-v2 (look-ahead, the default), and PyTorch with the same recipe (global batch 128).
# Ours runs through the simulation engine, bitwise equal to the actor runtime (tested) and faster on
# two cores. Writes bench/results/fashion-mnist.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-src/Host/bin/Release/net10.0/cyclic.dll}
EPOCHS=${EPOCHS:-2}
SEEDS=${SEEDS:-"1 2 3"}
OUT=bench/results/fashion-mnist.json
tmp=$(mktemp -d)
for seed in $SEEDS; do
  for rule in dp cdp-v1 cdp-v2; do
    dotnet "$BIN" train --data fashion-mnist --model cnn --engine simulation --rule "$rule" --epochs "$EPOCHS" --batch 32 --workers 4 \
      --seed "$seed" --backend cpu --quiet --eval-every 0 --summary "$tmp/$rule-$seed.json" | tail -1
  done
  /usr/bin/python3 bench/fashion/torch_accuracy.py --epochs "$EPOCHS" --seed "$seed" | tee "$tmp/torch-$seed.json"
done
python3 - "$tmp" "$OUT" "$EPOCHS" <<'PY'
import json, pathlib, statistics, sys
tmp, out, epochs = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
runs = []
for path in sorted(tmp.glob("*.json")):
    run = json.loads(path.read_text())
    runs.append({"engine": run.get("engine", "simulation"), "rule": run["rule"], "compensation": run.get("compensation", "none"),
                 "seed": run["seed"], "steps": run["steps"], "test_accuracy": run["test_accuracy"]})
json.dump(runs, open(out, "w"), indent=2)
lines = ["# Fashion-MNIST accuracy: cnn, ours (DP, CDP-v1, CDP-v2) against PyTorch, same recipe", "",
         f"Command: `bench/fashion/run.sh` (EPOCHS={epochs}, seeds 1-3): Debian's Fashion-MNIST (60,000 train, 10,000 test), "
         "N = 4 x 32 (PyTorch: batch 128), lr 0.05 cosine to 0, momentum 0.9, weight decay 0; ours through the simulation engine "
         "(bitwise the actor runtime), CDP with look-ahead (the default).", "",
         "| run | seed 1 | seed 2 | seed 3 | mean |", "|---|---:|---:|---:|---:|"]
for name, pick in [("DP (ours)", lambda r: r["engine"] != "pytorch" and r["rule"] == "dp"),
                   ("CDP-v1 (ours)", lambda r: r["rule"] == "cdp-v1"), ("CDP-v2 (ours)", lambda r: r["rule"] == "cdp-v2"),
                   ("PyTorch (DP)", lambda r: r["engine"] == "pytorch")]:
    chosen = sorted((r for r in runs if pick(r)), key=lambda r: r["seed"])
    cells = [f"{100 * r['test_accuracy']:.2f}" for r in chosen]
    mean = f"{100 * statistics.mean(r['test_accuracy'] for r in chosen):.2f}" if chosen else "-"
    lines.append(f"| {name} | {' | '.join(cells)} | {mean} |")
pathlib.Path(out).with_suffix(".md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
PY
rm -rf "$tmp"
