#!/usr/bin/env python3
"""How the runtime's thread wake-ups cost step time on emulated hosts: ours with and without each fix, and PyTorch DDP.

The emulated hosts (five network namespaces on one machine, bench/netem/hosts.sh) share the machine's cores,
and their shaped links cost the kernel about as much CPU as the training itself, so CPU that idle threads burn
is step time. Three settings decide how often our threads wake and what an idle one does:
  - the dispatcher of workers and reducers (cyclic-actors.dispatchers.*.type): Akka's PinnedDispatcher (its
    Helios pool yields the core up to 100 times before it blocks) or ours, which blocks at once;
  - cyclic-actors.transport.receive-low-water: 0 wakes a tensor channel's read for every TCP segment,
    256 KiB lets the kernel wake it once that much of the payload (or all that is missing) has arrived;
  - the .NET thread pool's spin limit (DOTNET_ThreadPool_UnfairSemaphoreSpinLimit): 70 by default, 0 in the
    host's runtimeconfig.
Variants, each run alternately per repetition: before (all three old), dispatcher (ours only), low-water
(ours + low-water), shipped (all three new), and DDP. Per run: step time (bench.py's rule: the mean over the
steps after the first quarter), and, sampled from /proc every 0.25 s over the middle of the run (40-85 % of its
wall time, past start-up), the training processes' user and system CPU and their threads' context switches per step (threads that
exit in that window take theirs with them, so the count is a floor).
Writes bench/results/channel-wakeups.{json,md}.

Usage: bench/netem/wakeups.py [--rate 100mbit] [--model cnn] [--rule cdp-v1:none@4] [--reps 3] [--steps 40]
Needs root (namespaces), iproute2 and Debian's python3-torch.
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench  # noqa: E402

PINNED = ['cyclic-actors.dispatchers.worker.type = PinnedDispatcher', 'cyclic-actors.dispatchers.reducer.type = PinnedDispatcher']
VARIANTS = {
    "before": {"hocon": PINNED + ["cyclic-actors.transport.receive-low-water = 0"], "spin": "70"},
    "dispatcher": {"hocon": ["cyclic-actors.transport.receive-low-water = 0"], "spin": "70"},
    "low-water": {"hocon": [], "spin": "70"},
    "shipped": {"hocon": [], "spin": None},
}
NO_CUTS = "cyclic-actors.cluster.cut-every = 100000"  # DDP keeps no recovery state (docs/cluster.md)


class ProcessSampler:
    """Samples utime, stime and context switches of our nodes and DDP's ranks from /proc until stopped."""

    def __init__(self):
        self.rows, self._stop = [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            row = {"t": time.time(), "p": {}}
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    command = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
                    if not (command[0].endswith(b"/cyclic") or any(part.endswith(b"ddp.py") for part in command)):
                        continue
                    stat = open(f"/proc/{pid}/stat").read()
                    fields = stat[stat.rindex(")") + 2:].split()
                    switches = sum(self._switches(f"/proc/{pid}/task/{task}/status") for task in os.listdir(f"/proc/{pid}/task"))
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    continue
                row["p"][pid] = (int(fields[11]) / self._tick, int(fields[12]) / self._tick, switches)
            self.rows.append(row)
            self._stop.wait(0.25)

    @staticmethod
    def _switches(status_file):
        """A thread's voluntary and involuntary context switches so far (0 once it has exited)."""
        try:
            status = dict(line.split(":", 1) for line in open(status_file).read().splitlines() if ":" in line)
        except (FileNotFoundError, ProcessLookupError):
            return 0
        return int(status["voluntary_ctxt_switches"]) + int(status["nonvoluntary_ctxt_switches"])

    def per_second(self):
        """User and system CPU (cores) and context switches per second over 40-85 % of the sampled time."""
        rows = [r for r in self.rows if r["p"]]
        start, end = rows[0]["t"], rows[-1]["t"]
        a = next(r for r in rows if r["t"] >= start + 0.40 * (end - start))
        b = next(r for r in rows if r["t"] >= start + 0.85 * (end - start))
        both = [p for p in b["p"] if p in a["p"]]
        seconds = b["t"] - a["t"]
        return [sum(b["p"][p][i] - a["p"][p][i] for p in both) / seconds for i in range(3)]


def run(variant, args, work):
    if variant == "ddp":
        with ProcessSampler() as sampler:
            result = bench.run_ddp(args.model, args.steps, work)
    else:
        setting = VARIANTS[variant]
        env = {key: value for key, value in os.environ.items() if key != "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"}
        if setting["spin"] is not None:
            env["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = setting["spin"]
        with ProcessSampler() as sampler:
            result = bench.run_ours(args.cyclic, args.model, args.rule, args.steps, work, setting["hocon"] + [NO_CUTS], env=env)
    step = bench.step_time(result)
    user, system, switches = sampler.per_second()
    return {"variant": variant, "step_seconds": step, "user_ms_per_step": user * step * 1000, "system_ms_per_step": system * step * 1000,
            "context_switches_per_step": switches * step, "parameter_sha256": result.get("parameter_sha256"),
            "tcp_losses": result["tcp_losses"], "wire_bytes_sent_per_host": result["wire_bytes_sent_per_host"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", default="100mbit")
    parser.add_argument("--model", default="cnn")
    parser.add_argument("--rule", default="cdp-v1:none@4")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--variants", default="before,dispatcher,low-water,shipped,ddp")
    parser.add_argument("--cyclic", default=str(bench.ROOT / "src" / "Host" / "bin" / "Release" / "net10.0" / "cyclic"))
    parser.add_argument("--out", default=str(bench.ROOT / "bench" / "results" / "channel-wakeups"))
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("wakeups.py: needs root to make network namespaces")
    command = "bench/netem/wakeups.py " + " ".join(sys.argv[1:])
    variants = args.variants.split(",")
    runs = []
    work = pathlib.Path(tempfile.mkdtemp(prefix="wakeups-"))
    out = pathlib.Path(args.out)
    with bench.LinkSetting(args.rate):
        for rep in range(args.reps):
            for variant in variants if rep % 2 == 0 else list(reversed(variants)):
                started = time.time()
                try:
                    result = run(variant, args, work)
                except RuntimeError as failure:
                    result = {"variant": variant, "failed": str(failure)}
                result.update({"rep": rep, "load_average": os.getloadavg()[0]})
                runs.append(result)
                print(f"{variant:>10} rep {rep}: " + (result.get("failed") or
                      f"step {result['step_seconds']:.3f} s, user {result['user_ms_per_step']:.0f} ms, system {result['system_ms_per_step']:.0f} ms, "
                      f"{result['context_switches_per_step']:.0f} context switches a step") + f" ({time.time() - started:.0f} s)", flush=True)
                out.with_suffix(".json").write_text(json.dumps({"command": command, "runs": runs}, indent=1))
    write_table(out, command, args, variants, runs)


def write_table(out, command, args, variants, runs):
    def median(variant, key):
        values = [r[key] for r in runs if r["variant"] == variant and "failed" not in r]
        return statistics.median(values) if values else None

    lines = [f"# Thread wake-ups against step time on emulated hosts ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"Command: `{command}`", "",
             f"Machine: {os.cpu_count()} cores; {args.rate} links (bench/netem/hosts.sh), seed and 4 members on 5 hosts, DDP's 4 ranks on hosts 1-4; "
             f"`{args.model}`, micro-batch 32, N = 4, {args.steps} steps; ours `{args.rule}` without recovery cuts. Medians of {args.reps} runs, variants alternating. "
             "CPU and context switches: all training processes together, sampled from /proc over 40-85 % of each run's wall time.", "",
             "| Variant | Dispatcher | receive-low-water | Pool spin limit | Step (s) | User CPU (ms/step) | System CPU (ms/step) | Context switches per step |",
             "|---|---|---|---|---:|---:|---:|---:|"]
    described = {"before": ("Akka PinnedDispatcher", "0", "70"), "dispatcher": ("ours (blocks)", "0", "70"),
                 "low-water": ("ours (blocks)", "256 KiB", "70"), "shipped": ("ours (blocks)", "256 KiB", "0"), "ddp": ("PyTorch DDP (gloo)", "", "")}
    for variant in variants:
        step = median(variant, "step_seconds")
        if step is None:
            lines.append(f"| {variant} | {' | '.join(described[variant])} | failed | | | |")
            continue
        lines.append(f"| {variant} | {' | '.join(described[variant])} | {step:.3f} | {median(variant, 'user_ms_per_step'):.0f} | "
                     f"{median(variant, 'system_ms_per_step'):.0f} | {median(variant, 'context_switches_per_step'):.0f} |")
    shas = {r["parameter_sha256"] for r in runs if r["variant"] != "ddp" and "failed" not in r}
    lines += ["", f"Our runs' parameter_sha256: {', '.join(sorted(shas))} (one value: the settings change timing, not results).",
              "", "Every run's figures: the JSON file."]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
