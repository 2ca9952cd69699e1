#!/usr/bin/env python3
"""Medians over rounds of bench/cdp/run.sh results, CDP/DP ratios, and the markdown table."""
import json, statistics, sys

path, md_path, command = sys.argv[1], sys.argv[2], sys.argv[3]
runs = json.load(open(path))
by = {}
for r in runs:
    by.setdefault((r["model"], r["input"], r["rule"]), []).append(r)

lines = ["# DP vs CDP: activation memory and throughput", "",
         f"Command: `{command}`; raw results in `{path}`.",
         "N = 4 workers (one actor each, all on the same device), L = 4 stages, the same model, data and machine in one run; rules interleaved per round.",
         "Activation bytes are summed over the workers: *logical* = largest sum at a logical tick (each worker's peak during its op at that tick), *predicted* = the schedule's prediction from the real per-stage sizes, *wall-clock* = exact process-wide high-water mark.", "",
         "| model | rule | samples/s (median of rounds) | vs DP | peak logical | predicted | logical / predicted | CDP/DP logical | (L+1)/(2L) | peak wall-clock | violations |",
         "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
summary = []
for (model, inp) in sorted({(k[0], k[1]) for k in by}):
    dp = by.get((model, inp, "dp"), [])
    dp_rate = statistics.median([r["samples_per_second_median"] for r in dp]) if dp else None
    dp_peak = dp[0]["peak_activation_bytes"] if dp else None
    for rule in ["dp", "cdp-v1", "cdp-v2"]:
        rs = by.get((model, inp, rule), [])
        if not rs:
            continue
        rate = statistics.median([r["samples_per_second_median"] for r in rs])
        peak = max(r["peak_activation_bytes"] for r in rs)
        pred = max(r["predicted_peak_activation_bytes"] for r in rs)
        wall = statistics.median([r["wall_clock_peak_activation_bytes"] for r in rs])
        viol = sum(r["realized_version_violations"] for r in rs)
        ratio = peak / dp_peak if dp_peak else None
        row = dict(model=model, input=inp, rule=rule, samples_per_second=rate, vs_dp=rate / dp_rate if dp_rate else None,
                   peak_logical=peak, predicted=pred, logical_over_predicted=peak / pred, cdp_over_dp=ratio,
                   wall_clock_peak=wall, violations=viol, rounds=len(rs))
        summary.append(row)
        lines.append(f"| {model} {inp} | {rule} | {rate:.0f} | {rate / dp_rate:.3f} | {peak:,} | {pred:,} | {peak / pred:.4f} | {ratio:.4f} | 0.625 | {wall:,.0f} | {viol} |")
json.dump({"command": command, "rows": summary, "runs": runs}, open(path, "w"), indent=2)
open(md_path, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
