#!/usr/bin/env python3
"""`cyclic plan` against the emulated-host runs of bench/netem/bench.py: predicted vs measured step time and link bytes.

Each of our runs in the given bench/netem results (seed + 4 members with one worker each, N = 4,
micro-batch 32, each host's link capped at RATE both ways) is planned with the same layout: 4
machines, one worker each, reducers round-robin, `--bandwidth RATE --nic RATE` with the shaper's framing
(`--framing ethernet`: htb counts 1,514-byte frames for 1,448 bytes of TCP payload; the relay 1,500-byte IP packets), the relay's one-way
delay as `--latency`, the runs' recovery cuts to the seed (`--cut-every`, read from the bench command's
--hocon, else the runtime's 10) over a fifth machine, a rule's `@S` as `--reducer-shards S`, and, as the namespaces are processes of one VM,
every machine's work on that VM's cores as one pool (`--shared-cores C`, C its cores less the
kernel's softirq share the bench measured in the run, where it did, less the part of that the bench
found billed to the run's processes, where it recorded that). Costs: per-stage
costs profiled once per model on this machine (saved beside the table so the predictions replay), and,
for a run that kept its merged trace (bench.py --keep-traces), that trace too (`--costs TRACE
--trace-slots C --trace-sharing host`, the same C: each op's full-speed work given every process's spans beside
it, plus the processes' untraced CPU fitted per op and per byte moved). Writes
bench/results/plan-calibration-netem.md (or --out).

Usage: bench/plan/calibrate_netem.py bench/results/netem-A.json [more.json ...] [--out FILE] [--cyclic PATH]
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import tempfile

from planning import CYCLIC, ROOT, medians_by_case, plan, plan_rule, summary_row, write_rows

OUT = ROOT / "bench" / "results" / "plan-calibration-netem.md"
COSTS = ROOT / "bench" / "results" / "plan-calibration-netem"


def rate_for_plan(rate):
    return "0" if rate == "0" else rate.replace("mbit", "Mbit").replace("gbit", "Gbit")


def framing(setting):
    """What the shaper counts per tensor byte: htb (hosts.sh) counts Ethernet frames, 1,514 bytes for 1,448 of TCP
    payload; the relay (RATE:DELAY:LOSS, relay.py) counts the TUN device's IP packets, 1,500 bytes for 1,448."""
    return "ethernet" if ":" not in setting else f"{1500 / 1448:.6f}"


def setting_label(setting):
    return "unshaped" if setting == "0" else setting.replace(":", " ")


def cut_every(command):
    """The runs' cut period: bench.py passes the runtime's setting through --hocon when it changes it."""
    found = re.search(r"cut-every\s*=\s*(\d+)", command)
    return found.group(1) if found else "10"


def traced_activation_peak(trace):
    """The most live activation bytes any member held at a sample (the trace's `live activation bytes` counters)."""
    events = json.loads(pathlib.Path(trace).read_text())["traceEvents"]
    return max((e["args"]["bytes"] for e in events if e.get("ph") == "C" and e.get("name") == "live activation bytes"), default=None)


