#!/usr/bin/env python3
"""`cyclic plan`'s memory per machine against the real memory of one-process runs: the most the CPU backend's pool reserved.

For each model and rule, `cyclic train` runs a few steps in one process (N workers, micro-batch B, the
CPU backend) and its summary gives `reserved_peak_bytes` (the most the process's memory pool held:
parameters, gradients, optimizer state, activations, workspace and data, every array the runtime
allocates on its backend) beside its ledger's peak per kind; `cyclic plan` with the same layout gives
its memory for the machine (what the pool holds: the ops' buffers as it caches them by size in the
simulated timeline, beside the lasting parts and the reducers' state) and its parts. Each case runs
REPEATS times (the pool's peak depends on how the workers' rents interleave), and each run is also
planned from its own trace: its ops' costs and how much their times varied (`--op-spread trace`: the
memory is then the mean of 9 simulations whose op times vary so), and from a short run of its own that
`cyclic plan --costs run` makes after each repeat, as a user plans without a run of the case.
Writes bench/results/plan-calibration-memory.md (or --out).

Usage: bench/plan/calibrate_memory.py [--models cnn,mlp-deep] [--rules dp,cdp-v1,cdp-v2] [--workers 4] [--batch 32] [--steps 8] [--repeats 3]
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

from planning import CYCLIC, ROOT, plan_rule, write_rows

OUT = ROOT / "bench" / "results" / "plan-calibration-memory.md"
KINDS = ("activations", "parameters", "gradients", "optimizerstate", "workspace", "data")
PLAN_KINDS = ("op_buffers_cached_bytes", "parameter_bytes", "gradient_bytes", "optimizer_state_bytes", "data_bytes")


def train(cyclic, model, rule, args, summary):
    command = [cyclic, "train", "--model", model, "--rule", rule, "--workers", str(args.workers), "--batch", str(args.batch),
               "--steps", str(args.steps), "--data", str(ROOT / "data" / "mnist"), "--eval-every", "0", "--quiet", "--summary", str(summary),
               "--trace", str(summary.with_suffix(".trace.json"))]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return json.loads(summary.read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="cnn,mlp-deep")
    parser.add_argument("--rules", default="dp,cdp-v1,cdp-v2")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cyclic", default=CYCLIC)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="calibrate-memory-"))
    rows = []
    for model in args.models.split(","):
        for rule in args.rules.split(","):
            layout = ["--model", model, "--rules", rule, "--workers", str(args.workers), "--batch", str(args.batch), "--steps", str(args.steps)]
            planned = plan_rule(args.cyclic, [*layout, "--costs", "profile"], rule, scratch / f"{model}-{rule}.plan.json")
            machine = planned["machines"][0]
            runs = [train(args.cyclic, model, rule, args, scratch / f"{model}-{rule}-{repeat}.json") for repeat in range(args.repeats)]
            # Each run planned from its own trace too: its ops' costs and how much their times varied (--op-spread trace).
            traced = []
            for repeat in range(args.repeats):
                out = scratch / f"{model}-{rule}-{repeat}.plan-trace.json"
                figures = plan_rule(args.cyclic, [*layout, "--costs", str(scratch / f"{model}-{rule}-{repeat}.trace.json")], rule, out)
                # The same with each op's buffers at their moments inside it (--op-buffers timed), side by side.
                timed = plan_rule(args.cyclic, [*layout, "--costs", str(scratch / f"{model}-{rule}-{repeat}.trace.json"), "--op-buffers", "timed"], rule,
                                  scratch / f"{model}-{rule}-{repeat}.plan-trace-timed.json")
                traced.append((figures["machines"][0]["memory_bytes"], json.loads(out.read_text())["op_time_spread"], timed["machines"][0]["memory_bytes"]))
            # And from short runs of their own, as a user plans without a run of the case (--costs run, made after each repeat).
            short = [plan_rule(args.cyclic, [*layout, "--costs", "run"], rule, scratch / f"{model}-{rule}-{repeat}.plan-run.json")["machines"][0]["memory_bytes"]
                     for repeat in range(args.repeats)]
            rows.append({"model": model, "rule": rule, "planned": machine["memory_bytes"], "bound": machine["memory_bound_bytes"], "traced": traced, "short": short,
                         "reserved": [run["reserved_peak_bytes"] for run in runs],
                         "ledger": [run["ledger_peak_bytes"] for run in runs], "parts": machine})
    command = (f"bench/plan/calibrate_memory.py --models {args.models} --rules {args.rules} --workers {args.workers} --batch {args.batch} "
               f"--steps {args.steps} --repeats {args.repeats}")
    lines = ["# cyclic plan: memory per machine against the real memory of one-process runs (CPU backend)", "",
             f"Command: `{command}` ({os.cpu_count()}-core machine). Measured: the most the process's CPU memory pool "
             "reserved (`reserved_peak_bytes`; the pool keeps freed arrays per exact length for the next rent of that length, so what it "
             "holds is, for every length, the most arrays of it out at once); the ledger's peak of each kind on its own (not at one moment, "
             "so their sum can exceed the ledger's peak total). Planned: `cyclic plan`'s memory for the one machine: the ops' buffers "
             "(activations and temporaries, and the look-ahead scratch momenta) as the pool caches them by size in the simulated timeline, "
             "beside the parameters, gradients, optimizer state (the reducers') and data. Spread: the repeats' range over their median (the pool keeps "
             "the worst coincidence of the workers' ops, which varies from run to run). At most: the plan's bound whatever the timing "
             "(every worker at its own worst op for each size). Profiled: the costs of ops timed alone, every op at its cost every time. "
             "From its own trace: each repeat's trace gives the costs and how much the ops' times varied (their work-weighted coefficient "
             "of variation), and the memory is the mean of 9 simulations whose op times vary so (`cyclic plan --costs TRACE`, "
             "`--op-spread trace`). From a short run: planned as a user would without a run of the case, from the trace of a short run "
             "(24 steps) that `cyclic plan --costs run` makes on this machine, once after each repeat (the median of those plans). "
             "Every plan holds each op's buffers whole (`--op-buffers whole`, the default), but the column \"timed\": each repeat from its "
             "own trace with each rent and return at its moment inside the op (`--op-buffers timed`).", "",
             "| model | rule | reserved peak, measured (MB) | spread | planned, profiled (MB) | error | each run from its own trace (MB; the trace's op-time spread) | error of their median | timed, from its own trace (MB) | error of their median | from a short run (MB, each) | error of their median | at most, any timing (MB) | ledger peaks by kind, measured (MB): activations / parameters / gradients / optimizer state / workspace / data | planned parts, profiled (MB): ops' buffers / parameters / gradients / optimizer state / data |",
             "|---|---|---|---:|---:|---:|---|---:|---|---:|---|---:|---:|---|---|"]
    for row in rows:
        reserved = statistics.median(row["reserved"])
        ledger = {kind: statistics.median(run.get(kind, 0) for run in row["ledger"]) for kind in KINDS}
        measured = ", ".join(f"{r / 1e6:.1f}" for r in row["reserved"])
        by_kind = " / ".join(f"{ledger[k] / 1e6:.1f}" for k in KINDS)
        # The look-ahead scratch is in the ops' buffers (the pool's timeline holds it), not in the lasting optimizer state.
        lasting = {**row["parts"], "optimizer_state_bytes": row["parts"]["optimizer_state_bytes"] - row["parts"].get("lookahead_scratch_bytes", 0)}
        parts = " / ".join(f"{lasting[k] / 1e6:.1f}" for k in PLAN_KINDS)
        spread = (max(row["reserved"]) - min(row["reserved"])) / reserved
        traced = ", ".join(f"{m / 1e6:.1f} ({100 * cv:.0f} %)" for m, cv, _ in row["traced"])
        traced_median = statistics.median(m for m, _, _ in row["traced"])
        timed_median = statistics.median(t for _, _, t in row["traced"])
        short_median = statistics.median(row["short"])
        lines.append(f"| {row['model']} | {row['rule']} | {measured} | {100 * spread:.0f} % | {row['planned'] / 1e6:.1f} | "
                     f"{100 * (row['planned'] - reserved) / reserved:+.1f} % | {traced} | {100 * (traced_median - reserved) / reserved:+.1f} % | "
                     f"{', '.join(f'{t / 1e6:.1f}' for _, _, t in row['traced'])} | {100 * (timed_median - reserved) / reserved:+.1f} % | "
                     f"{', '.join(f'{m / 1e6:.1f}' for m in row['short'])} | {100 * (short_median - reserved) / reserved:+.1f} % | "
                     f"{row['bound'] / 1e6:.1f} | {by_kind} | {parts} |")
    errors = [abs(row["planned"] - statistics.median(row["reserved"])) / statistics.median(row["reserved"]) for row in rows]
    traced_errors = [abs(statistics.median(m for m, _, _ in row["traced"]) - statistics.median(row["reserved"])) / statistics.median(row["reserved"]) for row in rows]
    timed_errors = [abs(statistics.median(t for _, _, t in row["traced"]) - statistics.median(row["reserved"])) / statistics.median(row["reserved"]) for row in rows]
    short_errors = [abs(statistics.median(row["short"]) - statistics.median(row["reserved"])) / statistics.median(row["reserved"]) for row in rows]
    under = sum(max(row["reserved"]) <= row["bound"] for row in rows)
    lines += ["", f"Within 5 % of the reserved peak (median of the repeats): profiled, {sum(e <= 0.05 for e in errors)} of {len(rows)} cases; "
              f"from the runs' own traces (median of the repeats' plans), {sum(e <= 0.05 for e in traced_errors)} of {len(rows)} "
              f"(timed, {sum(e <= 0.05 for e in timed_errors)} of {len(rows)}); "
              f"from short runs of their own, {sum(e <= 0.05 for e in short_errors)} of {len(rows)}; "
              f"every repeat at or below the bound: {under} of {len(rows)} cases."]
    pathlib.Path(args.out).write_text("\n".join(lines) + "\n")
    write_rows(args.out, "one process" if args.workers == 4 else f"one process, N = {args.workers}", command, [],
               [{"case": f"{row['model']} {row['rule']}", "measured": statistics.median(row["reserved"]),
                 "from_trace": statistics.median(m for m, _, _ in row["traced"]), "from_profile": row["planned"],
                 "from_trace_timed": statistics.median(t for _, _, t in row["traced"]),
                 "from_run": statistics.median(row["short"]), "bound": row["bound"]} for row in rows])
    print("\n".join(lines))


if __name__ == "__main__":
    main()
