#!/usr/bin/env bash
# Runs `cyclic selftest-gpu` against the fake CUDA driver, cuBLAS and cuDNN of tests/fake-cuda
# (host-memory C implementations of exactly the symbols we bind). No GPU needed: it exercises the
# whole C# path (resolver, preload by absolute path, probe, context handling, allocator, staging,
# every binding's argument wiring, descriptor plans, workspaces, ledger and handle accounting)
# against a model of the C API, and the CPU-vs-"GPU" parity table catches wrongly wired calls.
# Also checks scripts/gpu-symbols.py against the fakes. Needs a C compiler. Exit status = selftest's.
set -euo pipefail
cd "$(dirname "$0")/.."
libs=$(mktemp -d)
trap 'rm -rf "$libs"' EXIT
tests/fake-cuda/build.sh "$libs" > /dev/null
LD_LIBRARY_PATH="$libs" python3 scripts/gpu-symbols.py . "$libs/symbols.json" | tail -5
dotnet build src/Host -v q -nologo > /dev/null
CUDA_DRIVER_LIB="$libs/libcuda.so.1" CUDA_LIB_PATH="$libs" dotnet run --project src/Host --no-build -- selftest-gpu "$@"
