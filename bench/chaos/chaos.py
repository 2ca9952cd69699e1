#!/usr/bin/env python3
"""Chaos trials for in-place recovery, with OS processes on loopback: a seed and three members
(2 + 1 + 1 workers, N = 4, cdp-v2 with look-ahead, mlp), one member killed with SIGKILL at a random
step and op (cyclic-actors.fault-injection, so the moment is random but reproducible from the seed),
a new member process with the same number of workers started as soon as the seed says the run
re-forms. Per trial: whether the run completed, whether its parameter_sha256 equals the failure-free
one-process run's, the time from the kill to the first step trained after the recovery, and the
steps recomputed (trained before the kill, after the cut the run rolled back to), and the reducers'
own counts from the seed's summary: contributions lost (expected minus folded) and second copies
refused, over the last round (both must be 0).

usage: chaos.py CYCLIC_BIN OUT_PREFIX [--trials 20] [--steps 120] [--seed 1] [--only 3,7]
(--only reruns those trials of the seed's sequence, e.g. to look at a failed one again)
writes OUT_PREFIX.json (every trial) and OUT_PREFIX.md (the table and the exact commands).
"""
import json, os, random, re, shutil, signal, statistics, subprocess, sys, tempfile, time

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "mnist")


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def start(cmd, log):
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)


def wait_for(path, pattern, limit, proc=None):
    deadline = time.time() + limit
    while time.time() < deadline:
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                m = re.search(pattern, f.read())
            if m:
                return m
        if proc is not None and proc.poll() is not None:
            return None
        time.sleep(0.05)
    return None


