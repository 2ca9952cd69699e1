#!/usr/bin/env bash
# Single-thread SGEMM, ours vs OpenBLAS, on this machine's CPU; writes bench/results/gemm-cpu.{json,md}.
# Three OpenBLAS set-ups: the environment as it is; with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed
# (a set OPENBLAS_CORETYPE pins older kernels); and pinned to SkylakeX, because OpenBLAS 0.3.21 does not
# recognise newer Xeons (e.g. model 207) and falls back to its SSE3 "Prescott" kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench/GemmBench -v q -nologo
dll=bench/GemmBench/bin/Release/net10.0/GemmBench.dll
rm -f bench/results/gemm-cpu.json bench/results/gemm-cpu.md

run() {
    local label=$1
    shift
    local command="$* dotnet $dll --label $label"
    echo "== $command"
    "$@" dotnet "$dll" --label "$label" --command "$command" --out bench/results/gemm-cpu
}

run env-as-is env
run env-unset env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
run coretype-skylakex env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=SkylakeX
