#!/usr/bin/env python3
"""Tiered JIT on against off, side by side: the loopback cluster (seed + 4 members, 1 worker each)
and the one-process run, alternating the two settings so other load on the machine hits both alike.

The host ships with tiered compilation off (src/Host/CyclicActors.Host.csproj); the environment
variable DOTNET_TieredCompilation overrides the shipped setting, so one build runs both arms.
Each process's CPU time comes from its rusage at exit; the step time is the mean interval between
the metrics file's step records after the first 5.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {"tiered (.NET default)": "1", "not tiered (shipped)": "0"}


def timed(cmd, env, **kwargs):
    """Starts cmd; returns a function that waits for it and gives its exit code and user+system CPU seconds."""
    process = subprocess.Popen(cmd, env=env, **kwargs)

    def finish(limit):
        deadline = time.monotonic() + limit
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                # Reaped here (wait4 gives the rusage); Popen must not wait for the pid again.
                process.returncode = os.waitstatus_to_exitcode(status)
                return process.returncode, usage.ru_utime + usage.ru_stime
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"{cmd[1]} ran past {limit} s")
            time.sleep(0.05)
    return finish


def step_seconds(metrics):
    elapsed = [json.loads(line)["elapsed_seconds"] for line in metrics.read_text().splitlines() if '"step"' in line]
    intervals = [b - a for a, b in zip(elapsed, elapsed[1:])][5:]
    return statistics.mean(intervals), len(intervals)


def run_cluster(cyclic, tiered, args, work, port):
    env = {**os.environ, "DOTNET_TieredCompilation": tiered}
    metrics = work / "cluster.jsonl"
    metrics.unlink(missing_ok=True)
    data = str(ROOT / "data" / "mnist")
    started = time.monotonic()
    log = open(work / "cluster.log", "w")
    seed = timed([cyclic, "seed", "--host", "127.0.0.1", "--port", str(port), "--model", args.model, "--workers", "4",
                  "--batch", str(args.batch), "--steps", str(args.steps), "--rule", "cdp-v1", "--compensation", "none",
                  "--data", data, "--quiet", "--eval-every", "0", "--metrics", str(metrics)], env, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(1.5)
    members = [timed([cyclic, "member", "--seed-node", f"akka.tcp://cyclic@127.0.0.1:{port}", "--host", "127.0.0.1",
                      "--workers-per-node", "1", "--data", data, "--backend", "cpu"], env, stdout=log, stderr=subprocess.STDOUT)
               for _ in range(4)]
    results = [finish(600) for finish in [seed, *members]]
    log.close()
    if any(code for code, _ in results):
        raise RuntimeError(f"cluster run failed, exit codes {[code for code, _ in results]}; log in {work / 'cluster.log'}")
    step, counted = step_seconds(metrics)
    return {"wall_seconds": time.monotonic() - started, "step_seconds": step, "steps_counted": counted,
            "seed_cpu_seconds": results[0][1], "member_cpu_seconds": [cpu for _, cpu in results[1:]]}


def run_one_process(cyclic, tiered, args, work):
    env = {**os.environ, "DOTNET_TieredCompilation": tiered}
    metrics = work / "train.jsonl"
    metrics.unlink(missing_ok=True)
    started = time.monotonic()
    finish = timed([cyclic, "train", "--model", args.model, "--workers", "4", "--batch", str(args.batch), "--steps", str(args.steps),
                       "--rule", "cdp-v1", "--compensation", "none", "--data", str(ROOT / "data" / "mnist"), "--quiet",
                       "--eval-every", "0", "--metrics", str(metrics)], env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code, cpu = finish(600)
    if code:
        raise RuntimeError(f"train exited {code}")
    step, counted = step_seconds(metrics)
    return {"wall_seconds": time.monotonic() - started, "step_seconds": step, "steps_counted": counted, "cpu_seconds": cpu}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cyclic", default=str(ROOT / "src/Host/bin/Release/net10.0/cyclic"), help="the built host")
    parser.add_argument("--model", default="cnn")
    parser.add_argument("--batch", type=int, default=32, help="micro-batch")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench/results/jit-tiering"), help="writes OUT.json and OUT.md")
    args = parser.parse_args()
    work = Path("/tmp/cyclic-jit-tiering")
    work.mkdir(exist_ok=True)
    runs = []
    port = 4660
    for rep in range(args.reps):
        for name, tiered in SETTINGS.items():
            port += 1
            runs.append({"setting": name, "rep": rep, "cluster": run_cluster(args.cyclic, tiered, args, work, port),
                         "one_process": run_one_process(args.cyclic, tiered, args, work)})
            print(f"rep {rep} {name}: cluster step {runs[-1]['cluster']['step_seconds']:.4f} s, "
                  f"one process {runs[-1]['one_process']['step_seconds']:.4f} s", file=sys.stderr)
    command = "bench/jit/tiering.py " + " ".join(sys.argv[1:])
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    Path(args.out + ".json").write_text(json.dumps({"command": command, "when": when, "cores": os.cpu_count(),
                                                    "load_average_after": os.getloadavg(), "runs": runs}, indent=1))
    median = lambda name, pick: statistics.median(pick(r) for r in runs if r["setting"] == name)
    rows = [("cluster step (s)", lambda r: r["cluster"]["step_seconds"]),
            ("cluster wall, start to exit (s)", lambda r: r["cluster"]["wall_seconds"]),
            ("seed CPU (s)", lambda r: r["cluster"]["seed_cpu_seconds"]),
            ("member CPU, mean of 4 (s)", lambda r: statistics.mean(r["cluster"]["member_cpu_seconds"])),
            ("one-process step (s)", lambda r: r["one_process"]["step_seconds"]),
            ("one-process wall (s)", lambda r: r["one_process"]["wall_seconds"]),
            ("one-process CPU (s)", lambda r: r["one_process"]["cpu_seconds"])]
    names = list(SETTINGS)
    lines = [f"# Tiered JIT on against off ({when})", "",
             f"Command: `{command}`", "",
             f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} after the runs. "
             f"`{args.model}`, micro-batch {args.batch}, N = 4, CDP-v1 without look-ahead, {args.steps} steps, bundled MNIST. "
             "Cluster: seed and 4 members (1 worker each) on loopback, 5 processes; one process: `cyclic train`. "
             f"The two settings alternate, {args.reps} repetitions each; medians. Step: mean interval between step records after the first 5. "
             "CPU: the process's user + system time at exit (start-up included).", "",
             f"| | {names[0]} | {names[1]} | ratio |", "|---|---:|---:|---:|"]
    for label, pick in rows:
        a, b = median(names[0], pick), median(names[1], pick)
        lines.append(f"| {label} | {a:.4g} | {b:.4g} | {a / b:.2f}x |")
    lines += ["", "Every run: the JSON file."]
    Path(args.out + ".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
