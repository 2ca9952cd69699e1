#!/usr/bin/env python3
"""How long a cut holds up a reducer, against one step's reduction, from the reducers' own trace
tracks (CPU). Two runs of the same training with --trace, interleaved over rounds: without
checkpoints and with --checkpoint-every K. Per reducer and step, from its trace track:

- reduction: from the arrival of the step's last contribution to the publication of the next
  version (fold of that contribution, the SGD update, the copy out and the sends): what the
  workers that wait for the version wait for once the last gradient is in;
- cut: at a step that takes a cut, from that publication to the instant the reducer has handed its
  share of the cut over ("cut at"), plus nothing else: the copies of θ_{k-1} and its momentum the
  cut needs are made before the update and so fall inside that step's reduction.

The writer's thread then serializes, hashes and writes beside training; what that takes from the
workers' cores is the step-time cost in stall.py, not a pause of the pipeline.

usage: reduction.py CYCLIC_BIN OUT_PREFIX [--rounds 3] [--model mlp-deep] [--batch 64] [--steps 60] [--every 10]
writes OUT_PREFIX.json and OUT_PREFIX.md.
"""
import json, os, re, shutil, statistics, subprocess, sys, tempfile

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "mnist")


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def spans(trace_path):
    with open(trace_path) as f:
        doc = json.load(f)
    events = doc["traceEvents"] if isinstance(doc, dict) else doc
    reducers = {e["tid"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"]["name"].startswith("reducer")}
    last_grad, publish, cut = {}, {}, {}
    for e in events:
        if e.get("ph") != "i" or e.get("tid") not in reducers:
            continue
        key = e["tid"]
        if m := re.fullmatch(r"grad s(\d+) r\d+", e["name"]):
            k = (key, int(m.group(1)))
            last_grad[k] = max(last_grad.get(k, 0), e["ts"])
        elif m := re.fullmatch(r"publish v(\d+)", e["name"]):
            publish[(key, int(m.group(1)) - 1)] = e["ts"]
        elif m := re.fullmatch(r"cut at (\d+)", e["name"]):
            cut[(key, int(m.group(1)) - 1)] = e["ts"]
    reduction = [(publish[k] - last_grad[k]) / 1000 for k in last_grad if k in publish and k not in cut]
    reduction_at_cut = [(publish[k] - last_grad[k]) / 1000 for k in cut if k in publish and k in last_grad]
    cut_hold = [(cut[k] - publish[k]) / 1000 for k in cut if k in publish]
    return reduction, reduction_at_cut, cut_hold


def main():
    binary, prefix = sys.argv[1:3]
    rounds, steps, every = int(arg("--rounds", "3")), int(arg("--steps", "60")), int(arg("--every", "10"))
    model, batch = arg("--model", "mlp-deep"), arg("--batch", "64")
    base = [binary, "train", "--model", model, "--batch", batch, "--steps", str(steps), "--epochs", "10000", "--backend", "cpu", "--data", DATA, "--quiet"]
    plain, cutting, at_cut, holds = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        trace, save = os.path.join(tmp, "trace.json"), os.path.join(tmp, "ckpt")
        for _ in range(rounds):
            for with_cuts in (False, True):
                shutil.rmtree(save, ignore_errors=True)
                extra = ["--save", save, "--checkpoint-every", str(every), "--keep", "2"] if with_cuts else []
                subprocess.run([*base, "--trace", trace, *extra], check=True, capture_output=True, timeout=1200)
                reduction, reduction_at_cut, hold = spans(trace)
                (cutting if with_cuts else plain).extend(reduction)
                if with_cuts:
                    at_cut.extend(reduction_at_cut)
                    holds.extend(hold)
    med = statistics.median
    doc = {"reduction_ms_no_checkpoints": plain, "reduction_ms_with_checkpoints_other_steps": cutting,
           "reduction_ms_at_cut_steps": at_cut, "cut_hold_ms": holds}
    with open(prefix + ".json", "w") as f:
        json.dump(doc, f, indent=1)
    lines = [f"# How long a cut holds up a reducer, against one step's reduction: {model}, micro-batch {batch}, N = L = 4, CPU, {rounds} interleaved rounds of {steps} steps", "",
             f"`python3 bench/checkpoints/reduction.py {' '.join(sys.argv[1:])}`", "",
             "Per reducer and step, from the reducers' trace tracks: *reduction* = the step's last contribution arriving → the next version published; "
             "*cut hold* = that publication → the reducer's share of the cut handed over (the copies of θ_{k−1} a cut needs fall inside the reduction).", "",
             "| | spans | median ms | max ms |", "|---|---|---|---|",
             f"| reduction, no checkpoints | {len(plain)} | {med(plain):.2f} | {max(plain):.2f} |",
             f"| reduction, checkpoint every {every}, steps without a cut | {len(cutting)} | {med(cutting):.2f} | {max(cutting):.2f} |",
             f"| reduction at a cut step | {len(at_cut)} | {med(at_cut):.2f} | {max(at_cut):.2f} |",
             f"| cut hold after the publication | {len(holds)} | {med(holds):.2f} | {max(holds):.2f} |",
             "", f"Cut hold vs one reduction (medians): {med(holds) / med(plain):.2f}×; the reduction at a cut step vs without checkpoints: {med(at_cut) / med(plain):.2f}×."]
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
