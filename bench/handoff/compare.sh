#!/usr/bin/env bash
# Gradient hand-off from reused arrays (GradientBuffers) against the commit before it, side by side:
# builds BASE_REV in a temporary worktree, then alternates the two builds on the same in-process
# CPU run (RUNS times each) and records samples/s, wall and system seconds and minor page faults
# per run (GNU time), their medians and the ratio, and the parameter_sha256 each run reached.
# Usage: bench/handoff/compare.sh   (env: BASE_REV, MODEL, RULE, STEPS, RUNS, WORKERS, STAGES, BATCH, OUT)
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE_REV=${BASE_REV:-17c38fa}
MODEL=${MODEL:-mlp-deep}
RULE=${RULE:-dp}
STEPS=${STEPS:-200}
RUNS=${RUNS:-3}
WORKERS=${WORKERS:-4}
STAGES=${STAGES:-4}
BATCH=${BATCH:-8}
OUT=${OUT:-bench/results/gradient-buffers-$MODEL-$RULE.md}
command -v /usr/bin/time > /dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
WORK=$(mktemp -d)
BASE_TREE="$WORK/base"
cleanup() { git worktree remove --force "$BASE_TREE" 2> /dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
git worktree add --detach "$BASE_TREE" "$BASE_REV" > /dev/null
dotnet build "$BASE_TREE/src/Host" -c Release > "$WORK/base-build.log"
dotnet build src/Host -c Release > "$WORK/new-build.log"
declare -A BIN=([base]="$BASE_TREE/src/Host/bin/Release/net10.0/cyclic" [new]="src/Host/bin/Release/net10.0/cyclic")
ROWS="$WORK/rows.jsonl"
for run in $(seq 1 "$RUNS"); do
  for build in base new; do
    /usr/bin/time -o "$WORK/time" -f '%e %S %R' "${BIN[$build]}" train --engine actors --backend cpu --model "$MODEL" \
      --workers "$WORKERS" --stages "$STAGES" --batch "$BATCH" --rule "$RULE" --steps "$STEPS" --summary "$WORK/summary.json" > /dev/null
    read -r wall sys faults < "$WORK/time"
    python3 - "$build" "$run" "$wall" "$sys" "$faults" "$WORK/summary.json" >> "$ROWS" <<'PY'
import json, sys
build, run, wall, sys_s, faults, summary = sys.argv[1:7]
s = json.load(open(summary))
print(json.dumps({"build": build, "run": int(run), "wall_seconds": float(wall), "system_seconds": float(sys_s), "minor_faults": int(faults),
                  "samples_per_second": s["samples_per_second"], "parameter_sha256": s["parameter_sha256"]}))
PY
  done
done
python3 - "$ROWS" "$OUT" "BASE_REV=$BASE_REV MODEL=$MODEL RULE=$RULE STEPS=$STEPS RUNS=$RUNS WORKERS=$WORKERS STAGES=$STAGES BATCH=$BATCH bench/handoff/compare.sh" "$(git rev-parse --short HEAD)" "$(git rev-parse --short "$BASE_REV")" "$(nproc)" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
out, how, head, base, cores = sys.argv[2:7]
by = {b: [r for r in rows if r["build"] == b] for b in ("base", "new")}
med = {b: {k: statistics.median(r[k] for r in by[b]) for k in ("samples_per_second", "wall_seconds", "system_seconds", "minor_faults")} for b in by}
lines = [f"# Gradient hand-off: reused arrays ({head}) against fresh ones ({base})", "",
         f"Command: `{how}` ({cores} cores). Runs alternate base, new.", "",
         "| build | run | samples/s | wall s | system s | minor faults | parameter_sha256 |", "|---|---:|---:|---:|---:|---:|---|"]
for r in rows:
    lines.append(f"| {r['build']} | {r['run']} | {r['samples_per_second']:.1f} | {r['wall_seconds']:.2f} | {r['system_seconds']:.2f} | {r['minor_faults']:,} | `{r['parameter_sha256'][:16]}` |")
lines += ["", "| median | samples/s | wall s | system s | minor faults |", "|---|---:|---:|---:|---:|"]
for b in ("base", "new"):
    m = med[b]
    lines.append(f"| {b} | {m['samples_per_second']:.1f} | {m['wall_seconds']:.2f} | {m['system_seconds']:.2f} | {m['minor_faults']:,.0f} |")
lines.append(f"| new / base | {med['new']['samples_per_second'] / med['base']['samples_per_second']:.2f}x | {med['new']['wall_seconds'] / med['base']['wall_seconds']:.2f}x | "
             f"{med['new']['system_seconds'] / med['base']['system_seconds']:.2f}x | {med['new']['minor_faults'] / med['base']['minor_faults']:.2f}x |")
same = len({r["parameter_sha256"] for r in rows}) == 1
lines += ["", f"Every run reached the same parameter_sha256: {'yes' if same else 'NO'}."]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines[-8:]))
PY
echo "written: $OUT"
