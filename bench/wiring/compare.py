#!/usr/bin/env python3
"""Side by side, alternating: training throughput of two `cyclic` builds (e.g. before and after a
change to the runtime's wiring), in one process and across a seed and two member processes on
loopback. Checks that both builds reach the same parameters (parameter_sha256) and writes a
markdown table of medians to the given file.

usage: compare.py BEFORE_BIN AFTER_BIN OUT.md [--reps N]
"""
import json, os, statistics, subprocess, sys, tempfile, time

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "mnist")


def summary(path):
    with open(path) as f:
        doc = json.load(f)
    return doc["samples_per_second"], doc["parameter_sha256"]


def one_process(binary, model, rule, steps, out):
    subprocess.run([binary, "train", "--model", model, "--rule", rule, "--workers", "4", "--batch", "8", "--steps", str(steps),
                    "--quiet", "--backend", "cpu", "--data", DATA, "--summary", out], check=True, capture_output=True, timeout=600)
    return summary(out)


def cluster(binary, model, rule, steps, out):
    seed = subprocess.Popen([binary, "seed", "--model", model, "--rule", rule, "--workers", "4", "--batch", "8", "--steps", str(steps),
                             "--quiet", "--data", DATA, "--port", "0", "--summary", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = seed.stdout.readline()  # "seed akka.tcp://cyclic@127.0.0.1:PORT: ..."
    address = first.split()[1].rstrip(":")
    members = [subprocess.Popen([binary, "member", "--seed-node", address, "--workers-per-node", "2", "--data", DATA, "--backend", "cpu"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        seed.communicate(timeout=600)
        for member in members:
            member.wait(timeout=60)
    finally:
        for process in [seed, *members]:
            if process.poll() is None:
                process.kill()
    if seed.returncode != 0:
        raise RuntimeError(f"seed of {binary} exited {seed.returncode}")
    return summary(out)


def main():
    before, after, out_path = sys.argv[1:4]
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 3
    cases = [("one process", one_process, "mlp", 600), ("one process", one_process, "cnn", 150),
             ("seed + 2 members", cluster, "mlp", 300), ("seed + 2 members", cluster, "cnn", 120)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for where, run, model, steps in cases:
            for rule in ["dp", "cdp-v2"]:
                figures = {"before": [], "after": []}
                hashes = set()
                for _ in range(reps):
                    for name, binary in [("before", before), ("after", after)]:
                        sps, sha = run(binary, model, rule, steps, os.path.join(tmp, f"{name}.json"))
                        figures[name].append(sps)
                        hashes.add(sha)
                b, a = statistics.median(figures["before"]), statistics.median(figures["after"])
                rows.append((where, model, rule, steps, b, a, a / b, len(hashes) == 1, figures))
                print(f"{where:17} {model:4} {rule:7} before {b:7.0f} after {a:7.0f} ({a / b:.2f}x) same parameters: {len(hashes) == 1}", flush=True)
    with open(out_path, "w") as f:
        f.write("# Training throughput: two builds side by side\n\n")
        f.write(f"Command: `{' '.join(['bench/wiring/compare.py', *sys.argv[1:]])}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n")
        f.write("Workers 4 x 8 samples, CPU backend, bundled MNIST; runs alternate before/after; median samples/s of "
                f"{reps} runs each. `same parameters`: every run of both builds ended with the same parameter_sha256.\n\n")
        f.write("| where | model | rule | steps | before | after | after/before | same parameters | all runs (before; after) |\n|---|---|---|---|---|---|---|---|---|\n")
        for where, model, rule, steps, b, a, ratio, same, figures in rows:
            runs = f"{', '.join(f'{x:.0f}' for x in figures['before'])}; {', '.join(f'{x:.0f}' for x in figures['after'])}"
            f.write(f"| {where} | {model} | {rule} | {steps} | {b:.0f} | {a:.0f} | {ratio:.2f}x | {'yes' if same else 'NO'} | {runs} |\n")


if __name__ == "__main__":
    main()
