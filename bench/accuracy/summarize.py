#!/usr/bin/env python3
"""Collects the per-run summaries of bench/accuracy/run.sh into one JSON and a markdown table."""
import glob, json, os, statistics, sys

runs_dir, out_prefix = sys.argv[1], sys.argv[2]
rows = {}
for path in sorted(glob.glob(os.path.join(runs_dir, "*.json"))):
    setting, variant, seed = os.path.basename(path)[:-5].split("--")
    with open(path) as f:
        s = json.load(f)
    rows.setdefault((setting, variant), []).append(s)

settings = ["defaults", "lr0.05-m0.9", "lr0.02-m0.9", "lr0.1-m0"]
variants = ["dp", "cdp-v1-none", "cdp-v1-lookahead", "cdp-v2-none", "cdp-v2-lookahead"]
table = []
for st in settings:
    for v in variants:
        runs = rows.get((st, v), [])
        if not runs:
            continue
        acc = [r["test_accuracy"] * 100 for r in runs]
        table.append({
            "setting": st, "variant": v, "seeds": [r["seed"] for r in runs],
            "test_accuracy_percent": acc, "mean": statistics.mean(acc),
            "min": min(acc), "max": max(acc),
            "lr": runs[0]["lr"], "momentum": runs[0]["momentum"], "lr_schedule": runs[0]["lr_schedule"],
            "steps": runs[0]["steps"], "version_violations": sum(r.get("realized_version_violations", 0) for r in runs),
        })

with open(out_prefix + ".json", "w") as f:
    json.dump({"command": "bench/accuracy/run.sh", "model": "cnn", "workers": 4, "micro_batch": 32, "epochs": 3, "rows": table}, f, indent=2)

lines = ["# Test accuracy: DP vs CDP-v1 vs CDP-v2 on the bundled MNIST subset", "",
         "Command: `bench/accuracy/run.sh` (each run: `cyclic train --model cnn --workers 4 --batch 32 --epochs 3 --seed S --backend cpu` + the flags below; per-run summaries in `bench/results/accuracy-runs/`).",
         "Test accuracy on the 1,000 bundled test digits, mean over seeds [min–max]. The actor runtime executes every rule; version violations are summed over the runs (must be 0).", "",
         "| setting | lr, momentum, schedule | DP | CDP-v1 none | CDP-v1 lookahead | CDP-v2 none | CDP-v2 lookahead |", "|---|---|---|---|---|---|---|"]
for st in settings:
    cells = []
    first = None
    for v in variants:
        r = next((x for x in table if x["setting"] == st and x["variant"] == v), None)
        if r is None:
            cells.append("–"); continue
        first = first or r
        cells.append(f"{r['mean']:.2f} % [{r['min']:.1f}–{r['max']:.1f}] (n={len(r['seeds'])})")
    if first:
        lines.append(f"| {st} | {first['lr']}, {first['momentum']}, {first['lr_schedule']} | " + " | ".join(cells) + " |")
violations = sum(r["version_violations"] for r in table)
lines += ["", f"Realized version violations over all runs: {violations}."]
with open(out_prefix + ".md", "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
