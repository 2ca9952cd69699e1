#!/usr/bin/env python3
"""Tables of bench/placements/run.sh: per configuration, the three placements side by side (medians over rounds)."""
import json
import statistics
import sys
from collections import defaultdict

source, target, command = sys.argv[1], sys.argv[2], sys.argv[3]
runs = json.load(open(source))
groups = defaultdict(list)
for run in runs:
    groups[(run["model"], run["rule"], run["compensation"], run["workers"], run["stages"])].append(run)


def median(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def mib(value):
    return "-" if value is None else f"{value / 2**20:.2f}"


lines = ["# Placements: data, model, zero", "", f"Command: `{command}`", "",
         "Same schedule, same result: every run of a configuration must report the same parameter_sha256. "
         "Medians over the rounds; bytes in MiB; samples/s after warm-up (median of 5-step blocks, then median over rounds).", ""]
for (model, rule, compensation, workers, stages), group in groups.items():
    by = defaultdict(list)
    for run in group:
        by[run["parallelism"]].append(run)
    shas = {run["parameter_sha256"] for run in group}
    data_rate = median(by["data"], "samples_per_second_median")
    lines += [f"## {model}, {rule} ({compensation}), N = {workers}, L = {stages}, backend {group[0]['backend']}", "",
              f"parameter_sha256 over all {len(group)} runs: {'identical' if len(shas) == 1 else 'DIFFERENT: ' + ', '.join(sorted(shas))} ({next(iter(shas))[:16]}…)", "",
              "| placement | samples/s | vs data | workers' parameters at once (measured / predicted) | a worker's parameter high-water | owner link bytes (measured / predicted) | worker-to-worker bytes (measured / predicted) |",
              "|---|---:|---:|---|---:|---|---|"]
    for placement in ("data", "zero", "model"):
        runs_of = by[placement]
        if not runs_of:
            continue
        rate = median(runs_of, "samples_per_second_median")
        ratio = f"{rate / data_rate:.2f}x" if rate and data_rate else "-"
        if placement == "model":
            lines.append(f"| model | {rate:.0f} | {ratio} | single copies on the stage devices | - | - | activations instead |")
            continue
        peaks = [max(r["parameter_traffic"]["worker_parameter_peak_bytes"]) for r in runs_of]
        lines.append(f"| {placement} | {rate:.0f} | {ratio} | {mib(median(runs_of, 'workers_parameter_peak_sum_bytes'))} / {mib(median(runs_of, 'predicted_workers_parameter_peak_sum_bytes'))}"
                     f" | {mib(statistics.median(peaks))} | {mib(median(runs_of, 'owner_bytes'))} / {mib(median(runs_of, 'predicted_owner_bytes'))}"
                     f" | {mib(median(runs_of, 'worker_to_worker_bytes'))} / {mib(median(runs_of, 'predicted_worker_to_worker_bytes'))} |")
    model_runs = by["model"]
    if model_runs:
        first = model_runs[0]
        lines += ["", f"Model placement: {first['stage_devices_used']} stage devices ({first['unit_devices']} unit-speed devices keep the schedule; "
                  f"model parallelism with DP's timing needs {first['unit_devices_with_dp_timing']}).", "",
                  "| device | stages | ops per tick (plan) | ticks with an op | wall-clock busy | activation peak (measured / predicted) | parameter peak |",
                  "|---:|---|---:|---:|---:|---|---:|"]
        for index, device in enumerate(first["stage_devices"]):
            ticks = statistics.median(r["stage_devices"][index]["tick_busy_fraction"] for r in model_runs)
            wall = statistics.median(r["stage_devices"][index]["wall_clock_busy_fraction"] for r in model_runs)
            lines.append(f"| {device['device']} | {','.join(map(str, device['stages']))} | {device['peak_ops_per_tick']} | {ticks:.1%} | {wall:.1%} | "
                         f"{mib(device['activation_peak_bytes'])} / {mib(device['predicted_activation_peak_bytes'])} | {mib(device['parameter_peak_bytes'])} |")
    lines.append("")
open(target, "w").write("\n".join(lines))
print("\n".join(lines))
