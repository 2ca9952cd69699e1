#!/usr/bin/env python3
"""DP vs CDP-v1 vs CDP-v2 (ours) and PyTorch DDP (gloo) on emulated hosts with shaped links.

For each link rate, bench/netem/hosts.sh makes 5 hosts (network namespaces on a bridge, each host's
link capped by htb in both directions): the seed on host 0 and 4 members with one worker each on
hosts 1-4; DDP runs its 4 ranks on hosts 1-4. Same model, micro-batch (32) and workers (4) for both.
Per run: median step time (ours: from the seed's --metrics lines; DDP: rank 0's step wall times),
the bytes each host's eth0 sent per step (/proc/net/dev in its namespace, all traffic), our tensor
payload per link (the summary's links) and how much of each member's link-sending time overlapped
its worker's compute (from the merged --trace). Writes bench/results/netem-STAMP.{json,md}.

Usage: bench/netem/bench.py [--rates 0,1gbit,100mbit,10mbit,100mbit:10ms:0.001] [--models cnn,mlp-deep] [--reps 1] [--keep-traces DIR]
--keep-traces keeps each of our runs' merged trace in DIR (named in the run's "trace"), for bench/plan/calibrate_netem.py to plan from.
A setting RATE:DELAY:LOSS runs through bench/netem/relay.py (one-way DELAY, per-packet LOSS, MTU 9000).
Needs root (namespaces), iproute2 and Debian's python3-torch; run from anywhere.
"""
import argparse
import shutil
import json
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOSTS_SH = ROOT / "bench" / "netem" / "hosts.sh"
PREFIX = "nb"
SEED_PORT = 4053
DDP_PORT = 29500
RUN_LIMIT = 900  # seconds; a run past it is killed and recorded as failed
# On a link that a step keeps full for tens of seconds, Akka's heartbeats wait (and are dropped)
# behind tensors in the link's tail-drop queue; with the shipped 10 s pause the split-brain resolver
# downs nodes (seen at 10 Mbit/s with mlp-deep). Every setting runs with these, so all compare alike.
THIN_LINK_CONFIG = """akka.cluster.failure-detector.acceptable-heartbeat-pause = 120s
akka.cluster.split-brain-resolver.stable-after = 30s
cyclic-actors.final-state-timeout = 600s
"""


def steps_for(model, rate):
    """Fewer steps where a step takes seconds, so the whole bench stays within about half an hour."""
    mbit = rate_mbit(rate)
    if model == "mlp-deep":
        return 12 if mbit == 0 or mbit >= 1000 else 8 if mbit >= 100 else 5
    return 30 if mbit == 0 or mbit >= 100 else 20


def rate_mbit(rate):
    rate = rate.split(":")[0]
    if rate == "0":
        return 0
    number, unit = rate[:-4], rate[-4:]
    return float(number) * {"kbit": 1e-3, "mbit": 1, "gbit": 1000}[unit]


def netns(host):
    return f"{PREFIX}-{host}"


def address(host):
    return f"10.233.0.{10 + host}"


