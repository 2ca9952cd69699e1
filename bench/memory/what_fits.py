#!/usr/bin/env python3
"""What fits in a fixed memory budget, on the CPU: for each model and rule (DP, CDP-v1, CDP-v2; N = L = 4,
default pacing, no look-ahead), the largest micro-batch whose real run keeps the memory pool's
high-water (reserved_peak_bytes) within the budget when the pool is held to it (--pool-limit: it gives
cached blocks back rather than pass it, as a GPU allocator does at a full device), found by binary search over real runs of
`cyclic bench-train`, next to the largest the prediction (predicted_need_bytes, what
--memory-budget checks) allows. Then draws the pool's reserved bytes and the live activations over
time for DP and CDP-v2 at one micro-batch (memoryplot, ScottPlot).

usage: what_fits.py CYCLIC_BIN MEMORYPLOT_BIN OUT_PREFIX [--cases mlp-deep:640MiB,resnet-mini:512MiB] [--pacing budget] [--no-plot]
writes OUT_PREFIX.json, OUT_PREFIX.md and OUT_PREFIX.png
"""
import json, os, subprocess, sys, tempfile

UNITS = {"MiB": 1 << 20, "GiB": 1 << 30}


def parse_bytes(text):
    for suffix, factor in UNITS.items():
        if text.endswith(suffix):
            return int(float(text[:-len(suffix)]) * factor)
    return int(text)


def run(binary, model, rule, batch, json_path, pacing, budget):
    partition = "activations" if model == "mlp-deep" else "flops"
    cmd = [binary, "bench-train", "--model", model, "--partition", partition, "--engine", "actors", "--workers", "4", "--stages", "4",
           "--batch", str(batch), "--rule", rule, "--pacing", pacing, "--warmup", "1", "--steps", "3", "--block", "3", "--backend", "cpu", "--pool-limit", str(budget), "--json", json_path]
    if os.path.exists(json_path):
        os.remove(json_path)
    subprocess.run(cmd, check=True, capture_output=True, timeout=1200)
    with open(json_path) as f:
        result = json.load(f)[-1]
    return result, " ".join(cmd[:-2])


def largest(fits, low, high):
    """Largest b in [low, high] with fits(b), fits monotone (true then false); low must fit."""
    while high - low > max(1, low // 50):
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low


def main():
    binary, plotter, prefix = sys.argv[1:4]
    cases = sys.argv[sys.argv.index("--cases") + 1] if "--cases" in sys.argv else "mlp-deep:640MiB,resnet-mini:512MiB"
    pacing = sys.argv[sys.argv.index("--pacing") + 1] if "--pacing" in sys.argv else "budget"
    rows, runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        for case in cases.split(","):
            model, budget_text = case.split(":")
            budget = parse_bytes(budget_text)
            for rule in ["dp", "cdp-v1", "cdp-v2"]:
                cache = {}

                def measure(batch):
                    if batch not in cache:
                        result, command = run(binary, model, rule, batch, out, pacing, budget)
                        cache[batch] = result
                        runs.append({"model": model, "rule": rule, "batch": batch, "budget": budget, "command": command,
                                     "reserved_peak_bytes": result["reserved_peak_bytes"], "predicted_need_bytes": result["predicted_need_bytes"],
                                     "samples_per_second": result["samples_per_second_median"]})
                        print(json.dumps(runs[-1]), flush=True)
                    return cache[batch]

                high = 8
                while measure(high)["predicted_need_bytes"] <= budget and measure(high)["reserved_peak_bytes"] <= budget:
                    high *= 2
                predicted = largest(lambda b: measure(b)["predicted_need_bytes"] <= budget, 1, high)
                real = largest(lambda b: measure(b)["reserved_peak_bytes"] <= budget, 1, high)
                rows.append((model, budget_text, rule, real, predicted))
                print(rows[-1], flush=True)
        lines = [f"# What fits: the largest micro-batch within a memory budget (CPU, N = L = 4, {pacing} pacing, no look-ahead)", "",
                 f"`python3 bench/memory/what_fits.py {' '.join(sys.argv[1:])}`", "",
                 "Real: the largest micro-batch whose run kept the CPU pool's reserved_peak_bytes within the budget, the pool held to",
                 "it (--pool-limit, what train's --memory-budget sets: cached blocks are given back rather than pass it; binary search",
                 "over real runs, to 2 %). Predicted: the largest whose predicted_need_bytes (what --memory-budget checks) fits.", "",
                 "| model | budget | rule | real largest micro-batch | predicted | real / predicted | real vs DP |", "|---|---|---|---|---|---|---|"]
        for model, budget_text, rule, real, predicted in rows:
            dp_real = next(r[3] for r in rows if r[0] == model and r[2] == "dp")
            lines.append(f"| {model} | {budget_text} | {rule} | {real} | {predicted} | {real / predicted:.3f} | {real / dp_real:.2f}x |")
        lines += ["", "Each run (batch, reserved, predicted) is in the JSON file; the command of every run is",
                  "`" + runs[0]["command"] + "` with the model, rule and batch of the row.", ""]
        # The picture: DP and CDP-v2 at one micro-batch, traced.
        traces = []
        for rule, pacing in [] if "--no-plot" in sys.argv else [("dp", "budget"), ("cdp-v2", "none"), ("cdp-v2", "budget")]:
            trace = os.path.join(tmp, f"{rule}-{pacing}.json")
            subprocess.run([binary, "train", "--model", "mlp-deep", "--partition", "activations", "--batch", "256", "--steps", "8", "--epochs", "100",
                            "--rule", rule, "--compensation", "none", "--pacing", pacing, "--backend", "cpu", "--quiet", "--trace", trace],
                           check=True, capture_output=True, timeout=900)
            traces.append(f"{rule} {pacing} pacing={trace}")
        if traces:
            subprocess.run([plotter, prefix + ".png", *traces], check=True, timeout=300)
        lines += [] if not traces else [f"![memory over time]({os.path.basename(prefix)}.png)", "",
                  "Figure: `cyclic train --model mlp-deep --partition activations --batch 256 --steps 8 --epochs 100 --compensation none "
                  "--backend cpu --trace T` for dp, cdp-v2 --pacing none and cdp-v2 --pacing budget, drawn by bench/MemoryPlot."]
    with open(prefix + ".json", "w") as f:
        json.dump({"rows": rows, "runs": runs}, f, indent=1)
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
