#!/usr/bin/env python3
"""Side-by-side table of the GPU check: ours (bench-train) vs PyTorch (torch_bench.py) at the same
model, input and batch on the same GPU, and DP vs CDP-v1 with four worker actors sharing the GPU.
Usage: compare.py OUT_DIR   (reads our-train.json and torch-bench.json, writes gpu-summary.{json,md})"""
import json
import os
import sys

out = sys.argv[1]
ours = json.load(open(os.path.join(out, "our-train.json")))
torch_path = os.path.join(out, "torch-bench.json")
torch = json.load(open(torch_path)) if os.path.exists(torch_path) else {"results": []}
device = torch.get("device", "?")

single = [r for r in ours if r["engine"] == "reference"]
rows = []
for r in single:
    t = next((x for x in torch["results"] if x["model"] == r["model"] and x["batch"] == r["micro_batch"]), None)
    rows.append({
        "model": r["model"], "input": r["input"], "batch": r["micro_batch"],
        "ours_samples_per_s": r["samples_per_second_median"],
        "torch_samples_per_s": t["samples_per_s"] if t else None,
        "ratio": r["samples_per_second_median"] / t["samples_per_s"] if t else None,
        "ours_peak_activation_bytes": r["peak_activation_bytes"],
        "torch_peak_memory_bytes": t["peak_memory_bytes"] if t else None,
    })

actors = [r for r in ours if r["engine"] == "actors"]
cdp_rows = []
for model in sorted({r["model"] + " " + r["input"] for r in actors}):
    dp = next((r for r in actors if r["model"] + " " + r["input"] == model and r["rule"] == "dp"), None)
    for r in [x for x in actors if x["model"] + " " + x["input"] == model]:
        predicted_ratio = r["predicted_peak_activation_bytes"] / dp["predicted_peak_activation_bytes"] if dp else None
        measured_ratio = r["peak_activation_bytes"] / dp["peak_activation_bytes"] if dp else None
        cdp_rows.append({
            "model": model, "rule": r["rule"], "workers": r["workers"], "micro_batch": r["micro_batch"],
            "samples_per_s": r["samples_per_second_median"],
            "vs_dp": r["samples_per_second_median"] / dp["samples_per_second_median"] if dp else None,
            "peak_activation_bytes_logical": r["peak_activation_bytes"],
            "predicted_peak_activation_bytes": r["predicted_peak_activation_bytes"],
            "peak_activation_bytes_wall_clock": r["wall_clock_peak_activation_bytes"],
            "measured_ratio_to_dp": measured_ratio, "predicted_ratio_to_dp": predicted_ratio,
            "measured_over_predicted_ratio": measured_ratio / predicted_ratio if measured_ratio and predicted_ratio else None,
            "version_violations": r["realized_version_violations"],
        })

summary = {"device": device, "ours_backend": single[0]["backend"] if single else None,
           "math": "float32 storage and math, TF32 off in both", "torch": torch.get("torch"),
           "single_worker_vs_pytorch": rows, "dp_vs_cdp_shared_gpu": cdp_rows}
json.dump(summary, open(os.path.join(out, "gpu-summary.json"), "w"), indent=2)

f = lambda v, fmt: "–" if v is None else format(v, fmt)
md = [f"# GPU benchmark on {device}", "",
      "FP32 storage and math in both (TF32 off in cuDNN/cuBLAS and in PyTorch). Samples/s: ours = median over blocks of 10 steps after 20 warm-up steps (bench-train); PyTorch = batch / median step time after warm-up (torch_bench.py); both synchronise every step.", "",
      "| model | input | batch | ours samples/s | PyTorch samples/s | ours / PyTorch |", "|---|---|---:|---:|---:|---:|"]
for r in rows:
    md.append(f"| {r['model']} | {r['input']} | {r['batch']} | {r['ours_samples_per_s']:.0f} | {f(r['torch_samples_per_s'], '.0f')} | {f(r['ratio'], '.3f')} |")
md += ["", "Four worker actors sharing the GPU (one stream, cuDNN and cuBLAS handle and allocator each), N = 4, L = 4, micro-batch 32. Activation bytes summed over the workers: logical = largest sum at a logical tick; predicted = the schedule's prediction from the real per-stage sizes; wall-clock = exact high-water mark of the device ledger.", "",
       "| model | rule | samples/s | vs DP | peak logical | predicted | peak wall-clock | CDP/DP measured | CDP/DP predicted | measured/predicted | violations |",
       "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
for r in cdp_rows:
    md.append(f"| {r['model']} | {r['rule']} | {r['samples_per_s']:.0f} | {f(r['vs_dp'], '.3f')} | {r['peak_activation_bytes_logical']:,} | {r['predicted_peak_activation_bytes']:,} | {r['peak_activation_bytes_wall_clock']:,} | {f(r['measured_ratio_to_dp'], '.4f')} | {f(r['predicted_ratio_to_dp'], '.4f')} | {f(r['measured_over_predicted_ratio'], '.4f')} | {r['version_violations']} |")
open(os.path.join(out, "gpu-summary.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