def costs_for(cyclic, model):
    COSTS.mkdir(parents=True, exist_ok=True)
    path = COSTS / f"costs-{model}-b32.json"
    if not path.exists():
        plan(cyclic, ["--model", model, "--batch", "32", "--workers", "4", "--rules", "dp", "--steps", "4", "--compute-slots", "0", "--costs", "profile", "--json", str(path)])
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+")
    parser.add_argument("--cyclic", default=CYCLIC)
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--short-runs", action="store_true", help="also plan each run from a short run of its own made now on this machine "
                        "(cyclic plan --costs run: one process with a host's workers), as a user plans before running")
    parser.add_argument("--host-cores", default=str(os.cpu_count()), help="cores of the VM whose namespaces ran the hosts (default: this machine's)")
    args = parser.parse_args()
    results = [json.loads(pathlib.Path(path).read_text()) for path in args.results]
    runs = [{**run, "cut_every": cut_every(result.get("command", ""))} for result in results for run in result["runs"]]
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="calibrate-netem-"))
    rows = []
    for run in runs:
        if run["engine"] != "ours" or "failed" in run:
            continue
        rate, _, rest = run["rate"].partition(":")
        delay = rest.partition(":")[0] or "0"
        named, _, shards = run["rule"].partition("@")
        rule, _, compensation = named.partition(":")
        out = scratch / f"{run['model']}-{run['rate'].replace(':', '_')}-{run['rule'].replace(':', '_')}-{run.get('rep', 0)}.json"
        # The kernel's packet work on shaped links (softirq, 0.5-0.6 of 2 cores for mlp-deep): the processes had the
        # VM's cores less the part of it no process was billed for. This kernel bills a softirq tick to the task it
        # interrupted (tick accounting without IRQ_TIME_ACCOUNTING), so the part inside the processes' CPU is in the
        # trace's untraced CPU already; the bench bounds it from below where it recorded it (softirq_in_processes),
        # else all of the softirq is taken off (which counts the billed part twice).
        cpu = run.get("machine_cpu_cores", {})
        softirq = cpu.get("softirq", 0) - cpu.get("softirq_in_processes", 0)
        cores = f"{float(args.host_cores) - softirq:.2f}"
        layout = ["--model", run["model"], "--batch", "32", "--workers", "4", "--machines", "4", "--rules", rule,
                  "--compensation", compensation or ("none" if rule == "dp" else "lookahead"),
                  "--bandwidth", rate_for_plan(rate), "--nic", rate_for_plan(rate), "--latency", delay if delay != "0" else "0", "--shared-cores", cores,
                  "--framing", framing(run["rate"]),
                  "--cut-every", run["cut_every"], "--reducer-shards", shards or "1"]
        predicted = plan_rule(args.cyclic, [*layout, "--costs", str(costs_for(args.cyclic, run["model"]))], rule, out)
        short = plan_rule(args.cyclic, [*layout, "--costs", "run"], rule, out.with_suffix(".run.json")) if args.short_runs else None
        short_memory = {tuple(sorted(machine["ranks"])): machine["memory_bytes"] for machine in short["machines"]} if short else {}
        from_trace = None
        activations = None
        traced_memory = {}
        if run.get("trace") and pathlib.Path(run["trace"]).exists():
            traced = plan_rule(args.cyclic, [*layout, "--costs", run["trace"], "--trace-slots", cores, "--trace-sharing", "host"], rule, out.with_suffix(".trace.json"))
            from_trace = traced["step_seconds"]
            traced_memory = {tuple(sorted(machine["ranks"])): machine["memory_bytes"] for machine in traced["machines"]}
            measured_peak = traced_activation_peak(run["trace"])
            if measured_peak:
                activations = (measured_peak, max(machine["activation_bytes"] for machine in traced["machines"]),
                               max(machine["timeline_activation_peak_bytes"] for machine in traced["machines"]))
        # Whole memory per member (runs since 2026-12-07 evening record the seed summary's nodes): the most its
        # backend's pool reserved against the plan's memory for the machine holding the same ranks.
        memory = [(node["reserved_peak_bytes"], node.get("peak_activation_bytes"), machine["memory_bytes"], machine["timeline_activation_peak_bytes"],
                   traced_memory.get(tuple(sorted(node["ranks"]))), machine["memory_bound_bytes"], short_memory.get(tuple(sorted(node["ranks"]))))
                  for node in run.get("nodes", []) if node.get("reserved_peak_bytes")
                  for machine in predicted["machines"] if sorted(machine["ranks"]) == sorted(node["ranks"])]
        measured_links = [link["tensor_bytes_sent"] / run["steps"] for link in run.get("links", [])]
        predicted_links = [link["bytes_per_step"] for link in predicted.get("links", [])]
        rows.append({"setting": run["rate"], "model": run["model"], "rule": run["rule"], "measured_step": run["step_time_seconds"],
                     "predicted_step": predicted["step_seconds"], "measured_link_max": max(measured_links, default=0),
                     "predicted_link_max": max(predicted_links, default=0), "measured_total": sum(measured_links),
                     "predicted_total": sum(predicted_links), "load_average": run.get("load_average"), "from_trace": from_trace,
                     "activations": activations, "memory": memory, "from_run": short["step_seconds"] if short else None})
    command = f"bench/plan/calibrate_netem.py {' '.join(args.results)}{' --short-runs' if args.short_runs else ''} --host-cores {args.host_cores}"
    lines = ["# cyclic plan against the emulated-host runs", "",
             f"Command: `{command}` (the runs: bench/netem/bench.py; costs profiled once per model "
             f"on this 2-core VM, micro-batch 32, in bench/results/plan-calibration-netem/; 4 machines with one worker each sharing the VM's {args.host_cores} cores less the run's measured softirq share where it was measured (less the part billed to the processes, where that was recorded), "
             "the link rate as both --bandwidth and --nic with the shaper's framing (--framing ethernet for htb, 1500/1448 for the relay's IP packets), the relay's one-way delay as --latency, "
             f"recovery cuts every {'/'.join(sorted({r['cut_every'] for r in runs}))} steps).", "",
             "Measured step: the bench's step time (the mean over the steps after warm-up). Bytes: tensor payload per step on the busiest member-to-member link and on all links together (measured: the seed's "
             "summary, over all steps including warm-up; predicted: the model's per-step count).", "",
             "| setting | model | rule | measured step | predicted | error | from its trace | error | busiest link, measured / predicted (MB/step) | all links, measured / predicted (MB/step) |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        error = 100 * (row["predicted_step"] - row["measured_step"]) / row["measured_step"]
        setting = setting_label(row["setting"])
        traced = (f"{row['from_trace']:.3f} s | {100 * (row['from_trace'] - row['measured_step']) / row['measured_step']:+.0f} %"
                  if row["from_trace"] is not None else "– | –")
        lines.append(f"| {setting} | {row['model']} | {row['rule']} | {row['measured_step']:.3f} s | {row['predicted_step']:.3f} s | {error:+.0f} % | {traced} | "
                     f"{row['measured_link_max'] / 1e6:.2f} / {row['predicted_link_max'] / 1e6:.2f} | {row['measured_total'] / 1e6:.2f} / {row['predicted_total'] / 1e6:.2f} |")
    errors = [abs(r["predicted_step"] - r["measured_step"]) / r["measured_step"] for r in rows]
    within = sum(e <= 0.15 for e in errors)
    thin = [abs(r["predicted_step"] - r["measured_step"]) / r["measured_step"] for r in rows if r["setting"] != "0" and not r["setting"].startswith("1gbit")]
    on_thin = (f"; on the links at or below 100 Mbit/s, where the link binds, {sum(e <= 0.15 for e in thin)} of {len(thin)} "
               f"(median absolute error {100 * statistics.median(thin):.0f} %)") if thin else ""
    lines += ["", f"Step time within 15 %: {within} of {len(rows)} runs (median absolute error {100 * statistics.median(errors):.0f} %){on_thin}."]
    traced = [abs(r["from_trace"] - r["measured_step"]) / r["measured_step"] for r in rows if r["from_trace"] is not None]
    if traced:
        lines.append(f"From each run's own trace: {sum(e <= 0.15 for e in traced)} of {len(traced)} within 15 % (median absolute error {100 * statistics.median(traced):.0f} %).")
    cases = medians_by_case([{"case": f"{setting_label(r['setting'])}, {r['model']} {r['rule']}", "measured": r["measured_step"],
                              "from_trace": r["from_trace"], "from_profile": r["predicted_step"],
                              **({"from_run": r["from_run"]} if args.short_runs else {})} for r in rows])
    if any(case["runs"] > 1 for case in cases):
        lines += ["", "Cases run more than once: the median measured step against the median of the runs' predictions (each run planned from "
                  "its own trace, and from the profile), as the one-process calibration compares them; on a 2-core VM shared by five "
                  "processes one run alone can be a fifth off the next.", "",
                  "| setting, model, rule | runs | measured steps | median | from their traces (median) | error | from short runs made now (median) | error | profiled | error |",
                  "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
        for case in cases:
            measured = case["measured"]
            trace_cell = (f"{case['from_trace']:.3f} s | {100 * (case['from_trace'] - measured) / measured:+.0f} %" if case["from_trace"] is not None else "– | –")
            steps = ", ".join(f"{step:.3f}" for step in case["measured_runs"])
            short_cell = (f"{case['from_run']:.3f} s | {100 * (case['from_run'] - measured) / measured:+.0f} %" if case.get("from_run") is not None else "– | –")
            lines.append(f"| {case['case']} | {case['runs']} | {steps} | {measured:.3f} s | {trace_cell} | {short_cell} | {case['from_profile']:.3f} s | "
                         f"{100 * (case['from_profile'] - measured) / measured:+.0f} % |")
        medians = [abs(case["from_trace"] - case["measured"]) / case["measured"] for case in cases if case["from_trace"] is not None]
        lines += ["", f"By case, the medians from the runs' own traces: {sum(e <= 0.15 for e in medians)} of {len(medians)} within 15 %."]
        if args.short_runs:
            shorts = [abs(case["from_run"] - case["measured"]) / case["measured"] for case in cases]
            lines.append(f"By case, the medians from short runs made now (`--costs run`): {sum(e <= 0.15 for e in shorts)} of {len(shorts)} within 15 %.")
    peaks = [r for r in rows if r["activations"]]
    if peaks:
        lines += ["", "Activation memory, from the runs that kept a trace: the most live activation bytes a member held at a sample of "
                  "its `live activation bytes` counter (wall clock, sampled, so at most the true peak) against the peak of the plan's "
                  "simulated timeline on the busiest machine. (The plan's MemoryNeed figure counts at the schedule's logical ticks, as "
                  "the runtime's ledger does; the trace does not carry that ledger.)", "",
                  "| setting | model | rule | measured (bytes) | timeline peak | error |", "|---|---|---|---:|---:|---:|"]
        for row in peaks:
            measured, _, timeline = row["activations"]
            setting = setting_label(row["setting"])
            lines.append(f"| {setting} | {row['model']} | {row['rule']} | {measured:,} | {timeline:,} | {100 * (timeline - measured) / measured:+.1f} % |")
        within = sum(abs(r["activations"][2] - r["activations"][0]) / r["activations"][0] <= 0.05 for r in peaks)
        lines += ["", f"Activations within 5 %: {within} of {len(peaks)} runs."]
    whole = [r for r in rows if r["memory"]]
    if whole:
        lines += ["", "Whole memory per member, from the runs that recorded the seed summary's nodes: the most the member's CPU backend "
                  "pool reserved (`reserved_peak_bytes`: parameters, gradients, optimizer state, activations, workspace, what the "
                  "runtime allocates on its backend) against the plan's memory for the machine with the same ranks (what its pool holds: "
                  "the ops' buffers as the pool caches them by size in the simulated timeline, beside the parameters, gradients, optimizer "
                  "state, data and its reducers' state); beside them the ledger's activation peak at the schedule's ticks against the "
                  "simulated timeline's.", "",
                  "| setting | model | rule | members: reserved peak, measured / planned (MB) | error, most off | activations, ledger at ticks / timeline (MB) |",
                  "|---|---|---|---|---:|---|"]
        for row in whole:
            setting = setting_label(row["setting"])
            worst = max(row["memory"], key=lambda m: abs(m[2] - m[0]) / m[0])
            lines.append(f"| {setting} | {row['model']} | {row['rule']} | {', '.join(f'{m[0] / 1e6:.1f} / {m[2] / 1e6:.1f}' for m in row['memory'])} | "
                         f"{100 * (worst[2] - worst[0]) / worst[0]:+.1f} % | {', '.join(f'{(m[1] or 0) / 1e6:.2f} / {m[3] / 1e6:.2f}' for m in row['memory'])} |")
        members = [m for r in whole for m in r["memory"]]
        lines += ["", f"Whole memory within 5 %: {sum(abs(m[2] - m[0]) / m[0] <= 0.05 for m in members)} of {len(members)} members "
                  f"({len(whole)} runs)" + (f"; from short runs made now: {sum(abs(m[6] - m[0]) / m[0] <= 0.05 for m in members)} of {len(members)}"
                                              if args.short_runs else "") + "."]
    pathlib.Path(args.out).write_text("\n".join(lines) + "\n")
    write_rows(args.out, "emulated hosts", command,
               # By case: the medians over its runs (one run: that run).
               [summary_row({**case, "case": case["case"] + (f" (median of {case['runs']} runs)" if case["runs"] > 1 else "")}) for case in cases],
               [{"case": f"{setting_label(r['setting'])}, {r['model']} {r['rule']}, member {index + 1}", "measured": m[0], "from_trace": m[4],
                 "from_profile": m[2], **({"from_run": m[6]} if args.short_runs else {}), "bound": m[5]} for r in rows for index, m in enumerate(r["memory"])])
    print("\n".join(lines))


if __name__ == "__main__":
    main()
