#!/usr/bin/env bash
# Builds the fake CUDA driver, cuBLAS and cuDNN into $1 (default: tests/fake-cuda/lib) with the
# real sonames, including empty stand-ins for the libraries that are only preloaded.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/lib}
mkdir -p "$out"
cc=${CC:-cc}
flags="-O2 -shared -fPIC -Wall -Wextra -Werror"
$cc $flags -Wl,-soname,libcuda.so.1 -o "$out/libcuda.so.1" "$here/fake_cuda.c"
echo 'int fake_empty_library;' > "$out/empty.c"
for lib in libcublasLt.so.13 libnvrtc.so.13 libnvrtc-builtins.so.13.0 libcudnn_graph.so.9 libcudnn_engines_precompiled.so.9 \
           libcudnn_engines_runtime_compiled.so.9 libcudnn_heuristic.so.9 libcudnn_ops.so.9 libcudnn_cnn.so.9 libcudnn_adv.so.9; do
  $cc $flags -Wl,-soname,$lib -o "$out/$lib" "$out/empty.c"
done
rm "$out/empty.c"
# The math libraries resolve the driver's cuCtxGetCurrent at load time, as the real ones use the driver.
$cc $flags -Wl,-soname,libcublas.so.13 -o "$out/libcublas.so.13" "$here/fake_cublas.c" -L"$out" -l:libcuda.so.1 -Wl,-rpath,'$ORIGIN'
$cc $flags -Wl,-soname,libcudnn.so.9 -o "$out/libcudnn.so.9" "$here/fake_cudnn.c" -L"$out" -l:libcuda.so.1 -lm -Wl,-rpath,'$ORIGIN'
echo "fake CUDA libraries in $out"
