#!/usr/bin/env bash
# Training throughput of a real 3-process cluster (cyclic seed + 2 cyclic member, 127.0.0.1) with
# stage tensors on the dedicated channel (the default) and through Akka.Remote
# (cyclic-actors.transport.path = akka), alternating the two paths so drifting machine load hits
# both alike. Same seed, so both paths must give the same parameter_sha256 (checked).
# Usage: bench/cluster/paths.sh [REPS] [RULES...]   e.g. bench/cluster/paths.sh 3 dp cdp-v1 cdp-v2
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-3}; shift || true
rules=("${@:-dp cdp-v2}"); [ $# -eq 0 ] && rules=(dp cdp-v2)
dotnet build src/Host -c Release -v q -nologo >/dev/null
cyclic=src/Host/bin/Release/net10.0/cyclic
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
echo 'cyclic-actors.transport.path = akka' > "$work/akka.conf"
stamp=$(date -u +%Y%m%d-%H%M%S); out=bench/results/cluster-paths-$stamp.md
port=4970
run() { # rule path rep
  local cfg=(); [ "$2" = akka ] && cfg=(--config "$work/akka.conf")
  port=$((port + 1))
  "$cyclic" seed --port $port --model cnn --workers 4 --steps 120 --rule "$1" --summary "$work/$1-$2-$3.json" "${cfg[@]}" --quiet >/dev/null 2>&1 &
  local seed=$!
  sleep 1
  "$cyclic" member --seed-node akka.tcp://cyclic@127.0.0.1:$port --workers-per-node 2 "${cfg[@]}" >/dev/null 2>&1 &
  "$cyclic" member --seed-node akka.tcp://cyclic@127.0.0.1:$port --workers-per-node 2 "${cfg[@]}" >/dev/null 2>&1 &
  wait
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['samples_per_second'], d['parameter_sha256'])" "$work/$1-$2-$3.json"
}
{
  echo "# Cluster training throughput: tensors on the channel vs through Akka.Remote ($(date -u '+%Y-%m-%d %H:%M') UTC)"
  echo
  echo "Command: \`bench/cluster/paths.sh $reps ${rules[*]}\`"
  echo
  echo "Machine: $(nproc) cores (shared, load average $(cut -d' ' -f1 /proc/loadavg) at the start). cyclic seed + 2 cyclic member processes (2 workers each) on 127.0.0.1; cnn, N = 4, micro-batch 8, 120 steps, MNIST subset; samples/s from the seed's summary (whole run, start-up excluded by the summary's clock). Paths alternate run by run."
  echo
  echo "| Rule | Channel samples/s (runs) | Akka.Remote samples/s (runs) | Median ratio channel / Akka | Same parameters |"
  echo "|---|---|---|---|---|"
} > "$out"
for rule in "${rules[@]}"; do
  ch=(); ak=(); same=yes
  for rep in $(seq 1 "$reps"); do
    read -r c hc < <(run "$rule" channel "$rep")
    read -r a ha < <(run "$rule" akka "$rep")
    ch+=("$c"); ak+=("$a"); [ "$hc" = "$ha" ] || same=no
    echo "$rule rep $rep: channel $c, akka $a samples/s"
  done
  python3 - "$rule" "$same" "${ch[*]}" "${ak[*]}" >> "$out" <<'PY'
import statistics, sys
rule, same, ch, ak = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3].split()], [float(x) for x in sys.argv[4].split()]
fmt = lambda xs: f"{statistics.median(xs):.0f} ({', '.join(f'{x:.0f}' for x in xs)})"
print(f"| {rule} | {fmt(ch)} | {fmt(ak)} | {statistics.median(ch) / statistics.median(ak):.2f}x | {same} |")
PY
done
cat "$out"
