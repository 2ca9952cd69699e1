#!/usr/bin/python3
"""Extrapolation with `cyclic plan`: DP vs CDP for N = 8 .. 1024 workers on 1 .. 128 machines at 10 and 100 Gbit/s.

For each model (resnet-mini, mlp-deep) and stage count L, the per-stage costs are profiled once on this
machine's CPU (`cyclic plan --json`, kept under bench/results/plan-extrapolation/ so every row can be
replayed with `--costs FILE`), then every (N, K, bandwidth) is planned from them. CDP needs N to divide
2L (the runtime's schedule), so L = N/2 where the model has that many layers to split, else L = the
largest that works and the CDP columns are n/a. Each worker is a device of its own (`--compute-slots 0`),
the reducers beside it (`--reducer-slots separate`), every machine's interface capped at the link
rate each way (`--nic`), 20 us one way, the reducers' recovery cuts to the seed every 10 steps as the
runtime takes them (`--cut-every`'s default). Writes bench/results/plan-extrapolation.{md,json,png}.

Usage: bench/plan/extrapolate.py [--cyclic PATH]   (Debian's /usr/bin/python3; the figure needs python3-matplotlib)

With a GPU: `--backend cuda --costs-dir DIR --costs-only` profiles the same per-stage costs on the GPU
(scripts/gpu-check.sh does it into $OUT/plan-costs); then, here, `--costs-dir DIR --out
bench/results/plan-extrapolation-gpu` plans every row from them.
"""
import argparse
import json
import pathlib
import sys
import tempfile

from planning import CYCLIC, ROOT, plan

OUT = ROOT / "bench" / "results" / "plan-extrapolation"
WORKERS = [8, 16, 32, 64, 128, 256, 512, 1024]
MACHINES = [1, 2, 4, 8, 16, 32, 64, 128]
BANDWIDTHS = ["10Gbit", "100Gbit"]
MAX_STAGES = {"resnet-mini": 8, "mlp-deep": 16}  # the most stages each splits into (layer count)
BATCH = 32
RULES = ["dp", "cdp-v1", "cdp-v2"]


def costs_file(cyclic, model, stages, directory, backend):
    path = directory / f"costs-{model}-L{stages}.json"
    if not path.exists():
        plan(cyclic, ["--model", model, "--stages", str(stages), "--batch", str(BATCH), "--workers", str(2 * stages), "--costs", "profile",
                      "--backend", backend, "--rules", "dp", "--steps", "4", "--compute-slots", "0", "--json", str(path)])
    return path


def stages_for(model, workers):
    """L = N/2 where the model splits that finely, else 4."""
    return workers // 2 if workers // 2 <= MAX_STAGES[model] else 4


def stage_counts():
    """(model, L) of every row."""
    return sorted({(model, stages_for(model, workers)) for model in MAX_STAGES for workers in WORKERS})


def bottleneck(rule):
    """The busier of the busiest stage reducer and the busiest machine's interface, when it is busy most of the time."""
    reducer, interface = rule["reducer_busy"], rule["nic_busy"]
    name = "reducer" if reducer >= interface else "interface"
    busiest = max(reducer, interface)
    return f"{name} {100 * busiest:.0f} %" if busiest >= 0.75 else f"none (reducer {100 * reducer:.0f} %, interface {100 * interface:.0f} %)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cyclic", default=CYCLIC)
    parser.add_argument("--backend", choices=["cpu", "cuda"], default="cpu", help="what profiles a missing costs file [cpu]")
    parser.add_argument("--costs-dir", type=pathlib.Path, default=OUT, help="where the costs files are kept and read [%(default)s]")
    parser.add_argument("--costs-only", action="store_true", help="profile the missing costs files and stop (on the GPU machine)")
    parser.add_argument("--out", type=pathlib.Path, default=OUT.parent / "plan-extrapolation", help="PREFIX of PREFIX.md, .json, .png [%(default)s]")
    args = parser.parse_args()
    args.costs_dir.mkdir(parents=True, exist_ok=True)
    if args.costs_only:
        for model, stages in stage_counts():
            print(costs_file(args.cyclic, model, stages, args.costs_dir, args.backend), flush=True)
        return
    rows = []
    scratch = tempfile.mkdtemp(prefix="extrapolate-")
    for model in MAX_STAGES:
        for workers in WORKERS:
            stages = stages_for(model, workers)
            rules = RULES if 2 * stages % workers == 0 else ["dp"]
            costs = costs_file(args.cyclic, model, stages, args.costs_dir, args.backend)
            machines = [k for k in MACHINES if k <= workers]
            for bandwidth in BANDWIDTHS:
                out = pathlib.Path(scratch) / f"{model}-N{workers}-{bandwidth}.json"
                plan(args.cyclic, ["--model", model, "--stages", str(stages), "--batch", str(BATCH), "--costs", str(costs),
                                   "--workers", str(workers), "--sweep-machines", ",".join(map(str, machines)), "--rules", ",".join(rules),
                                   "--bandwidth", bandwidth, "--nic", bandwidth, "--latency", "20us", "--compute-slots", "0",
                                   "--reducer-slots", "separate", "--json", str(out)])
                for case in json.loads(out.read_text())["cases"]:
                    rows.append({"model": model, "stages": stages, "workers": workers, "machines": case["machines"], "bandwidth": bandwidth,
                                 "rules": {name: {key: rule[key] for key in ("step_seconds", "samples_per_second", "peak_memory_bytes",
                                                                              "reducer_busy", "nic_busy", "network_burstiness")}
                                           for name, rule in case["rules"].items()}})
                print(f"{model} N={workers} L={stages} {bandwidth}: {len(machines)} machine counts", flush=True)
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    origins = sorted({json.loads(path.read_text()).get("costs", "?") for path in args.costs_dir.glob("costs-*.json")})
    shown = args.costs_dir.resolve()
    shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
    command = " ".join(["bench/plan/extrapolate.py", *sys.argv[1:]])
    write_table(rows, args.out, command, f"costs {'; '.join(origins)}, micro-batch 32, kept in {shown}/costs-*.json")
    write_figure(rows, args.out)


