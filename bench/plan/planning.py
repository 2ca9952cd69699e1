"""What the bench/plan scripts share: where the built `cyclic` is, and running `cyclic plan` or stopping with its output."""
import json
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
CYCLIC = str(ROOT / "src" / "Host" / "bin" / "Release" / "net10.0" / "cyclic")


def plan(cyclic, args):
    """Runs `cyclic plan ARGS`; a failure stops the script with the command and what it printed."""
    done = subprocess.run([cyclic, "plan", *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"cyclic plan {' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done.stdout


def plan_rule(cyclic, args, rule, out):
    """Runs `cyclic plan ARGS --json OUT` for one rule and returns that rule's figures from the first case."""
    plan(cyclic, [*args, "--json", str(out)])
    return json.loads(pathlib.Path(out).read_text())["cases"][0]["rules"][rule]


def write_rows(out_md, regime, command, steps, memory):
    """Writes beside OUT_MD (x.md -> x.rows.json) the rows `calibration_summary.py` gathers into bench/results/plan-calibration.md.

    steps: [{"case", "measured", "from_trace", "from_profile"}] in seconds (a plan missing: None), and "from_run" where the
    case was also planned from a short run of its own made on this machine (`cyclic plan --costs run`);
    memory: [{"case", "measured", "from_trace", "from_profile", "bound"}] in bytes (likewise, "from_run" too).
    """
    out = pathlib.Path(out_md)
    rows = {"regime": regime, "command": command, "details": out.name, "steps": steps, "memory": memory}
    out.with_name(out.stem + ".rows.json").write_text(json.dumps(rows, indent=1) + "\n")


def medians_by_case(rows):
    """Rows of the same case (`write_rows`' schema) over several runs as one, in the order the cases first came: the medians of
    each figure (a plan missing in any run: None), how many runs, and their measured figures."""
    cases = {}
    for row in rows:
        cases.setdefault(row["case"], []).append(row)

    def median(runs, key):
        values = [run[key] for run in runs]
        return None if any(value is None for value in values) else statistics.median(values)

    return [{"case": case, "runs": len(runs), "measured_runs": [run["measured"] for run in runs], "measured": median(runs, "measured"),
             "from_trace": median(runs, "from_trace"), "from_profile": median(runs, "from_profile"),
             **({"from_run": median(runs, "from_run")} if "from_run" in runs[0] else {}),
             **({"bound": median(runs, "bound")} if "bound" in runs[0] else {})}
            for case, runs in cases.items()]


def summary_row(case):
    """A `medians_by_case` case as `write_rows` takes it."""
    return {key: value for key, value in case.items() if key not in ("runs", "measured_runs")}