def metrics_steps(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        # Only whole lines: the seed may be writing the last one right now.
        return [json.loads(line)["step"] for line in f if line.endswith("\n") and line.strip()]


def trial(binary, tmp, training, steps, kill_step, kill_op, victim):
    workers = [2, 1, 1]
    logs, procs = [], []
    summary, metrics = os.path.join(tmp, "seed.json"), os.path.join(tmp, "metrics.jsonl")
    faults = os.path.join(tmp, "faults.conf")
    with open(faults, "w") as f:
        f.write(f"cyclic-actors.fault-injection {{ kill-at-step = {kill_step}, at-op = {kill_op} }}\n")
    seed_log = os.path.join(tmp, "seed.log")
    seed = start([binary, "seed", *training, "--port", "0", "--summary", summary, "--metrics", metrics, "--replace-timeout", "120s"], open(seed_log, "w"))
    procs.append(seed)
    m = wait_for(seed_log, r"seed (akka\.tcp://[^\s:]+:\d+):", 60, seed)
    address = m.group(1)
    members = []
    for i, w in enumerate(workers):
        cmd = [binary, "member", "--seed-node", address, "--workers-per-node", str(w), "--data", DATA, "--backend", "cpu"]
        if i == victim:
            cmd += ["--config", faults]
        members.append(start(cmd, open(os.path.join(tmp, f"member{i}.log"), "w")))
    procs += members
    result = {"kill_step": kill_step, "kill_op": kill_op, "victim_workers": workers[victim]}
    try:
        deadline = time.time() + 600
        while members[victim].poll() is None and seed.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        killed_at = time.time()
        before = metrics_steps(metrics)
        result["victim_exit"] = members[victim].returncode
        m = wait_for(seed_log, r"re-forms \(round 1\) from step (\d+)", 120, seed)
        if m is None:
            result["completed"] = False
            return result
        resume = int(m.group(1))
        replacement = start([binary, "member", "--seed-node", address, "--workers-per-node", str(workers[victim]), "--data", DATA, "--backend", "cpu"],
                            open(os.path.join(tmp, "replacement.log"), "w"))
        procs.append(replacement)
        recovered_at = None
        while seed.poll() is None and time.time() < deadline:
            seen = metrics_steps(metrics)
            if recovered_at is None and len(seen) > len(before):
                recovered_at = time.time()
            time.sleep(0.02)
        if recovered_at is None and len(metrics_steps(metrics)) > len(before):
            recovered_at = time.time()
        result.update({"resume_step": resume, "last_step_before_kill": max(before) if before else -1,
                       "steps_recomputed": (max(before) + 1 - resume) if before else 0,
                       "seconds_kill_to_first_step": (recovered_at - killed_at) if recovered_at else None,
                       "seed_exit": seed.returncode})
        result["completed"] = seed.returncode == 0
        if result["completed"]:
            with open(summary) as f:
                doc = json.load(f)
            result["parameter_sha256"] = doc["parameter_sha256"]
            result["rounds"] = doc.get("rounds", 1)
            result["contributions"] = doc.get("contributions")
        return result
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()


def main():
    binary, prefix = sys.argv[1:3]
    trials, steps, seed = int(arg("--trials", "20")), int(arg("--steps", "120")), int(arg("--seed", "1"))
    rng = random.Random(seed)
    only = {int(t) for t in arg("--only", "").split(",") if t}
    training = ["--model", "mlp", "--workers", "4", "--steps", str(steps), "--rule", "cdp-v2", "--data", DATA, "--quiet"]
    with tempfile.TemporaryDirectory() as tmp:
        ref = os.path.join(tmp, "train.json")
        subprocess.run([binary, "train", *training, "--backend", "cpu", "--summary", ref], check=True, capture_output=True, timeout=600)
        with open(ref) as f:
            expected = json.load(f)["parameter_sha256"]
        runs = []
        for t in range(trials):
            moment = (rng.randrange(8, steps - 20), rng.randrange(0, 8), rng.randrange(0, 3))
            if only and t not in only:
                continue
            work = os.path.join(tmp, f"trial{t}")
            os.makedirs(work)
            r = trial(binary, work, training, steps, *moment)
            r["trial"] = t
            r["sha_equal"] = r.get("parameter_sha256") == expected
            if not r.get("completed"):
                # Keep why: the last lines of every node's output of a failed trial.
                r["logs"] = {}
                for name in sorted(os.listdir(work)):
                    if name.endswith(".log"):
                        with open(os.path.join(work, name), errors="replace") as f:
                            r["logs"][name] = f.read().splitlines()[-40:]
            runs.append(r)
            print(json.dumps(r), flush=True)
            shutil.rmtree(work, ignore_errors=True)
    with open(prefix + ".json", "w") as f:
        json.dump({"expected_sha256": expected, "trials": runs}, f, indent=1)
    done = [r for r in runs if r.get("completed")]
    times = [r["seconds_kill_to_first_step"] for r in done if r.get("seconds_kill_to_first_step") is not None]
    recomputed = [r["steps_recomputed"] for r in done]
    counted = [r["contributions"] for r in done if r.get("contributions")]
    lost = sum(c["lost"] for c in counted)
    twice = sum(c["refused_twice"] for c in counted)
    lines = [f"# Chaos: a member killed at a random step and op, a replacement process, {trials} trials (CPU, loopback)", "",
             f"`python3 bench/chaos/chaos.py {' '.join(sys.argv[1:])}`", "",
             "Seed and three members (2 + 1 + 1 workers; N = 4, cdp-v2 with look-ahead, mlp, "
             f"{steps} steps, cuts every 10 steps, shipped failure-detector settings); the victim kills itself with SIGKILL "
             "(cyclic-actors.fault-injection), a new member process with its worker count starts when the seed says the run re-forms.", "",
             "| trials | completed | sha equal to the failure-free run | contributions lost, folded twice (reducers' counts, completed runs) | kill to first step after recovery, s (median, max) | steps recomputed (median, max) |",
             "|---|---|---|---|---|---|",
             f"| {len(runs)} | {len(done)} | {sum(1 for r in runs if r['sha_equal'])} | {lost}, {twice} (over {len(counted)} runs) | "
             f"{statistics.median(times):.1f}, {max(times):.1f} | {statistics.median(recomputed):.0f}, {max(recomputed)} |" if times else f"| {len(runs)} | {len(done)} | - | - | - | - |",
             "", "Per trial (step and op of the kill, the victim's workers, where the run resumed):", "",
             "| trial | kill at step.op | victim workers | resumed from | recomputed | kill to first step, s | completed | sha equal |",
             "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        s = r.get("seconds_kill_to_first_step")
        lines.append(f"| {r['trial']} | {r['kill_step']}.{r['kill_op']} | {r['victim_workers']} | {r.get('resume_step', '-')} | {r.get('steps_recomputed', '-')} | "
                     f"{s:.1f} |" if s is not None else f"| {r['trial']} | {r['kill_step']}.{r['kill_op']} | {r['victim_workers']} | {r.get('resume_step', '-')} | {r.get('steps_recomputed', '-')} | - |")
        lines[-1] += f" {'yes' if r.get('completed') else 'no'} | {'yes' if r['sha_equal'] else 'no'} |"
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
