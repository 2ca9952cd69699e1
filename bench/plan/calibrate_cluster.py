#!/usr/bin/env python3
"""`cyclic plan` against bench/ClusterBench's 3-process runs (seed + 2 members with 2 workers each, loopback,
every member tensor link paced by cyclic-actors.transport.bandwidth-limit, or free): predicted vs measured step.

Each scenario is planned as 2 machines with 2 workers and one compute slot each (the members shared this
VM's 2 cores), `--links channel` (the limit paces each link, gradients and parameters, on its own) at the
recorded rate, cnn, micro-batch 16, costs profiled once on this machine (kept beside the table).
Measured step: the mean of the seed's step times over steps 3..31 (ClusterBench's own table quotes the
median). Writes bench/results/plan-calibration-cluster.md.

Usage: bench/plan/calibrate_cluster.py bench/results/cluster-dp-vs-cdp-STAMP.json [--cyclic PATH]
"""
import argparse
import json
import pathlib
import statistics
import tempfile

from planning import CYCLIC, ROOT, plan

OUT = ROOT / "bench" / "results" / "plan-calibration-cluster.md"
COSTS = ROOT / "bench" / "results" / "plan-calibration-netem" / "costs-cnn-b16.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result")
    parser.add_argument("--cyclic", default=CYCLIC)
    args = parser.parse_args()
    recorded = json.loads(pathlib.Path(args.result).read_text())
    config = recorded["config"]
    if not COSTS.exists():
        COSTS.parent.mkdir(parents=True, exist_ok=True)
        plan(args.cyclic, ["--model", config["Model"], "--batch", str(config["MicroBatch"]), "--workers", "4", "--rules", "dp",
                           "--steps", "4", "--compute-slots", "0", "--json", str(COSTS)])
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="calibrate-cluster-"))
    lines = ["# cyclic plan against the 3-process bandwidth-limited runs", "",
             f"Command: `bench/plan/calibrate_cluster.py {args.result}` (the runs: `{recorded['command']}`; 2 machines with 2 workers and "
             "one compute slot each, `--links channel` at the recorded rate, costs profiled once on this VM in "
             f"{COSTS.relative_to(ROOT)}).", "",
             "| rule | link | measured step (mean, steps 3..31) | predicted | error |", "|---|---|---:|---:|---:|"]
    errors = []
    for scenario in recorded["scenarios"]:
        rule, _, compensation = scenario["Rule"].partition(":")
        rate = scenario["BytesPerSecond"]
        out = scratch / f"{scenario['Rule'].replace(':', '_')}-{rate}.json"
        plan(args.cyclic, ["--model", config["Model"], "--batch", str(config["MicroBatch"]), "--workers", str(config["Workers"]), "--machines", "2",
                           "--stages", str(config["Stages"]), "--rules", rule, "--compensation", compensation or ("none" if rule == "dp" else "lookahead"),
                           "--costs", str(COSTS), "--links", "channel", "--bandwidth", f"{rate}B" if rate else "0", "--compute-slots", "1", "--json", str(out)])
        predicted = json.loads(out.read_text())["cases"][0]["rules"][rule]["step_seconds"]
        measured = statistics.mean(scenario["StepSeconds"][3:])
        errors.append(abs(predicted - measured) / measured)
        link = f"{rate / 1e6:.0f} MB/s a link" if rate else "free"
        lines.append(f"| {scenario['Rule']} | {link} | {1000 * measured:.1f} ms | {1000 * predicted:.1f} ms | {100 * (predicted - measured) / measured:+.0f} % |")
    lines += ["", f"Within 15 %: {sum(e <= 0.15 for e in errors)} of {len(errors)} (median absolute error {100 * statistics.median(errors):.0f} %)."]
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
