#!/usr/bin/env python3
"""Library inventory for the GPU test machine, without dotnet (gpu-bindings.md §7 step 4).

Loads the CUDA driver, cuBLAS, NVRTC and cuDNN with ctypes in the preload order that the .NET
resolver uses, prints their versions, and checks that every symbol our [LibraryImport] bindings
name is exported. The symbol list is taken from the C# binding sources at run time, so it cannot
drift from them. Usage: gpu-symbols.py <repo-root> <json-out>. Exit 1 when a symbol is missing.
"""
import ctypes
import glob
import json
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
JSON_OUT = sys.argv[2] if len(sys.argv) > 2 else "symbols.json"
NATIVE = os.path.join(ROOT, "src/GpuCompute/Cuda/Native")
BINDING_FILES = {
    "CudaDriverApi.cs": "libcuda.so.1",
    "CublasApi.cs": "libcublas.so.13",
    "CudnnApi.cs": "libcudnn.so.9",
}
# Looked up at run time by EventTimer (one of the two must exist).
OPTIONAL_DRIVER = ["cuEventElapsedTime_v2", "cuEventElapsedTime"]
PRELOAD = [
    "libcublasLt.so.13", "libcublas.so.13", "libnvrtc-builtins.so.13*", "libnvrtc.so.13",
    "libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9", "libcudnn_engines_runtime_compiled.so.9",
    "libcudnn_heuristic.so.9", "libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_adv.so.9", "libcudnn.so.9",
]


def bound_symbols():
    pattern = re.compile(r"public static partial [\w*]+ (\w+)\(")
    result = {}
    for name, library in BINDING_FILES.items():
        with open(os.path.join(NATIVE, name), encoding="utf-8") as source:
            result[library] = pattern.findall(source.read())
    return result


def library_dirs():
    dirs = []
    for site in sorted(glob.glob("/opt/torch/.venv/lib/python3*/site-packages")):
        for sub in ["nvidia/cu13/lib", "nvidia/cudnn/lib", "nvidia/cublas/lib", "nvidia/cuda_nvrtc/lib", "nvidia/cuda_runtime/lib"]:
            if os.path.isdir(os.path.join(site, sub)):
                dirs.append(os.path.join(site, sub))
    return dirs


def find(soname, dirs):
    for d in dirs:
        hits = sorted(glob.glob(os.path.join(d, soname)))
        if hits:
            return hits[0]
    return soname  # loader cache / LD_LIBRARY_PATH


def main():
    report = {"libraries": {}, "versions": {}, "missing": {}, "counts": {}}
    dirs = library_dirs()
    report["search_dirs"] = dirs
    handles = {}
    for soname in ["libcuda.so.1"] + PRELOAD:
        path = find(soname, dirs)
        try:
            handles[soname.replace("*", "")] = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
            report["libraries"][soname] = path
            print(f"loaded  {soname:42} {path}")
        except OSError as error:
            report["libraries"][soname] = f"FAILED: {error}"
            print(f"FAILED  {soname:42} {error}")

    def call_version(library, function, restype=ctypes.c_size_t):
        handle = handles.get(library)
        if handle is None or not hasattr(handle, function):
            return None
        f = getattr(handle, function)
        f.restype = restype
        return int(f())

    v = ctypes.c_int(0)

    def guarded(label, action):
        # A missing or failing version entry point is reported, never fatal: the symbol check follows.
        try:
            report["versions"][label] = action()
        except (AttributeError, OSError) as error:
            report["versions"][label] = f"unavailable: {error}"

    def driver_version():
        handles["libcuda.so.1"].cuDriverGetVersion(ctypes.byref(v))
        return v.value

    def nvrtc_version():
        major, minor = ctypes.c_int(0), ctypes.c_int(0)
        handles["libnvrtc.so.13"].nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
        return f"{major.value}.{minor.value}"

    def cublas_version():
        parts = []
        for prop in range(3):
            handles["libcublas.so.13"].cublasGetProperty(prop, ctypes.byref(v))
            parts.append(str(v.value))
        return ".".join(parts)

    if "libcuda.so.1" in handles:
        guarded("cuDriverGetVersion", driver_version)
    report["versions"]["cudnnGetVersion"] = call_version("libcudnn.so.9", "cudnnGetVersion")
    report["versions"]["cudnnGetCudartVersion"] = call_version("libcudnn.so.9", "cudnnGetCudartVersion")
    if "libnvrtc.so.13" in handles:
        guarded("nvrtcVersion", nvrtc_version)
    if "libcublas.so.13" in handles:
        guarded("cublasGetProperty", cublas_version)
    print("versions:", json.dumps(report["versions"]))

    failed = False
    for library, symbols in bound_symbols().items():
        handle = handles.get(library)
        missing = [s for s in symbols if handle is None or not hasattr(handle, s)]
        report["missing"][library] = missing
        report["counts"][library] = len(symbols)
        print(f"{library}: {len(symbols)} bound symbols, {len(missing)} missing {missing if missing else ''}")
        failed |= bool(missing)
    driver = handles.get("libcuda.so.1")
    present = [s for s in OPTIONAL_DRIVER if driver is not None and hasattr(driver, s)]
    report["event_elapsed"] = present
    print(f"event timing entry points present: {present}")
    failed |= not present

    with open(JSON_OUT, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=2)
    print("symbols:", "ALL PRESENT" if not failed else "MISSING SOME")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
