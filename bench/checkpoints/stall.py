#!/usr/bin/env python3
"""What periodic checkpoints cost training, on the CPU, side by side and interleaved: the same run
without checkpoints, with --checkpoint-every 10 and with --checkpoint-every 1 (a checkpoint at every
step, the worst case). For each: the step time (differences of the metrics' elapsed_seconds, after
the first 5 steps), median and 95th percentile over all rounds; the run's samples/s; how long each
checkpoint write took on the writer's thread; and the parameters' SHA-256 (checkpoints must not
change a bit). Cuts are taken by the reducers while they fold and written on a thread of their own,
so the stall is what that thread takes from the workers' cores, not a pause of the pipeline.

usage: stall.py CYCLIC_BIN OUT_PREFIX [--rounds R] [--model mlp-deep] [--batch 64] [--steps S]
writes OUT_PREFIX.json (every run) and OUT_PREFIX.md (the table and the exact commands).
"""
import json, os, shutil, statistics, subprocess, sys, tempfile

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "mnist")
EVERY = [0, 10, 1]


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main():
    binary, prefix = sys.argv[1:3]
    rounds, steps = int(arg("--rounds", "3")), int(arg("--steps", "60"))
    model, batch = arg("--model", "mlp-deep"), arg("--batch", "64")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(rounds):
            for every in EVERY:
                summary, metrics, save = (os.path.join(tmp, n) for n in ("summary.json", "metrics.jsonl", "ckpt"))
                shutil.rmtree(save, ignore_errors=True)
                cmd = [binary, "train", "--model", model, "--batch", batch, "--steps", str(steps), "--epochs", "10000",
                       "--backend", "cpu", "--data", DATA, "--quiet", "--summary", summary, "--metrics", metrics]
                if every:
                    cmd += ["--save", save, "--checkpoint-every", str(every), "--keep", "2"]
                subprocess.run(cmd, check=True, capture_output=True, timeout=900)
                with open(summary) as f:
                    doc = json.load(f)
                with open(metrics) as f:
                    elapsed = [json.loads(line)["elapsed_seconds"] for line in f]
                step_times = [b - a for a, b in zip(elapsed[5:], elapsed[6:])]
                runs.append({"every": every, "round": round_, "step_seconds": step_times, "samples_per_second": doc["samples_per_second"],
                             "checkpoint_write_seconds": doc.get("checkpoint_write_seconds", []), "checkpoints_written": doc.get("checkpoints_written", 0),
                             "checkpoints_skipped": doc.get("checkpoints_skipped", []), "parameter_sha256": doc["parameter_sha256"],
                             "command": " ".join(os.path.relpath(c) if c == DATA else c for c in cmd if not c.startswith(tmp))})
                print(json.dumps({k: v for k, v in runs[-1].items() if k != "step_seconds"}), flush=True)
    with open(prefix + ".json", "w") as f:
        json.dump(runs, f, indent=1)
    base = [t for r in runs if r["every"] == 0 for t in r["step_seconds"]]
    base_median = statistics.median(base)
    lines = [f"# What periodic checkpoints cost: {model}, micro-batch {batch}, N = L = 4, CPU, {rounds} interleaved rounds of {steps} steps", "",
             f"`python3 bench/checkpoints/stall.py {' '.join(sys.argv[1:])}`", "",
             "| checkpoint every | step ms (median) | vs none | step ms (p95) | samples/s (median) | write ms (median, max) | written / skipped per run | same sha256 |",
             "|---|---|---|---|---|---|---|---|"]
    shas = {r["parameter_sha256"] for r in runs}
    for every in EVERY:
        mine = [r for r in runs if r["every"] == every]
        times = [t for r in mine for t in r["step_seconds"]]
        writes = [w for r in mine for w in r["checkpoint_write_seconds"]]
        write = f"{statistics.median(writes) * 1e3:.1f}, {max(writes) * 1e3:.1f}" if writes else "-"
        written = f"{statistics.median([r['checkpoints_written'] for r in mine]):.0f} / {statistics.median([len(r['checkpoints_skipped']) for r in mine]):.0f}" if every else "-"
        lines.append(f"| {every or 'none'} | {statistics.median(times) * 1e3:.1f} | {statistics.median(times) / base_median:.3f} | {percentile(times, 0.95) * 1e3:.1f} | "
                     f"{statistics.median([r['samples_per_second'] for r in mine]):.0f} | {write} | {written} | {'yes' if len(shas) == 1 else 'NO'} |")
    lines += ["", "Commands (one per configuration; the temporary --summary, --metrics and --save paths left out):", ""]
    lines += [f"- `{r['command']}`" for r in runs if r["round"] == 0]
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
