#!/usr/bin/env python3
"""`cyclic plan` against bench/ClusterBench's 3-process runs (seed + 2 members with 2 workers each, loopback,
every member tensor link paced by cyclic-actors.transport.bandwidth-limit, or free): predicted vs measured step.

Each scenario is planned as 2 machines with 2 workers and one compute slot each (the members shared this
VM's 2 cores), `--links channel` (the limit paces each link, gradients and parameters, on its own) at the
recorded rate, cnn, micro-batch 16, costs profiled once on this machine (kept beside the table).
Measured step: the mean of the seed's step times over steps 3..31 (ClusterBench's own table quotes the
median). With --traces DIR (the run made with CLUSTER_BENCH_TRACES=DIR) each scenario is also planned
from its own merged trace (`--costs TRACE --trace-slots 1`: each member process counted as a machine
with one core, as the plan has it). Given several runs (each with its --traces DIR, in the same order), each is
planned on its own and every case (rule and link, member) is also compared by medians: the median measured
step against the median of the runs' predictions, as the one-process and emulated-host calibrations do.
Writes bench/results/plan-calibration-cluster.md (or --out).

Usage: bench/plan/calibrate_cluster.py bench/results/cluster-dp-vs-cdp-STAMP.json [more.json ...] [--traces DIR [DIR ...]] [--out FILE] [--cyclic PATH]
"""
import argparse
import json
import pathlib
import statistics
import tempfile

from planning import CYCLIC, ROOT, medians_by_case, plan, plan_rule, summary_row, write_rows

