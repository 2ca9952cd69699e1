#!/usr/bin/env python3
"""Pacing on the CPU, side by side and interleaved: DP, and CDP-v1 / CDP-v2 with --pacing none, tick
and budget, N = L = 4, one process. For each configuration: the median samples/s over the rounds,
the memory pool's high-water (reserved_peak_bytes), the schedule's predicted activation peak and
the parameters' SHA-256 (pacing must not change a single bit). The real saving is DP's reserved
peak minus the configuration's; the predicted saving is DP's predicted activation peak minus the
rule's. Look-ahead is off (--compensation none) so that the only state that differs between the
rules is the activations: look-ahead keeps each worker's previous gradient, which the memory
budget counts, but which is not the saving the schedule predicts.

usage: pacing.py CYCLIC_BIN OUT_PREFIX [--rounds R] [--models mlp-deep:256,cnn:64] [--steps S]
writes OUT_PREFIX.json (every run) and OUT_PREFIX.md (the table and the exact commands).
"""
import json, os, statistics, subprocess, sys, tempfile

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "mnist")
CONFIGS = [("dp", "none"), ("cdp-v1", "none"), ("cdp-v1", "tick"), ("cdp-v1", "budget"),
           ("cdp-v2", "none"), ("cdp-v2", "tick"), ("cdp-v2", "budget")]


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def command(binary, model, batch, steps, rule, pacing, summary):
    partition = "activations" if model == "mlp-deep" else "flops"
    return [binary, "train", "--model", model, "--partition", partition, "--workers", "4", "--stages", "4", "--batch", str(batch),
            "--steps", str(steps), "--epochs", "10000", "--rule", rule, "--compensation", "none", "--pacing", pacing,
            "--backend", "cpu", "--data", DATA, "--quiet", "--summary", summary]


def main():
    binary, prefix = sys.argv[1:3]
    rounds = int(arg("--rounds", "3"))
    steps = int(arg("--steps", "40"))
    models = [(m.split(":")[0], int(m.split(":")[1])) for m in arg("--models", "mlp-deep:256,cnn:64").split(",")]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        summary = os.path.join(tmp, "summary.json")
        for model, batch in models:
            for round_ in range(rounds):
                for rule, pacing in CONFIGS:
                    cmd = command(binary, model, batch, steps, rule, pacing, summary)
                    subprocess.run(cmd, check=True, capture_output=True, timeout=900)
                    with open(summary) as f:
                        doc = json.load(f)
                    runs.append({"model": model, "batch": batch, "rule": rule, "pacing": pacing, "round": round_,
                                 "samples_per_second": doc["samples_per_second"], "reserved_peak_bytes": doc["reserved_peak_bytes"],
                                 "predicted_peak_activation_bytes": doc["predicted_peak_activation_bytes"],
                                 "sampled_peak_activation_bytes": doc["sampled_peak_activation_bytes"],
                                 "ledger_peak_bytes": doc["ledger_peak_bytes"], "parameter_sha256": doc["parameter_sha256"],
                                 "command": " ".join(os.path.relpath(c) if c == DATA else c for c in cmd[:-1])})
                    print(json.dumps(runs[-1]), flush=True)
    with open(prefix + ".json", "w") as f:
        json.dump(runs, f, indent=1)
    lines = [f"# Pacing on the CPU: N = L = 4, one process, {rounds} interleaved rounds of {steps} steps", "",
             f"`python3 bench/memory/pacing.py {' '.join(sys.argv[1:])}`", "",
             "| model | batch | rule | pacing | samples/s (median) | vs unpaced | vs DP | reserved peak (MB) | real saving (MB) | predicted saving (MB) | real / predicted | wall-clock activation peak (MB) | sha256 |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for model, batch in models:
        def pick(rule, pacing):
            return [r for r in runs if r["model"] == model and r["rule"] == rule and r["pacing"] == pacing]
        dp = pick("dp", "none")
        dp_sps = statistics.median(r["samples_per_second"] for r in dp)
        dp_reserved = statistics.median(r["reserved_peak_bytes"] for r in dp)
        dp_predicted = dp[0]["predicted_peak_activation_bytes"]
        for rule, pacing in CONFIGS:
            rs = pick(rule, pacing)
            sps = statistics.median(r["samples_per_second"] for r in rs)
            unpaced = statistics.median(r["samples_per_second"] for r in pick(rule, "none"))
            reserved = statistics.median(r["reserved_peak_bytes"] for r in rs)
            predicted_saving = dp_predicted - rs[0]["predicted_peak_activation_bytes"]
            real_saving = dp_reserved - reserved
            ratio = f"{real_saving / predicted_saving:.2f}" if predicted_saving else "-"
            shas = {r["parameter_sha256"][:12] for r in rs} | {r["parameter_sha256"][:12] for r in pick(rule, "none")}
            lines.append(f"| {model} | {batch} | {rule} | {pacing} | {sps:.0f} | {sps / unpaced:.2f} | {sps / dp_sps:.2f} | {reserved / 1e6:.2f} | "
                         f"{real_saving / 1e6:.2f} | {predicted_saving / 1e6:.2f} | {ratio} | "
                         f"{statistics.median(r['sampled_peak_activation_bytes'] for r in rs) / 1e6:.2f} | {'same' if len(shas) == 1 else 'DIFFER ' + ','.join(sorted(shas))} |")
    lines += ["", "Reserved peak: the process's CPU pool high-water over training (workers and reducers). Saving: DP's",
              "median reserved peak minus the row's. sha256: `same` when every paced and unpaced run of the rule ended with",
              "the same parameters.", "", "Commands (one per configuration, summary path omitted):", ""]
    seen = set()
    for r in runs:
        if r["command"] not in seen:
            seen.add(r["command"])
            lines.append(f"    {r['command']}")
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[:len(CONFIGS) * len(models) + 6]))


if __name__ == "__main__":
    main()
