"""Writes the calibration rows of calibrate.sh as a Markdown table: predicted against measured, error in %.

Each (model, rule) may have run several times (a "repeat" per row): the table compares the median
measured step with the median prediction and shows the measured runs' range, since on a shared
machine one run alone can be a fifth off the next.

Usage: calibration_table.py ROWS.jsonl OUT.md "how it was run" ["setting", default "one process"]
"""
import json
import statistics
import sys

from planning import write_rows

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
out, how = sys.argv[2], sys.argv[3]
setting = sys.argv[4] if len(sys.argv) > 4 else "one process"
cases = {}
for row in rows:
    cases.setdefault((row["model"], row["rule"]), []).append(row)


def error(predicted, measured):
    return f"{(predicted - measured) / measured * 100:+.0f} %"


def median(runs, key):
    return statistics.median(run[key] for run in runs)


repeats = sorted({len(runs) for runs in cases.values()})
lines = [
    "# cyclic plan: predicted against measured (one machine, CPU backend)",
    "",
    f"Run: `{how}`.",
    "",
    "Step time: measured, the mean time between consecutive commits after the first quarter of the steps",
    "(the last stage's publication of each version, from the run's trace; the mean, as samples/s has it:",
    "the real steps end at an uneven pace, the median interval is given beside it); planned, the model's",
    "mean interval over the same steps. Costs from the run's own trace (its spans of ops, loads,",
    "hand-offs and reducer work, de-shared over the machine's cores, plus the process CPU no span covers",
    "spread over the ops), from the trace of a short run of its own that `cyclic plan --costs run` made right",
    "after it (24 steps, first step left out), or profiled alone on this machine.",
    f"Each case ran {'/'.join(map(str, repeats))} times, interleaved with the others: the table gives the medians over",
    "the runs (each run's prediction from that run's own trace or profile) and the measured runs' range.",
    "",
    "| model | rule | measured step | measured runs (mean / median interval) | plan (trace costs) | error | each run from its own trace | plan (a short run's costs) | error | plan (profiled costs) | error |",
    "|---|---|---:|---|---:|---:|---|---:|---:|---:|---:|",
]
for (model, rule), runs in cases.items():
    m = median(runs, "measured_step_seconds")
    spread = ", ".join(f"{run['measured_step_seconds'] * 1e3:.1f} / {run.get('measured_median_step_seconds', run['measured_step_seconds']) * 1e3:.1f}"
                       for run in sorted(runs, key=lambda run: run.get("repeat", 1)))
    trace, profile = median(runs, "trace_step_seconds"), median(runs, "profile_step_seconds")
    each = ", ".join(error(run["trace_step_seconds"], run["measured_step_seconds"]).replace(" %", "")
                     for run in sorted(runs, key=lambda run: run.get("repeat", 1)))
    short = median(runs, "run_step_seconds") if all("run_step_seconds" in run for run in runs) else None
    short_cells = "– | –" if short is None else f"{short * 1e3:.1f} ms | {error(short, m)}"
    lines.append(
        f"| {model} | {rule} | {m * 1e3:.1f} ms | {spread} | {trace * 1e3:.1f} ms | {error(trace, m)} | {each} % "
        f"| {short_cells} | {profile * 1e3:.1f} ms | {error(profile, m)} |")
lines += [
    "",
    "Activations: the runtime's peak of live activation bytes summed over the workers at logical ticks",
    "(and its exact wall-clock high-water mark) against the model's activation figure (MemoryNeed, the",
    "runtime's own prediction) and the peak of its simulated timeline (medians over the runs).",
    "",
    "| model | rule | measured (ticks) | measured (wall clock) | plan: MemoryNeed activations | error | plan: timeline peak (trace costs) | error |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
]
for (model, rule), runs in cases.items():
    m = median(runs, "measured_peak_activation_bytes")
    w = median(runs, "measured_wall_clock_activation_bytes")
    need, timeline = median(runs, "trace_activation_bytes"), median(runs, "trace_timeline_activation_bytes")
    lines.append(
        f"| {model} | {rule} | {m:,.0f} | {w:,.0f} | {need:,.0f} | {error(need, m)} "
        f"| {timeline:,.0f} | {error(timeline, w)} |")
open(out, "w").write("\n".join(lines) + "\n")
write_rows(out, setting, how, [{"case": f"{model} {rule}", "measured": median(runs, "measured_step_seconds"),
                                      "from_trace": median(runs, "trace_step_seconds"), "from_profile": median(runs, "profile_step_seconds"),
                                      **({"from_run": median(runs, "run_step_seconds")} if all("run_step_seconds" in run for run in runs) else {})}
                                     for (model, rule), runs in cases.items()], [])