OUT = ROOT / "bench" / "results" / "plan-calibration-cluster.md"
COSTS = ROOT / "bench" / "results" / "plan-calibration-netem" / "costs-cnn-b16.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+")
    parser.add_argument("--cyclic", default=CYCLIC)
    parser.add_argument("--traces", nargs="+", help="per result, in the same order: the scenarios' merged traces (CLUSTER_BENCH_TRACES), to plan each from its own")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--short-runs", action="store_true", help="also plan each scenario from a short run of its own made now on this "
                        "machine (cyclic plan --costs run), as a user plans before running")
    parser.add_argument("--host-cores", help="plan the members as processes sharing one host's C cores (--shared-cores C, and a trace with "
                        "--trace-slots C --trace-sharing host) instead of one compute slot each")
    parser.add_argument("--op-buffers", choices=("whole", "timed"), default="whole", help="how every plan holds an op's buffers (cyclic plan --op-buffers)")
    args = parser.parse_args()
    compute = ["--shared-cores", args.host_cores] if args.host_cores else ["--compute-slots", "1"]
    trace_sharing = ["--trace-slots", args.host_cores, "--trace-sharing", "host"] if args.host_cores else ["--trace-slots", "1"]
    out_file = pathlib.Path(args.out)
    if args.traces and len(args.traces) != len(args.results):
        parser.error(f"--traces needs one directory per result: {len(args.results)} results, {len(args.traces)} directories")
    runs = [json.loads(pathlib.Path(path).read_text()) for path in args.results]
    config = runs[0]["config"]
    if any(run["config"] != config for run in runs):
        parser.error("the results ran different configurations; calibrate them apart")
    if not COSTS.exists():
        COSTS.parent.mkdir(parents=True, exist_ok=True)
        plan(args.cyclic, ["--model", config["Model"], "--batch", str(config["MicroBatch"]), "--workers", "4", "--rules", "dp", "--costs", "profile",
                           "--steps", "4", "--compute-slots", "0", "--json", str(COSTS)])
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="calibrate-cluster-"))
    traced_runs = args.traces is not None
    command = (f"bench/plan/calibrate_cluster.py {' '.join(args.results)}" + (f" --traces {' '.join(args.traces)}" if traced_runs else "")
               + (" --short-runs" if args.short_runs else "") + (f" --host-cores {args.host_cores}" if args.host_cores else "")
               + (f" --op-buffers {args.op_buffers}" if args.op_buffers != "whole" else "") + (f" --out {args.out}" if args.out != str(OUT) else ""))
    lines = ["# cyclic plan against the 3-process bandwidth-limited runs", "",
             f"Command: `{command}` (the runs: `{runs[0]['command']}`, {len(runs)} of them; 2 machines with 2 workers and "
             + (f"the seed sharing one host's {args.host_cores} cores" if args.host_cores else "one compute slot each")
             + ", `--links channel` at the recorded rate, cuts to the seed every 10 steps as the runtime makes them, costs profiled once on this VM in "
             f"{COSTS.relative_to(ROOT)}" + (f", and from each run's own merged trace with `{' '.join(trace_sharing)}`" if traced_runs else "") + ").", "",
             "| run | rule | link | measured step (mean, steps 3..31) | predicted (profiled costs) | error |" + (" from its trace | error |" if traced_runs else ""),
             "|---|---|---|---:|---:|---:|" + ("---:|---:|" if traced_runs else "")]
    errors = []
    trace_errors = []
    memory_rows = []
    step_rows = []
    memory_summary = []
    scenarios = [(pathlib.Path(path).stem.removeprefix("cluster-dp-vs-cdp-"), pathlib.Path(args.traces[index]) if traced_runs else None, scenario)
                 for index, (path, run) in enumerate(zip(args.results, runs)) for scenario in run["scenarios"]]
    for stamp, traces, scenario in scenarios:
        rule, _, compensation = scenario["Rule"].partition(":")
        rate = scenario["BytesPerSecond"]
        name = f"{scenario['Rule'].replace(':', '_')}-{rate}"
        plans = scratch / stamp
        plans.mkdir(exist_ok=True)
        layout = ["--model", config["Model"], "--batch", str(config["MicroBatch"]), "--workers", str(config["Workers"]), "--machines", "2",
                  "--stages", str(config["Stages"]), "--rules", rule, "--compensation", compensation or ("none" if rule == "dp" else "lookahead"),
                  "--links", "channel", "--bandwidth", f"{rate}B" if rate else "0", *compute, "--op-buffers", args.op_buffers]
        planned = plan_rule(args.cyclic, [*layout, "--costs", str(COSTS)], rule, plans / f"{name}.json")
        predicted = planned["step_seconds"]
        # Each member's whole memory (runs since 2026-12-07 late evening record it) against the plan's machine with its ranks.
        traced = plan_rule(args.cyclic, [*layout, "--costs", str(traces / f"{name}.trace.json"), *trace_sharing], rule,
                           plans / f"{name}-trace.json") if traces else None
        short = plan_rule(args.cyclic, [*layout, "--costs", "run"], rule, plans / f"{name}-run.json") if args.short_runs else None
        # Each member's whole memory (runs since 2026-12-07 late evening record it) against the plan's machine with its ranks:
        # profiled (steady op times), from the run's own trace (its ops' spread), and the bound.
        members = []
        for node in scenario.get("Memory", []):
            machine = next(m for m in planned["machines"] if sorted(m["ranks"]) == sorted(node["Ranks"]))
            from_trace = next((m for m in traced["machines"] if sorted(m["ranks"]) == sorted(node["Ranks"])), None) if traced else None
            from_run = next(m for m in short["machines"] if sorted(m["ranks"]) == sorted(node["Ranks"]))["memory_bytes"] if short else None
            members.append((node["ReservedPeakBytes"], machine["memory_bytes"], machine["memory_bound_bytes"], from_trace["memory_bytes"] if from_trace else None, from_run))
        if members:
            spread = json.loads((plans / f"{name}-trace.json").read_text())["op_time_spread"] if traced else None
            memory_rows.append((stamp, scenario["Rule"], rate, members, spread))
        measured = statistics.mean(scenario["StepSeconds"][3:])
        link_name = f"{rate / 1e6:.0f} MB/s a link" if rate else "free link"
        step_rows.append({"case": f"{scenario['Rule']}, {link_name}", "measured": measured, "from_trace": traced["step_seconds"] if traced else None,
                          "from_profile": predicted, **({"from_run": short["step_seconds"]} if short else {})})
        memory_summary += [{"case": f"{scenario['Rule']}, {link_name}, member with ranks {','.join(map(str, sorted(node['Ranks'])))}", "measured": m[0],
                            "from_trace": m[3], "from_profile": m[1], **({"from_run": m[4]} if short else {}), "bound": m[2]}
                           for node, m in zip(scenario.get("Memory", []), members)]
        errors.append(abs(predicted - measured) / measured)
        link = f"{rate / 1e6:.0f} MB/s a link" if rate else "free"
        row = f"| {stamp} | {scenario['Rule']} | {link} | {1000 * measured:.1f} ms | {1000 * predicted:.1f} ms | {100 * (predicted - measured) / measured:+.0f} % |"
        if traced:
            from_trace = traced["step_seconds"]
            trace_errors.append(abs(from_trace - measured) / measured)
            row += f" {1000 * from_trace:.1f} ms | {100 * (from_trace - measured) / measured:+.0f} % |"
        lines.append(row)
    lines += ["", f"Within 15 % (profiled costs): {sum(e <= 0.15 for e in errors)} of {len(errors)} (median absolute error {100 * statistics.median(errors):.0f} %)."]
    if trace_errors:
        lines.append(f"Within 15 % (each run's own trace): {sum(e <= 0.15 for e in trace_errors)} of {len(trace_errors)} (median absolute error {100 * statistics.median(trace_errors):.0f} %).")
    if memory_rows:
        with_trace = all(m[3] is not None for _, _, _, members, _ in memory_rows for m in members)
        lines += ["", "Whole memory per member: the most its CPU backend's pool reserved (`reserved_peak_bytes`; two workers share it) against the "
                  "plan's memory for the machine with its ranks (the ops' buffers as the pool caches them by size in the simulated timeline, "
                  "beside the parameters, gradients, optimizer state, data and its reducers' state): from the profiled costs (every op at its cost "
                  "every time), " + ("from the run's own trace (the mean of 9 simulations whose op times vary as the trace's ops did, "
                  "`--op-spread trace`), " if with_trace else "") + "and the bound whatever the timing.", "",
                  "| run | rule | link | members: reserved peak, measured / planned, profiled" + (" / from its trace" if with_trace else "") + " / at most (MB) | error, profiled, most off |"
                  + (" op-time spread of the trace | error, from its trace, most off |" if with_trace else ""),
                  "|---|---|---|---|---:|" + ("---:|---:|" if with_trace else "")]

        def most_off(members, index):
            worst = max(members, key=lambda m: abs(m[index] - m[0]) / m[0])
            return f"{100 * (worst[index] - worst[0]) / worst[0]:+.1f} %"

        for stamp, rule, rate, members, spread in memory_rows:
            link = f"{rate / 1e6:.0f} MB/s a link" if rate else "free"
            figures = ", ".join(" / ".join(f"{v / 1e6:.1f}" for v in ((m[0], m[1], m[3], m[2]) if with_trace else (m[0], m[1], m[2]))) for m in members)
            lines.append(f"| {stamp} | {rule} | {link} | {figures} | {most_off(members, 1)} |" + (f" {100 * spread:.0f} % | {most_off(members, 3)} |" if with_trace else ""))
        every = [m for _, _, _, members, _ in memory_rows for m in members]
        lines.append("")
        lines.append(f"Whole memory within 5 %, profiled: {sum(abs(m[1] - m[0]) / m[0] <= 0.05 for m in every)} of {len(every)} members"
                     + (f"; from each run's own trace: {sum(abs(m[3] - m[0]) / m[0] <= 0.05 for m in every)} of {len(every)}" if with_trace else "")
                     + f"; at or below the bound: {sum(m[0] <= m[2] for m in every)} of {len(every)}.")
    step_cases, memory_cases = medians_by_case(step_rows), medians_by_case(memory_summary)
    if len(runs) > 1:
        lines += ["", "By case, over the runs: the median measured against the median of the runs' predictions.", "",
                  "| case | runs | measured | from their traces | error | from short runs made now | error | profiled | error |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for case in step_cases + memory_cases:
            unit = (lambda v: f"{1000 * v:.1f} ms") if case in step_cases else (lambda v: f"{v / 1e6:.1f} MB")
            traced_cell = (f"{unit(case['from_trace'])} | {100 * (case['from_trace'] - case['measured']) / case['measured']:+.1f} %"
                           if case["from_trace"] is not None else "– | –")
            short_cell = (f"{unit(case['from_run'])} | {100 * (case['from_run'] - case['measured']) / case['measured']:+.1f} %"
                          if case.get("from_run") is not None else "– | –")
            lines.append(f"| {case['case']} | {case['runs']} | {unit(case['measured'])} | {traced_cell} | {short_cell} | {unit(case['from_profile'])} | "
                         f"{100 * (case['from_profile'] - case['measured']) / case['measured']:+.1f} % |")
        within_steps = sum(c["from_trace"] is not None and abs(c["from_trace"] - c["measured"]) / c["measured"] <= 0.15 for c in step_cases)
        within_memory = sum(c["from_trace"] is not None and abs(c["from_trace"] - c["measured"]) / c["measured"] <= 0.05 for c in memory_cases)
        lines += ["", f"By case, from the runs' traces: step within 15 % {within_steps} of {len(step_cases)}, memory within 5 % {within_memory} of {len(memory_cases)}."]
        if args.short_runs:
            short_steps = sum(abs(c["from_run"] - c["measured"]) / c["measured"] <= 0.15 for c in step_cases)
            short_memory = sum(abs(c["from_run"] - c["measured"]) / c["measured"] <= 0.05 for c in memory_cases)
            lines.append(f"By case, from short runs made now (`--costs run`, one process of this machine with a member's 2 workers): "
                         f"step within 15 % {short_steps} of {len(step_cases)}, memory within 5 % {short_memory} of {len(memory_cases)}.")
    out_file.write_text("\n".join(lines) + "\n")
    write_rows(out_file, "three processes", command, [summary_row(c) for c in step_cases], [summary_row(c) for c in memory_cases])
    print("\n".join(lines))


if __name__ == "__main__":
    main()
