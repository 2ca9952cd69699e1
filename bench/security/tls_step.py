#!/usr/bin/env python3
"""The training step with and without --tls, across 3 processes on loopback (a seed and two members,
2 workers each, N = 4): the same training interleaved (plain, tls, plain, tls, ...) so the machine's
drift hits both alike. Per run: the median step time from the seed's --metrics (the step-to-step
difference of elapsed_seconds, steps after the first --skip), the parameter_sha256 (it must be the
same with and without TLS: encryption changes no bit), and that every member link carried bytes.

usage: tls_step.py CYCLIC_BIN OUT_PREFIX [--runs 5] [--steps 60] [--skip 5] [--model mlp]
writes OUT_PREFIX.json (every run) and OUT_PREFIX.md (the table and the exact commands).
"""
import json, os, platform, re, shutil, statistics, subprocess, sys, tempfile, time

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "mnist")


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def wait_for(path, pattern, limit, proc):
    deadline = time.time() + limit
    while time.time() < deadline:
        with open(path, errors="replace") as f:
            m = re.search(pattern, f.read())
        if m:
            return m
        if proc.poll() is not None:
            return None
        time.sleep(0.05)
    return None


def run(binary, tmp, training, tls, skip, label):
    summary, metrics, seed_log = (os.path.join(tmp, f"{label}.{x}") for x in ("json", "jsonl", "seed.log"))
    extra = (lambda name: ["--tls", os.path.join(tmp, "certs", name)]) if tls else (lambda name: [])
    seed_cmd = [binary, "seed", *training, "--port", "0", "--summary", summary, "--metrics", metrics, *extra("seed")]
    procs = [subprocess.Popen(seed_cmd, stdout=open(seed_log, "w"), stderr=subprocess.STDOUT)]
    try:
        m = wait_for(seed_log, r"seed (akka(?:\.ssl)?\.tcp://\S+:\d+):", 60, procs[0])
        if m is None:
            raise RuntimeError(f"the seed did not start:\n{open(seed_log).read()}")
        member_cmds = [[binary, "member", "--seed-node", m.group(1), "--workers-per-node", "2", "--data", DATA, "--backend", "cpu", *extra(f"member{i}")] for i in (1, 2)]
        for i, cmd in enumerate(member_cmds):
            procs.append(subprocess.Popen(cmd, stdout=open(os.path.join(tmp, f"{label}.member{i}.log"), "w"), stderr=subprocess.STDOUT))
        codes = [p.wait(timeout=600) for p in procs]
        if any(codes):
            raise RuntimeError(f"{label}: exit codes {codes}:\n{open(seed_log).read()[-3000:]}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    with open(metrics) as f:
        elapsed = [json.loads(line)["elapsed_seconds"] for line in f if line.strip()]
    steps = [b - a for a, b in zip(elapsed, elapsed[1:])][skip:]
    with open(summary) as f:
        s = json.load(f)
    links = s.get("links", [])
    return {
        "tls": tls,
        "median_step_seconds": statistics.median(steps),
        "steps_measured": len(steps),
        "parameter_sha256": s["parameter_sha256"],
        "link_bytes": [l["tensor_bytes_sent"] for l in links],
        "seed_command": " ".join(seed_cmd),
        "member_command": " ".join(member_cmds[0]),
    }


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    binary, prefix = sys.argv[1], sys.argv[2]
    runs, steps, skip, model = int(arg("--runs", 5)), int(arg("--steps", 60)), int(arg("--skip", 5)), arg("--model", "mlp")
    training = ["--model", model, "--workers", "4", "--steps", str(steps), "--data", DATA, "--quiet"]
    tmp = tempfile.mkdtemp(prefix="tls-step-")
    try:
        certs = os.path.join(tmp, "certs")
        subprocess.run([binary, "certs", "init", "--out", os.path.join(certs, "ca")], check=True, capture_output=True)
        for name in ("seed", "member0", "member1", "member2"):
            subprocess.run([binary, "certs", "issue", "--ca", os.path.join(certs, "ca"), "--name", name, "--host", "127.0.0.1", "--out", os.path.join(certs, name)], check=True, capture_output=True)
        results = []
        for r in range(runs):
            for tls in (False, True):
                result = run(binary, tmp, training, tls, skip, f"run{r}-{'tls' if tls else 'plain'}")
                results.append(result)
                print(f"run {r} {'tls  ' if tls else 'plain'} median step {result['median_step_seconds']*1000:.1f} ms  sha {result['parameter_sha256'][:12]}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    plain = [x["median_step_seconds"] for x in results if not x["tls"]]
    tls = [x["median_step_seconds"] for x in results if x["tls"]]
    pairs = [t / p for p, t in zip(plain, tls)]
    same_sha = len({x["parameter_sha256"] for x in results}) == 1
    command = " ".join([os.path.relpath(__file__), *sys.argv[1:]])
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "unknown"
    report = {"command": command, "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "load_average_at_end": load},
              "training": training, "runs": results, "median_step_plain_seconds": statistics.median(plain), "median_step_tls_seconds": statistics.median(tls),
              "median_ratio_tls_to_plain": statistics.median(pairs), "same_parameter_sha256": same_sha}
    with open(prefix + ".json", "w") as f:
        json.dump(report, f, indent=2)
    lines = [
        "# Training step with and without --tls, 3 processes on loopback",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {os.cpu_count()} cores (shared; load average {load} at the end), {platform.platform()}. Seed + 2 members (2 workers each), "
        f"{' '.join(training[:4])}, {steps} steps, cdp-v2 with look-ahead (the CLI's defaults), tensors on the dedicated channel; "
        f"with TLS: certificates from `cyclic certs`, `--tls DIR` on every node (Akka.Remote and the tensor channel both mutual TLS).",
        "",
        "| Run | Plain median step (ms) | TLS median step (ms) | TLS / plain |",
        "|---|---|---|---|",
    ]
    for i, (p, t) in enumerate(zip(plain, tls)):
        lines.append(f"| {i} | {p*1000:.1f} | {t*1000:.1f} | {t/p:.2f} |")
    lines += ["", f"Median over runs: plain {statistics.median(plain)*1000:.1f} ms, TLS {statistics.median(tls)*1000:.1f} ms; median of the per-run ratios {statistics.median(pairs):.2f}.",
              f"Every run's parameter_sha256 equal: {'yes' if same_sha else 'NO'} ({results[0]['parameter_sha256']}).",
              f"Seed command (TLS run): `{next(x for x in results if x['tls'])['seed_command']}`; member: `{next(x for x in results if x['tls'])['member_command']}`."]
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if same_sha else 1


if __name__ == "__main__":
    sys.exit(main())
