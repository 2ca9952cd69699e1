#!/usr/bin/env bash
# Test accuracy on Debian's full Fashion-MNIST (apt-get install dataset-fashion-mnist python3-torch):
# MODEL (cnn | resnet-mini), N = 4 micro-batches of 32, EPOCHS epochs, lr 0.05 cosine, momentum 0.9,
# seeds 1-3, for DP, CDP-v1 and CDP-v2 (look-ahead, the default), and PyTorch with the same recipe
# (global batch 128, the same layers). Ours runs through the simulation engine, bitwise equal to the
# actor runtime (tested) and faster on two cores; JOBS runs that many trainings at once (each is one
# thread). Writes bench/results/fashion-mnist-MODEL.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-src/Host/bin/Release/net10.0/cyclic.dll}
MODEL=${MODEL:-cnn}
EPOCHS=${EPOCHS:-2}
SEEDS=${SEEDS:-"1 2 3"}
JOBS=${JOBS:-1}
OUT=bench/results/fashion-mnist-$MODEL.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs_file="$tmp/jobs"
for seed in $SEEDS; do
  for rule in dp cdp-v1 cdp-v2; do
    echo "dotnet '$BIN' train --data fashion-mnist --model '$MODEL' --engine simulation --rule $rule --epochs $EPOCHS --batch 32 --workers 4 --seed $seed --backend cpu --quiet --eval-every 0 --summary '$tmp/$rule-$seed.json' | tail -1" >> "$jobs_file"
  done
  echo "OMP_NUM_THREADS=$(( $(nproc) / JOBS > 0 ? $(nproc) / JOBS : 1 )) /usr/bin/python3 bench/fashion/torch_accuracy.py --model '$MODEL' --epochs $EPOCHS --seed $seed > '$tmp/torch-$seed.json' && cat '$tmp/torch-$seed.json'" >> "$jobs_file"
done
tr '\n' '\0' < "$jobs_file" | xargs -0 -P "$JOBS" -I{} bash -c {}
rm "$jobs_file"
python3 - "$tmp" "$OUT" "$EPOCHS" "$MODEL" "$JOBS" <<'PY'
import json, pathlib, statistics, sys
tmp, out, epochs, model, jobs = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
runs = []
for path in sorted(tmp.glob("*.json")):
    run = json.loads(path.read_text())
    runs.append({"engine": run.get("engine", "simulation"), "model": run.get("model", model), "rule": run["rule"],
                 "compensation": run.get("compensation", "none"), "seed": run["seed"], "steps": run["steps"],
                 "test_accuracy": run["test_accuracy"], "wall_seconds": run.get("wall_seconds")})
json.dump(runs, open(out, "w"), indent=2)
lines = [f"# Fashion-MNIST accuracy: {model}, ours (DP, CDP-v1, CDP-v2) against PyTorch, same recipe", "",
         f"Command: `MODEL={model} EPOCHS={epochs} JOBS={jobs} bench/fashion/run.sh` (seeds 1-3): Debian's Fashion-MNIST (60,000 train, 10,000 test), "
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