def write_table(rows, out, command, costs):
    lines = ["# Extrapolation with `cyclic plan`: DP vs CDP, N = 8 .. 1024 workers, 1 .. 128 machines", "",
             f"Command: `{command}` ({costs}; every worker a device of its own, reducers beside them, each machine's "
             "interface capped at the link rate each way, 20 us one way; CDP with look-ahead; a cut to the seed every 10 steps; "
             "the transport as flows sharing each interface fairly, the step the mean interval). L = N/2 where the model splits that "
             "finely (resnet-mini up to 8 stages, mlp-deep up to 16), else L = 4 and CDP is n/a (the runtime's schedule needs N to "
             "divide 2L). Bottleneck: the busier of the busiest stage reducer (the single reducer per stage) and the busiest machine's "
             "interface, with the share of the run it was busy, when that is at least 75 %; else none of them (compute, the token and latency "
             "set the step).", "",
             "| model | L | N | machines | link | DP samples/s | CDP-v1 | CDP-v2 | best CDP / DP | DP bottleneck | best CDP bottleneck |",
             "|---|---:|---:|---:|---|---:|---:|---:|---:|---|---|"]
    for row in rows:
        r = row["rules"]
        dp = r["dp"]
        cdp = [name for name in ("cdp-v1", "cdp-v2") if name in r]
        best = max(cdp, key=lambda name: r[name]["samples_per_second"]) if cdp else None
        cell = lambda name: f"{r[name]['samples_per_second']:,.0f}" if name in r else "n/a"
        ratio = f"{r[best]['samples_per_second'] / dp['samples_per_second']:.2f}x ({best})" if best else "n/a"
        lines.append(f"| {row['model']} | {row['stages']} | {row['workers']} | {row['machines']} | {row['bandwidth']} | {cell('dp')} | "
                     f"{cell('cdp-v1')} | {cell('cdp-v2')} | {ratio} | {bottleneck(dp)} | {bottleneck(r[best]) if best else 'n/a'} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def write_figure(rows, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no matplotlib (apt-get install python3-matplotlib): figure not drawn", file=sys.stderr)
        return
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for axis, bandwidth in zip(axes, BANDWIDTHS):
        for model, colour in (("resnet-mini", "tab:blue"), ("mlp-deep", "tab:red")):
            # Eight workers a machine, as eight GPUs in a node, up to the 128 machines planned.
            chosen = [row for row in rows if row["model"] == model and row["bandwidth"] == bandwidth
                      and row["machines"] == min(128, max(1, row["workers"] // 8))]
            chosen.sort(key=lambda row: row["workers"])
            axis.plot([row["workers"] for row in chosen], [row["rules"]["dp"]["samples_per_second"] for row in chosen],
                      "o-", color=colour, label=f"{model} DP")
            cdp = [(row["workers"], max(row["rules"][name]["samples_per_second"] for name in ("cdp-v1", "cdp-v2")))
                   for row in chosen if "cdp-v1" in row["rules"]]
            if cdp:
                axis.plot(*zip(*cdp), "s--", color=colour, label=f"{model} best CDP")
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("workers N (8 a machine)")
        axis.set_title(f"{bandwidth}/s per machine, planned")
        axis.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("samples/s")
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out.with_suffix(".png"), dpi=110)


if __name__ == "__main__":
    main()
