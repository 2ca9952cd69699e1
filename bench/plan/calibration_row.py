"""One calibration row: a real run's measured step time and activation peaks against cyclic plan's predictions.

Usage: calibration_row.py MODEL RULE RUN_PREFIX [REPEAT]  (reads RUN_PREFIX.trace.json, .summary.json, .plan-trace.json, .plan-profile.json
and, where it was made, .plan-run.json)
"""
import json
import os
import re
import statistics
import sys
from collections import defaultdict

model, rule, run = sys.argv[1:4]
repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 1
trace = json.load(open(run + ".trace.json"))["traceEvents"]
summary = json.load(open(run + ".summary.json"))
steps = summary["steps"]
# Commit of step k: the latest reducer publication of version k + 1 (the model's definition).
published = defaultdict(float)
for event in trace:
    match = re.fullmatch(r"publish v(\d+)", event.get("name", "")) if event.get("ph") == "i" else None
    if match:
        version = int(match.group(1))
        published[version] = max(published[version], event["ts"] / 1e6)
commits = [published[k + 1] for k in range(steps) if k + 1 in published]
warmup = max(1, steps // 4)
intervals = [b - a for a, b in zip(commits[warmup - 1:], commits[warmup:])]
# The mean interval, what samples/s is made of: a CPU-bound run's steps end irregularly (cnn dp: median
# 8.8 ms, mean 9.9 ms, 90th percentile 13.4 ms), where the model's steps come at an even pace.
measured_step = statistics.mean(intervals)
measured_median_step = statistics.median(intervals)


def predicted(kind):
    plan = json.load(open(f"{run}.plan-{kind}.json"))
    figures = plan["cases"][0]["rules"][rule]
    machine = figures["machines"][0]
    return figures["step_seconds"], machine["activation_bytes"], machine["timeline_activation_peak_bytes"]


row = {
    "model": model,
    "rule": rule,
    "repeat": repeat,
    "measured_step_seconds": measured_step,
    "measured_median_step_seconds": measured_median_step,
    "measured_peak_activation_bytes": summary["peak_activation_bytes"],
    "measured_wall_clock_activation_bytes": summary["wall_clock_peak_activation_bytes"],
}
for kind in ("trace", "profile", "run"):
    if kind == "run" and not os.path.exists(f"{run}.plan-run.json"):
        continue
    step, activations, timeline = predicted(kind)
    row[f"{kind}_step_seconds"] = step
    row[f"{kind}_activation_bytes"] = activations
    row[f"{kind}_timeline_activation_bytes"] = timeline
print(json.dumps(row))
