"""Writes the calibration rows of calibrate.sh as a Markdown table: predicted against measured, error in %.

Usage: calibration_table.py ROWS.jsonl OUT.md "how it was run"
"""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
out, how = sys.argv[2], sys.argv[3]


def error(predicted, measured):
    return f"{(predicted - measured) / measured * 100:+.0f} %"


lines = [
    "# cyclic plan: predicted against measured (one machine, CPU backend)",
    "",
    f"Run: `{how}`.",
    "",
    "Step time: median time between consecutive commits after the first quarter of the steps (the last",
    "stage's publication of each version; from the real run's trace, and from the model). Costs from the",
    "run's own trace (its op spans, which already include the slowdown of sharing the cores) or profiled",
    "alone on this machine.",
    "",
    "| model | rule | measured step | plan (trace costs) | error | plan (profiled costs) | error |",
    "|---|---|---:|---:|---:|---:|---:|",
]
for r in rows:
    m = r["measured_step_seconds"]
    lines.append(
        f"| {r['model']} | {r['rule']} | {m * 1e3:.1f} ms | {r['trace_step_seconds'] * 1e3:.1f} ms | {error(r['trace_step_seconds'], m)} "
        f"| {r['profile_step_seconds'] * 1e3:.1f} ms | {error(r['profile_step_seconds'], m)} |")
lines += [
    "",
    "Activations: the runtime's peak of live activation bytes summed over the workers at logical ticks",
    "(and its exact wall-clock high-water mark) against the model's activation figure (MemoryNeed, the",
    "runtime's own prediction) and the peak of its simulated timeline.",
    "",
    "| model | rule | measured (ticks) | measured (wall clock) | plan: MemoryNeed activations | error | plan: timeline peak (trace costs) | error |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
]
for r in rows:
    m = r["measured_peak_activation_bytes"]
    w = r["measured_wall_clock_activation_bytes"]
    lines.append(
        f"| {r['model']} | {r['rule']} | {m:,} | {w:,} | {r['trace_activation_bytes']:,} | {error(r['trace_activation_bytes'], m)} "
        f"| {r['trace_timeline_activation_bytes']:,} | {error(r['trace_timeline_activation_bytes'], w)} |")
open(out, "w").write("\n".join(lines) + "\n")
