#!/usr/bin/env python3
"""A run's own timeline through `cyclic plan`'s pool model, size by size, beside what the run's CPU pool held.

A plan's memory can be off in two places: how each op holds its buffers (the pool model) and when the
workers' ops run (the simulated timeline). This takes the second out. It feeds the op spans of a
`cyclic train --trace` run, as they happened, through the pool model both ways `cyclic plan --op-buffers`
offers: each op's buffers at their most from its start to its end (whole), and each rent and return at its
moment inside the op (timed). It sets the counts per buffer size beside the pool's own (`reserved_by_size`
in the run's `--summary`). Where the real timeline through a model matches the pool, what is left of a
plan's error is its simulated timeline.

Usage: bench/plan/replay_pool.py TRACE PLAN.json [SUMMARY.json]
  TRACE: `cyclic train --trace` (a cluster's merged trace: each process on its own).
  PLAN.json: `cyclic plan --op-buffers timed --json` of the same model, stages and micro-batch; its
  stage_costs carry each op's buffer events ([fraction of the op, bytes, +1 or -1]).
  SUMMARY.json: the run's `cyclic train --summary` (one process), for the pool's own counts.
"""
import collections
import json
import pathlib
import re
import sys

SPAN = re.compile(r"^([FBP])(\d+)\.s(\d+)$")


def op_events(plan):
    """(kind, stage) -> [(fraction, bytes, change)], and the look-ahead scratch's size."""
    stages = plan["stage_costs"]
    ops = {}
    for stage in stages:
        for kind, key in (("F", "forward_buffer_events"), ("B", "backward_buffer_events")):
            events = stage.get(key)
            if not events:
                sys.exit(f"{key} missing for stage {stage['stage']}: plan with `cyclic plan --op-buffers timed --json`")
            ops[(kind, stage["stage"])] = [(float(at), int(size), int(change)) for at, size, change in events]
    return ops, max(stage["parameter_bytes"] for stage in stages), {stage["parameter_bytes"] for stage in stages}


def whole(events):
    """An op's events held whole, as the pool model's Started and Finished: its most of each size from its
    start, down to what it leaves out at its end."""
    count, most = collections.Counter(), collections.Counter()
    for _, size, change in events:
        count[size] += change
        most[size] = max(most[size], count[size])
    return [(0.0, size, 1) for size, n in most.items() for _ in range(n)] + \
           [(1.0, size, -1) for size in count for _ in range(most[size] - count[size])]


def replay(spans, ops, scratch, timed):
    """The most buffers of each size out at once when the spans' ops rent and return as the model says."""
    changes = []
    forward_start = {}
    for name, start, end, tid in spans:
        kind, stage, step = name
        if kind == "P":
            # The look-ahead point: timed, its scratch is out for the span; whole, to the end of its forward.
            forward_start[(tid, stage, step)] = start
            if timed:
                changes += [(start, 1, scratch, 1), (end, 0, scratch, -1)]
            continue
        for at, size, change in (ops[(kind, stage)] if timed else whole(ops[(kind, stage)])):
            changes.append((start + at * (end - start), 0 if change < 0 else 1, size, change))
        if kind == "F" and not timed and (tid, stage, step) in forward_start:
            changes += [(forward_start[(tid, stage, step)], 1, scratch, 1), (end, 0, scratch, -1)]
    changes.sort()
    out, most = collections.Counter(), collections.Counter()
    for _, _, size, change in changes:
        out[size] += change
        most[size] = max(most[size], out[size])
    return most


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    trace = json.loads(pathlib.Path(sys.argv[1]).read_text())
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    ops, scratch, parameter_sizes = op_events(json.loads(pathlib.Path(sys.argv[2]).read_text()))
    pool = {int(size): count for size, count in json.loads(pathlib.Path(sys.argv[3]).read_text())["reserved_by_size"].items()} \
        if len(sys.argv) == 4 else None
    by_process = collections.defaultdict(list)
    for entry in events:
        match = SPAN.match(entry.get("name", "")) if entry.get("ph") == "X" else None
        if match and entry.get("cat") in ("op", "handling"):
            start = entry["ts"] / 1e6
            by_process[entry["pid"]].append(((match.group(1), int(match.group(2)), int(match.group(3))), start, start + entry["dur"] / 1e6, entry["tid"]))
    if pool is not None and len(by_process) != 1:
        sys.exit(f"the trace has {len(by_process)} processes; a summary's pool is one process's")
    sizes_of_ops = {size for events_of_op in ops.values() for _, size, _ in events_of_op} | {scratch}
    for pid, spans in sorted(by_process.items()):
        timed, held = replay(spans, ops, scratch, True), replay(spans, ops, scratch, False)
        print(f"process {pid}: {len(spans)} spans")
        print(f"| bytes | {'pool | ' if pool else ''}timeline, timed | timeline, whole |")
        print(f"|---:|{'---:|' if pool else ''}---:|---:|")
        for size in sorted(sizes_of_ops, reverse=True):
            if timed[size] or held[size] or (pool and pool.get(size)):
                shared = " (a stage's parameters' size too)" if size in parameter_sizes else ""
                print(f"| {size}{shared} | {str(pool.get(size, 0)) + ' | ' if pool else ''}{timed[size]} | {held[size]} |")
        # Sizes a stage's parameters share (the look-ahead scratch's among them) also hold replicas, gradients and
        # reducer state in the pool: left out of the totals.
        compared = sizes_of_ops - parameter_sizes
        total = lambda counts: sum(size * counts.get(size, 0) for size in compared) / 1e6
        line = f"op buffers of the sizes no stage's parameters share (MB): timed {total(timed):.1f}, whole {total(held):.1f}"
        if pool:
            line += f", the pool's {total(pool):.1f}"
        print(line + "\n")


if __name__ == "__main__":
    main()
