#!/usr/bin/env bash
# Self-contained single-file publish of the host for the GPU test machine (no dotnet there).
# Output: artifacts/gpu/cyclic (artifacts/ is git-ignored; list it in the upload explicitly).
# The upload limit is 64 MiB for source + shared/ + artifact, so the binary must stay well below.
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/gpu
limit_mib=64
rm -rf "$out"
dotnet publish src/Host -c Release -r linux-x64 --self-contained true \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true \
  -p:DebugType=none -p:InvariantGlobalization=true -o "$out"

bytes=$(du -sb "$out" | cut -f1)
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }')
echo "published $out: ${mib} MiB ($(find "$out" -type f | wc -l) files)"
ls -la "$out"
if [ "$bytes" -ge $((limit_mib * 1048576)) ]; then
  echo "ERROR: $out is ${mib} MiB, not below the ${limit_mib} MiB upload limit" >&2
  exit 1
fi
