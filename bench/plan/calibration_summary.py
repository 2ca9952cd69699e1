#!/usr/bin/env python3
"""Gathers the calibrations of `cyclic plan` into one table: bench/results/plan-calibration.md.

Each calibration script writes its rows beside its own report (x.md -> x.rows.json, `planning.write_rows`):
calibrate.sh (one process, step time; N = 4 and, with WORKERS=8 MODELS=cnn, N = 8), calibrate_memory.py (one process, whole memory; N = 4, and cnn at N = 2 and 8),
calibrate_cluster.py (three processes) and calibrate_netem.py (emulated hosts). This script reads them,
in that order, and writes, for every setting, predicted against measured with the targets of issue 16:
step time within 15 %, memory within 5 %. Each prediction is shown both ways where it was made: from the
run's own trace, and from costs profiled on this machine.

Usage: bench/plan/calibration_summary.py [ROWS.json ...] [--out FILE]
"""
import argparse
import json
import pathlib

from planning import ROOT

RESULTS = ROOT / "bench" / "results"
DEFAULT_ROWS = ["plan-calibration-one-process.rows.json", "plan-calibration-one-process-n8.rows.json", "plan-calibration-memory.rows.json",
                "plan-calibration-memory-n2.rows.json", "plan-calibration-memory-n8.rows.json",
                "plan-calibration-cluster.rows.json", "plan-calibration-netem-current.rows.json"]
STEP_TARGET = 0.15
MEMORY_TARGET = 0.05


def error(predicted, measured):
    return None if predicted is None else (predicted - measured) / measured


def cell(predicted, measured, unit):
    e = error(predicted, measured)
    return "– | –" if e is None else f"{unit(predicted)} | {100 * e:+.1f} %"


def count(rows, key, target):
    errors = [abs(error(row[key], row["measured"])) for row in rows if row.get(key) is not None]
    return f"{sum(e <= target for e in errors)} of {len(errors)}" if errors else "–"


def seconds(value):
    return f"{1000 * value:.1f} ms" if value < 1 else f"{value:.3f} s"


def megabytes(value):
    return f"{value / 1e6:.1f} MB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="*", default=[str(RESULTS / name) for name in DEFAULT_ROWS])
    parser.add_argument("--out", default=str(RESULTS / "plan-calibration.md"))
    args = parser.parse_args()
    sets = [json.loads(pathlib.Path(path).read_text()) for path in args.rows]
    lines = ["# cyclic plan: predicted against measured", "",
             "Every calibration of `cyclic plan` (CPU backend, this 2-core VM), gathered by `bench/plan/calibration_summary.py` from the rows each "
             "calibration script writes beside its report; the reports have the method, the commands of the runs and more columns. "
             f"Targets: step time within {100 * STEP_TARGET:.0f} %, memory within {100 * MEMORY_TARGET:.0f} % (the whole memory a machine's "
             "pool reserved). \"From its trace\": planned from the run's own trace (its ops' costs and, for memory, how much their times "
             "varied); \"from a short run\": planned without a run of the case, from the trace of a short run (24 steps) that "
             "`cyclic plan --costs run` (the default) makes on this machine; \"profiled\": from costs timed alone on this machine "
             "(`--costs profile`). No GPU was lent for these runs.", "",
             "| setting | step time within 15 %: from its trace / from a short run / profiled | memory within 5 %: from its trace / from a short run / profiled | memory at or below the bound | report |",
             "|---|---|---|---|---|"]
    summary_rows = []
    for rows in sets:
        summary_rows.append((rows["regime"], rows["steps"], rows["memory"], rows["details"]))
        # The three-process runs pace their links or leave them free; the target is for the paced (bandwidth-limited) ones.
        if any("free link" in row["case"] for row in rows["steps"] + rows["memory"]):
            summary_rows.append((f"{rows['regime']}, paced links only", [row for row in rows["steps"] if "free link" not in row["case"]],
                                 [row for row in rows["memory"] if "free link" not in row["case"]], rows["details"]))
    for regime, steps, memory, details in summary_rows:
        bound = f"{sum(row['measured'] <= row['bound'] for row in memory)} of {len(memory)}" if memory and all(row.get("bound") for row in memory) else "–"
        lines.append(f"| {regime} | {count(steps, 'from_trace', STEP_TARGET)} / {count(steps, 'from_run', STEP_TARGET)} / {count(steps, 'from_profile', STEP_TARGET)} | "
                     f"{count(memory, 'from_trace', MEMORY_TARGET)} / {count(memory, 'from_run', MEMORY_TARGET)} / {count(memory, 'from_profile', MEMORY_TARGET)} | {bound} | "
                     f"[{details}]({details}) |")
    for rows in sets:
        lines += ["", f"## {rows['regime']}: [{rows['details']}]({rows['details']})", "", f"Command: `{rows['command']}`."]
        if rows["steps"]:
            lines += ["", "| case | measured step | from its trace | error | from a short run | error | profiled | error |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
            lines += [f"| {row['case']} | {seconds(row['measured'])} | {cell(row['from_trace'], row['measured'], seconds)} | "
                      f"{cell(row.get('from_run'), row['measured'], seconds)} | {cell(row['from_profile'], row['measured'], seconds)} |" for row in rows["steps"]]
        if rows["memory"]:
            lines += ["", "| case | measured memory | from its trace | error | from a short run | error | profiled | error | at most, any timing |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
            lines += [f"| {row['case']} | {megabytes(row['measured'])} | {cell(row['from_trace'], row['measured'], megabytes)} | "
                      f"{cell(row.get('from_run'), row['measured'], megabytes)} | {cell(row['from_profile'], row['measured'], megabytes)} | "
                      f"{megabytes(row['bound']) if row.get('bound') else '–'} |" for row in rows["memory"]]
    pathlib.Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:6 + len(summary_rows)]))


if __name__ == "__main__":
    main()