def tx_bytes(host):
    out = subprocess.run(["ip", "netns", "exec", netns(host), "cat", "/proc/net/dev"], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        name, _, counters = line.partition(":")
        if name.strip() == "eth0":
            return int(counters.split()[8])
    raise RuntimeError(f"no eth0 in {netns(host)}")


def tcp_losses(host):
    """The namespace's TCP retransmitted segments and retransmission timeouts so far (/proc/net/snmp, /proc/net/netstat)."""
    counters = {}
    for table in ("/proc/net/snmp", "/proc/net/netstat"):
        lines = subprocess.run(["ip", "netns", "exec", netns(host), "cat", table], check=True, capture_output=True, text=True).stdout.splitlines()
        for names, values in zip(lines[::2], lines[1::2]):
            prefix, _, keys = names.partition(":")
            counters.update({f"{prefix}.{k}": int(v) for k, v in zip(keys.split(), values.partition(":")[2].split())})
    # A tail loss probe waits at least 10 ms (two round trips, at least that) before it resends the last segment of a burst.
    return {"retransmitted_segments": counters["Tcp.RetransSegs"], "timeouts": counters["TcpExt.TCPTimeouts"], "loss_probes": counters["TcpExt.TCPLossProbes"]}


def packet_drops(host):
    """Packets dropped on host's link so far, by where: its own htb queue (eth0, toward the switch), the switch
    port's htb queue (toward the host), and the interfaces' receive side (both ends of the veth pair)."""
    def qdisc_dropped(namespace, device):
        out = subprocess.run(["tc", "-n", namespace, "-s", "qdisc", "show", "dev", device], capture_output=True, text=True).stdout
        # Only the root's line counts: its children's drops are inside it.
        for line in out.splitlines():
            if "dropped" in line:
                return int(line.split("dropped", 1)[1].split(",")[0].split()[0])
        return 0

    def rx_dropped(namespace, device):
        out = subprocess.run(["ip", "-n", namespace, "-s", "link", "show", device], capture_output=True, text=True).stdout.splitlines()
        for i, line in enumerate(out):
            if line.strip().startswith("RX:") and i + 1 < len(out):
                return int(out[i + 1].split()[3])
        return 0

    return {"host_queue": qdisc_dropped(netns(host), "eth0"), "switch_queue": qdisc_dropped(f"{PREFIX}-sw", f"p{host}"),
            "receive": rx_dropped(netns(host), "eth0") + rx_dropped(f"{PREFIX}-sw", f"p{host}")}


def backlog_drops():
    """Packets the kernel dropped because a CPU's input backlog was full (netdev_max_backlog), all CPUs, so far."""
    with open("/proc/net/softnet_stat") as stat:
        return sum(int(line.split()[1], 16) for line in stat)


CPU_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq")


def machine_cpu():
    """The VM's CPU time so far by kind, in seconds (/proc/stat: the namespaces share it), and when it was read."""
    with open("/proc/stat") as stat:
        ticks = stat.readline().split()[1:1 + len(CPU_FIELDS)]
    return time.monotonic(), {name: int(value) / os.sysconf("SC_CLK_TCK") for name, value in zip(CPU_FIELDS, ticks)}


def host_counters():
    """Every host's eth0 bytes sent and TCP losses so far, the VM's CPU time, and this script's own and its finished
    children's CPU time (os.times); hand it to counted_since after the run."""
    return [(tx_bytes(h), tcp_losses(h), packet_drops(h)) for h in range(5)], (machine_cpu(), backlog_drops()), os.times()


def counted_since(before):
    """Per host, the eth0 bytes sent since `before`; over all hosts, the TCP retransmissions and timeouts since it; the
    VM's cores busy by kind over the run, start-up included; and the cores the run's processes used (the seed and
    members, or DDP's ranks, each `ip netns exec` exec'ing into the program: this script's children, counted once
    reaped, which wait_all has done) and this script itself used.

    This kernel accounts CPU by ticks without IRQ_TIME_ACCOUNTING: a tick that lands in softirq is counted as
    softirq in /proc/stat and also billed to whatever task it interrupted. So part of `softirq` (the kernel's packet
    work) is inside the processes' CPU, and `softirq_in_processes` bounds it from below: what the processes and this
    script used beyond all the user, nice, system and irq time of the VM (other tasks' time makes it an under-estimate)."""
    after, ((now, cpu), backlog), times = host_counters()
    hosts_before, ((then, cpu_before), backlog_before), times_before = before
    sent = [a[0] - b[0] for a, b in zip(after, hosts_before)]
    losses = {key: sum(a[1][key] - b[1][key] for a, b in zip(after, hosts_before)) for key in ("retransmitted_segments", "timeouts", "loss_probes")}
    drops = {key: sum(a[2][key] - b[2][key] for a, b in zip(after, hosts_before)) for key in ("host_queue", "switch_queue", "receive")}
    drops["backlog"] = backlog - backlog_before
    elapsed = now - then
    cores = {name: (cpu[name] - cpu_before[name]) / elapsed for name in CPU_FIELDS}
    processes = (times.children_user + times.children_system - times_before.children_user - times_before.children_system) / elapsed
    own = (times.user + times.system - times_before.user - times_before.system) / elapsed
    outside_softirq = cores["user"] + cores["nice"] + cores["system"] + cores["irq"]
    cores["processes"] = processes
    cores["bench_script"] = own
    cores["softirq_in_processes"] = min(cores["softirq"], max(0.0, processes + own - outside_softirq))
    return {"wire_bytes_sent_per_host": sent, "tcp_losses": losses, "packet_drops": drops, "machine_cpu_cores": cores}


def congestion_control(host=1):
    return subprocess.run(["ip", "netns", "exec", netns(host), "sysctl", "-n", "net.ipv4.tcp_congestion_control"], check=True, capture_output=True, text=True).stdout.strip()


def wait_all(processes, limit):
    deadline = time.time() + limit
    for process in processes:
        try:
            process.wait(timeout=max(1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            for p in processes:
                p.kill()
            raise RuntimeError(f"run exceeded {limit} s")
    return [p.returncode for p in processes]


def parse_rule(rule):
    """RULE[:COMPENSATION][@SHARDS], e.g. cdp-v2:none@4: the CDP rules' default compensation is look-ahead,
    and SHARDS splits every stage's reducer over that many members (--reducer-shards)."""
    rule, _, shards = rule.partition("@")
    name, _, compensation = rule.partition(":")
    return name, compensation, int(shards or 1)


def label(rule):
    name, compensation, shards = parse_rule(rule)
    text = {"dp": "DP", "cdp-v1": "CDP-v1", "cdp-v2": "CDP-v2"}.get(name, name)
    text += ", no look-ahead" if compensation == "none" else ""
    return text + (f", {shards} reducer shards" if shards > 1 else "")


def run_ours(cyclic, model, rule, steps, work, hocon=(), env=None):
    """One run of ours; env (default: this process's) is every node's environment."""
    name, compensation, shards = parse_rule(rule)
    extra = (["--compensation", compensation] if compensation else []) + (["--reducer-shards", str(shards)] if shards > 1 else [])
    metrics, summary, trace = work / f"{rule}.jsonl", work / f"{rule}.json", work / f"{rule}.trace.json"
    for f in work.glob(f"{rule}*"):
        f.unlink()
    config = work / "thin-link.conf"
    config.write_text(THIN_LINK_CONFIG + "".join(f"{line}\n" for line in hocon))
    seed_cmd = ["ip", "netns", "exec", netns(0), cyclic, "seed", "--config", str(config), "--host", address(0), "--port", str(SEED_PORT), "--model", model,
                "--workers", "4", "--batch", "32", "--steps", str(steps), "--rule", name, *extra, "--data", str(ROOT / "data" / "mnist"),
                "--quiet", "--eval-every", "0", "--metrics", str(metrics), "--summary", str(summary), "--trace", str(trace)]
    before = host_counters()
    logs = [open(work / f"{rule}-node{h}.log", "w") for h in range(5)]
    processes = [subprocess.Popen(seed_cmd, stdout=logs[0], stderr=subprocess.STDOUT, env=env)]
    time.sleep(1.5)
    for h in range(1, 5):
        processes.append(subprocess.Popen(
            ["ip", "netns", "exec", netns(h), cyclic, "member", "--config", str(config), "--seed-node", f"akka.tcp://cyclic@{address(0)}:{SEED_PORT}",
             "--host", address(h), "--workers-per-node", "1", "--data", str(ROOT / "data" / "mnist"), "--backend", "cpu"],
            stdout=logs[h], stderr=subprocess.STDOUT, env=env))
    codes = wait_all(processes, RUN_LIMIT)
    for log in logs:
        log.close()
    if any(codes):
        said = [line for line in (work / f"{rule}-node0.log").read_text().splitlines() if line.startswith("cyclic: ") and "warning" not in line]
        raise RuntimeError(f"exit codes {codes}; the seed said: {said[-1] if said else 'nothing'}")
    counted = counted_since(before)
    elapsed = [json.loads(line)["elapsed_seconds"] for line in metrics.read_text().splitlines() if '"step"' in line]
    step_seconds = [b - a for a, b in zip(elapsed, elapsed[1:])]
    run = json.loads(summary.read_text())
    return {"engine": "ours", "rule": rule, "steps": steps, "step_seconds": step_seconds,
            **counted, "links": run.get("links", []),
            # Per member, from the seed's summary: its ranks and reducer stages, the most activation bytes its ledger
            # held at the schedule's ticks, and the most memory its backend's pool reserved (the real peak on the CPU).
            "nodes": [{key: node.get(key) for key in ("node", "ranks", "reducer_stages", "peak_activation_bytes", "reserved_peak_bytes")}
                      for node in run.get("nodes", [])],
            "parameter_sha256": run["parameter_sha256"], "overlap": overlap(trace)}


def run_ddp(model, steps, work):
    out = work / "ddp.json"
    before = host_counters()
    processes = []
    for rank in range(4):
        processes.append(subprocess.Popen(
            ["ip", "netns", "exec", netns(rank + 1), "env", "GLOO_SOCKET_IFNAME=eth0", "/usr/bin/python3", str(ROOT / "bench" / "netem" / "ddp.py"),
             "--rank", str(rank), "--world", "4", "--master", f"{address(1)}:{DDP_PORT}", "--model", model, "--steps", str(steps),
             "--data", str(ROOT / "data" / "mnist")],
            stdout=open(out, "w") if rank == 0 else subprocess.DEVNULL, stderr=open(work / f"ddp-{rank}.log", "w")))
    codes = wait_all(processes, RUN_LIMIT)
    if any(codes):
        raise RuntimeError(f"ddp: exit codes {codes}; logs in {work}")
    counted = counted_since(before)
    result = json.loads(out.read_text())
    return {"engine": "pytorch-ddp", "rule": "ddp", "steps": steps, "step_seconds": result["step_seconds"],
            **counted, "torch": result["torch"], "parameters": result["parameters"]}


def overlap(trace_file):
    """Per member: the share of its link-sending time during which its worker ran an op (as bench/ClusterBench measures)."""
    if not trace_file.exists():
        return None
    events = json.loads(trace_file.read_text())["traceEvents"]
    names = {(e["pid"], e.get("tid")): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    shares = []
    for pid in sorted({e["pid"] for e in events}):
        spans = [e for e in events if e["pid"] == pid and e["ph"] == "X"]
        transfers = union((e["ts"], e["ts"] + e["dur"]) for e in spans if e.get("cat") == "transfer")
        compute = union((e["ts"], e["ts"] + e["dur"]) for e in spans
                        if names.get((pid, e.get("tid")), "").startswith("worker") and e.get("cat") == "op")
        sending = sum(b - a for a, b in transfers)
        if sending > 0:
            shares.append({"sending_seconds": sending / 1e6, "overlapped_seconds": sum(b - a for a, b in intersect(transfers, compute)) / 1e6})
    total = sum(s["sending_seconds"] for s in shares)
    return {"per_member": shares, "share": sum(s["overlapped_seconds"] for s in shares) / total if total else 0.0}


def union(intervals):
    merged = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def intersect(xs, ys):
    i = j = 0
    out = []
    while i < len(xs) and j < len(ys):
        a, b = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
        if b > a:
            out.append((a, b))
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return out


def measured_steps(run):
    # The first steps include start-up and, for CDP, the ramp into the cycle: its first versions
    # commit in one bunch after a long first interval, so skipping only that interval would count
    # the bunch's near-zero intervals without the time they took. Skip the first quarter.
    skip = max(1, len(run["step_seconds"]) // 4)
    return run["step_seconds"][skip:]


def step_time(run):
    """The mean over the measured steps (their wall time over their count): CDP's commits can come in
    bunches (a short interval after a long one), so the median interval can be half the real step."""
    return statistics.mean(measured_steps(run))


class LinkSetting:
    """RATE (hosts.sh: a bridge, htb on every host's link) or RATE:DELAY:LOSS (relay.py: TUN devices and a
    user-space relay adding one-way DELAY and per-packet LOSS), made on entry and removed on exit."""

    def __init__(self, setting, congestion_control=None):
        self.congestion_control = congestion_control
        self.rate, _, rest = setting.partition(":")
        self.delay, _, self.loss = rest.partition(":")
        self.relay = None

    def __enter__(self):
        hosts("down", PREFIX)
        if not self.delay and not self.loss:
            hosts("up", PREFIX, "5", self.rate)
            return self.with_congestion_control()
        self.relay = subprocess.Popen([sys.executable, str(ROOT / "bench" / "netem" / "relay.py"), PREFIX, "5", self.rate,
                                       "--delay", self.delay or "0ms", "--loss", self.loss or "0"], stdout=subprocess.PIPE, text=True)
        for line in self.relay.stdout:
            if line.strip() == "ready":
                return self.with_congestion_control()
        raise RuntimeError(f"relay.py exited with {self.relay.wait()} before it was ready")

    def with_congestion_control(self):
        """Every host's default TCP congestion control (each namespace has its own), for ours and DDP alike."""
        for host in range(5) if self.congestion_control else []:
            subprocess.run(["ip", "netns", "exec", netns(host), "sysctl", "-q", "-w", f"net.ipv4.tcp_congestion_control={self.congestion_control}"], check=True)
        return self

    def __exit__(self, *_):
        if self.relay is not None:
            self.relay.terminate()
            self.relay.wait(timeout=30)
        hosts("down", PREFIX)


def hosts(action, *args):
    return subprocess.run(["bash", str(HOSTS_SH), action, *args], check=True, capture_output=True, text=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="0,1gbit,100mbit,10mbit")
    parser.add_argument("--models", default="cnn,mlp-deep")
    parser.add_argument("--rules", default="dp,cdp-v1,cdp-v2,cdp-v2:none")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--cyclic", default=str(ROOT / "src" / "Host" / "bin" / "Release" / "net10.0" / "cyclic"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--hocon", action="append", default=[], metavar="LINE", help="a HOCON line added to our runs' config (repeatable)")
    parser.add_argument("--congestion-control", metavar="NAME", help="every host's default TCP congestion control (e.g. reno; a namespace refuses what the kernel does not allow it, cubic on this VM; default: what a new namespace inherits)")
    parser.add_argument("--steps", type=int, help="steps of every run (default: 30, or fewer where a step takes seconds)")
    parser.add_argument("--keep-traces", metavar="DIR", help="keep each of our runs' merged trace in DIR")
    parser.add_argument("--retable", metavar="JSON", help="rewrite the table of an earlier run's JSON (and add its step times) without running")
    args = parser.parse_args()
    if args.retable:
        recorded = json.loads(pathlib.Path(args.retable).read_text())
        for run in recorded["runs"]:
            if "failed" not in run:
                run["step_time_seconds"] = step_time(run)
                run["median_step_seconds"] = statistics.median(measured_steps(run))
        pathlib.Path(args.retable).write_text(json.dumps(recorded, indent=1))
        write_table(pathlib.Path(args.retable).with_suffix(""), recorded["command"], recorded["runs"], retabled=True)
        return
    if os.geteuid() != 0:
        sys.exit("bench.py: needs root to make network namespaces")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    out = pathlib.Path(args.out) if args.out else ROOT / "bench" / "results" / f"netem-{stamp}"
    command = "bench/netem/bench.py " + " ".join(sys.argv[1:])
    results = []
    work = pathlib.Path(tempfile.mkdtemp(prefix="netem-"))
    try:
        for rate in args.rates.split(","):
            with LinkSetting(rate, args.congestion_control):
                for model in args.models.split(","):
                    steps = args.steps or steps_for(model, rate)
                    for rep in range(args.reps):
                        # Alternate the order rep by rep so drifting load hits every contender alike.
                        contenders = args.rules.split(",") + ["ddp"]
                        for rule in contenders if rep % 2 == 0 else list(reversed(contenders)):
                            started = time.time()
                            try:
                                run = run_ddp(model, steps, work) if rule == "ddp" else run_ours(args.cyclic, model, rule, steps, work, args.hocon)
                                kept = work / f"{rule}.trace.json"
                                if args.keep_traces and rule != "ddp" and kept.exists():
                                    keep = pathlib.Path(args.keep_traces)
                                    keep.mkdir(parents=True, exist_ok=True)
                                    run["trace"] = str(keep / f"{rate.replace(':', '_')}-{model}-{rule.replace(':', '_')}-{rep}.trace.json")
                                    shutil.copyfile(kept, run["trace"])
                                run["step_time_seconds"] = step_time(run)
                                run["median_step_seconds"] = statistics.median(measured_steps(run))
                            except RuntimeError as failure:
                                run = {"engine": "pytorch-ddp" if rule == "ddp" else "ours", "rule": rule, "steps": steps, "failed": str(failure)}
                            run.update({"rate": rate, "model": model, "rep": rep, "load_average": os.getloadavg()[0], "congestion_control": congestion_control(),
                                        "segmentation": segmentation(rate)})
                            results.append(run)
                            outcome = run.get("failed") or f"step {run['step_time_seconds']:.3f} s (median interval {run['median_step_seconds']:.3f} s)"
                            print(f"{rate:>8} {model:>8} {rule:>12} rep {rep}: {outcome} ({time.time() - started:.0f} s)", flush=True)
                            out.with_suffix(".json").write_text(json.dumps({"command": command, "runs": results}, indent=1))
    finally:
        hosts("down", PREFIX)
    write_table(out, command, results)


def segmentation(rate, host=1):
    """What a shaped link's queue holds, as hosts.sh set up host's eth0: super-packets ("gso") or frames ("mtu",
    gso_max_segs 1); the relay and an unshaped link have no such queue."""
    if rate == "0" or ":" in rate:
        return "relay" if ":" in rate else "unshaped"
    link = subprocess.run(["ip", "-n", netns(host), "-d", "link", "show", "eth0"], check=True, capture_output=True, text=True).stdout
    return "mtu" if " gso_max_segs 1 " in link else "gso"


def gso_note(results):
    kinds = {r.get("segmentation", "mtu") for r in results} & {"gso", "mtu"}
    frames = "one MTU packet per buffer, as a wire carries frames (gso_max_segs 1)"
    offload = "the hosts' 64 KiB segmentation-offload super-packets"
    if kinds == {"gso", "mtu"}:
        return f"its queue holding {offload} where it holds at least 64 of them (100 ms at the rate; from about 336 Mbit/s), else {frames}; `segmentation` in the JSON"
    return f"its queue holding {offload if kinds == {'gso'} else frames}"


def rules_of(results):
    """Our contenders in the order they first ran."""
    return list(dict.fromkeys(r["rule"] for r in results if r["rule"] != "ddp"))


def write_table(out, command, results, retabled=False):
    machine = f"{os.cpu_count()} cores, load average {max(r.get('load_average', 0) for r in results):.2f} at most after a run"
    controls = sorted({r["congestion_control"] for r in results if r.get("congestion_control")})
    machine += f"; TCP congestion control {', '.join(controls)} on every host" if controls else ""
    lines = [f"# DP vs CDP (ours) and PyTorch DDP (gloo) on emulated hosts ({time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC)", "",
             f"Command: `{command}`" + (f" (table rewritten from its JSON by `bench/netem/bench.py --retable`)" if retabled else ""), "",
             f"Machine: {machine}. Seed on host 0, 4 members (1 worker each) on hosts 1-4; DDP's 4 ranks on hosts 1-4 "
             "(one CPU thread each). Micro-batch 32, N = 4, bundled MNIST. Ours with the failure detector's pause at 120 s, "
             "split-brain resolver's stable-after 30 s and final-state timeout 600 s (THIN_LINK_CONFIG in bench.py: with the shipped 10 s "
             "pause, heartbeats queued behind tensors got nodes downed at 10 Mbit/s). Each host's link capped by htb at the rate in both "
             f"directions (0 = unshaped veth), {gso_note(results)}; RATE:DELAY:LOSS: hosts joined by bench/netem/relay.py instead (TUN devices, MTU 9000, "
             "one-way DELAY per packet, LOSS the probability a packet is dropped; the kernel has no netem). Step time: the mean over the steps "
             "after the first quarter (CDP commits its first versions in one bunch), i.e. their wall time over their count (the median interval misleads when "
             "commits come in bunches; both are in the JSON); the median over repetitions when --reps > 1. Sent per step: the busiest host's eth0 bytes (all traffic, start-up and, "
             "for ours, the trace upload included) divided by steps. Overlap: share of members' link-sending time during which their "
             "worker computed (ours, from the merged trace).", "",
             "Columns: step time (s) of each contender; then our best over DDP; then the busiest host's bytes sent per step (MB) "
             "and the overlap, each in the contenders' order; last the TCP segments all hosts retransmitted per step, with the "
             "retransmission timeouts in brackets (/proc/net/snmp and /proc/net/netstat of every namespace), contenders' order and DDP; "
             "then the packets dropped per step anywhere on the hosts' paths (htb queues at both ends of every link, the interfaces' "
             "receive side, the CPUs' input backlogs; recorded since 2026-12-07 evening, by place in the JSON), same order.", "",
             "Contenders: " + "; ".join(f"{i + 1}. `{rule}` ({label(rule)})" for i, rule in enumerate(rules_of(results))) + f"; {len(rules_of(results)) + 1}. PyTorch DDP (gloo).", "",
             "| Rate | Model | Steps | " + " | ".join(f"{i + 1}" for i in range(len(rules_of(results)))) + f" | DDP | Best ours / DDP | Sent per step (MB) | Overlap | Retransmitted per step | Dropped per step |",
             "|---|---|---:|" + "---:|" * (len(rules_of(results)) + 2) + "---|---|---|---|"]
    keys = sorted({(r["rate"], r["model"]) for r in results}, key=lambda k: (-rate_mbit(k[0]) if k[0] != "0" else -1e9, k[0], k[1]))
    for rate, model in keys:
        runs = [r for r in results if r["rate"] == rate and r["model"] == model]
        med = {rule: statistics.median([r["step_time_seconds"] for r in runs if r["rule"] == rule and "failed" not in r])
               for rule in {r["rule"] for r in runs if "failed" not in r}}
        ours = [rule for rule in med if rule != "ddp"]
        best = min(ours, key=lambda rule: med[rule]) if ours else None
        share = lambda rule: next((f"{100 * r['overlap']['share']:.0f} %" for r in runs if r["rule"] == rule and r.get("overlap")), "-")
        sent = lambda rule: next((f"{max(r['wire_bytes_sent_per_host']) / r['steps'] / 1e6:.2f}" for r in runs if r["rule"] == rule and "failed" not in r), "-")
        lost = lambda rule: next((f"{r['tcp_losses']['retransmitted_segments'] / r['steps']:.1f} ({r['tcp_losses']['timeouts'] / r['steps']:.1f})"
                                  for r in runs if r["rule"] == rule and r.get("tcp_losses")), "-")
        dropped = lambda rule: next((f"{sum(r['packet_drops'].values()) / r['steps']:.1f}" for r in runs if r["rule"] == rule and r.get("packet_drops")), "-")
        cell = lambda rule: f"{med[rule]:.3f}" if rule in med else "failed" if any(r["rule"] == rule for r in runs) else "-"
        ratio = f"{med[best] / med['ddp']:.2f}x ({best})" if best and "ddp" in med else "-"
        ordered = rules_of(results)
        lines.append(f"| {'unshaped' if rate == '0' else rate.replace(':', ' ')} | {model} | {runs[0]['steps']} | " + " | ".join(cell(rule) for rule in ordered)
                     + f" | {cell('ddp')} | {ratio} | {' / '.join(sent(rule) for rule in ordered + ['ddp'])} | {' / '.join(share(rule) for rule in ordered)} | {' / '.join(lost(rule) for rule in ordered + ['ddp'])} | {' / '.join(dropped(rule) for rule in ordered + ['ddp'])} |")
    lines += ["", "CDP-v1 and CDP-v2 run with look-ahead unless `:none` follows the rule; look-ahead's publications carry the stage's momentum buffer beside its "
              "parameters (twice DP's parameter bytes). `@S`: every stage's reducer split into S shards over the members (--reducer-shards S), "
              "each member sending and receiving (M-1)/M of every gradient and version, a ring all-reduce's bytes; without it one member holds each stage's reducer.",
              "", "Ratio below 1: our best rule's step is shorter than DDP's. Every run's step times, link bytes and shas: the JSON file."]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
