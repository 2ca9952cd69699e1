#!/usr/bin/env python3
"""Collects bench/results/train-cpu-raw/*.json (from run-train-bench.sh) into train-cpu.json and train-cpu.md."""
import argparse
import datetime
import json
import pathlib
import platform
import statistics
import subprocess


def sh(cmd: str) -> str:
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as e:  # noqa: BLE001 - informational only
        return f"unavailable ({e})"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--raw", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--command", required=True)
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--models", required=True)
    p.add_argument("--raised-mmap", required=True)
    p.add_argument("--raised-trim", required=True)
    a = p.parse_args()
    raw = pathlib.Path(a.raw)

    lscpu = sh("lscpu")
    model_name = next((l.split(":", 1)[1].strip() for l in lscpu.splitlines() if l.startswith("Model name")), "?")
    flags = next((l.split(":", 1)[1].split() for l in lscpu.splitlines() if l.startswith("Flags")), [])
    machine = {
        "cpu_model_name": model_name,
        "avx512f": "avx512f" in flags,
        "avx2": "avx2" in flags,
        "logical_cpus": int(sh("nproc") or 0),
        "kernel": platform.release(),
        "glibc": sh("ldd --version | head -n1"),
        "load_before": (raw / "load-before.txt").read_text().strip(),
        "load_after": (raw / "load-after.txt").read_text().strip(),
        "note": "2 vCPUs shared with other engineers' builds and tests; other jobs may have been running during the measurement.",
    }
    versions = {
        "dotnet_sdk": sh("dotnet --version"),
        "torch": sh("/usr/bin/python3 -c 'import torch; print(torch.__version__)'"),
        "torch_package": sh("dpkg-query -W -f='${Version}' python3-torch"),
        "python": sh("/usr/bin/python3 --version"),
        "libblas.so.3": sh("readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu"),
        "git_commit": sh("git rev-parse --short HEAD") + (" (dirty)" if sh("git status --porcelain -- src bench ':!bench/results'") else ""),
    }

    configs = ["ours", "torch-default", "torch-raised", "torch-raised-skx"]
    labels = {"torch-default": "PyTorch, default malloc", "torch-raised": "PyTorch, raised mmap/trim thresholds",
              "torch-raised-skx": "PyTorch, raised thresholds + OPENBLAS_CORETYPE=SkylakeX"}
    models = {}
    runs_meta = {}
    for model in a.models.split():
        per = {}
        for c in configs:
            runs = [json.loads(f.read_text()) for f in sorted(raw.glob(f"{model}-{c}-r*.json"))]
            if not runs:
                continue
            medians = [r["median_samples_per_s"] for r in runs]
            per[c] = {"median_samples_per_s": round(statistics.median(medians), 1),
                      "runs_median_samples_per_s": medians,
                      "min": min(medians), "max": max(medians)}
            cpu = [r.get("median_cpu_samples_per_s") for r in runs]
            if all(v is not None for v in cpu):
                per[c]["median_cpu_samples_per_s"] = round(statistics.median(cpu), 1)
                per[c]["runs_median_cpu_samples_per_s"] = cpu
                per[c]["cpu_min"], per[c]["cpu_max"] = min(cpu), max(cpu)
            runs_meta.setdefault(c, runs[0])
            if c == "ours":
                per[c]["allocated_bytes_per_step"] = [r["allocated_bytes_per_step"] for r in runs]
                per[c]["gc_collections_gen0_1_2"] = [r["gc_collections_gen0_1_2"] for r in runs]
            if all("minor_faults_per_step" in r for r in runs):
                per[c]["minor_faults_per_step"] = [r["minor_faults_per_step"] for r in runs]
            per[c]["loss_first_last"] = [runs[0]["loss_first"], runs[0]["loss_last"]]
            per[c]["steps"] = {"warmup": runs[0]["warmup_steps"], "timed": runs[0]["timed_steps"], "block": runs[0]["block_steps"]}
        ratios = {}
        if "ours" in per:
            for c in ("torch-default", "torch-raised", "torch-raised-skx"):
                if c in per:
                    ratios[f"ours/{c}"] = round(per["ours"]["median_samples_per_s"] / per[c]["median_samples_per_s"], 3)
                    if "median_cpu_samples_per_s" in per["ours"] and "median_cpu_samples_per_s" in per[c]:
                        ratios[f"cpu-time ours/{c}"] = round(per["ours"]["median_cpu_samples_per_s"] / per[c]["median_cpu_samples_per_s"], 3)
        prof_file = raw / f"{model}-ours-profile.json"
        profile = json.loads(prof_file.read_text()) if prof_file.exists() else None
        tprof_file = raw / f"{model}-torch-profile.json"
        torch_profile = json.loads(tprof_file.read_text()).get("profile") if tprof_file.exists() else None
        models[model] = {"configs": per, "ratios": ratios, "torch_profile": torch_profile,
                         "profile": profile["profile"] | {"samples_per_s_while_profiled": profile["median_samples_per_s"]} if profile else None}

    ours_meta = runs_meta.get("ours", {})
    torch_meta = runs_meta.get("torch-default", {})
    doc = {
        "benchmark": "training throughput, batch 64, one thread, SGD(lr=0.05, momentum=0.9), cross-entropy",
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": a.command,
        "rounds": a.rounds,
        "data": ours_meta.get("data") or torch_meta.get("data"),
        "configurations": {
            "ours": "CyclicActors CpuBackend via ReferenceTrainer (1 worker, 1 stage), Release, runtime defaults (TieredCompilation/TieredPGO on, workstation non-concurrent GC)",
            "torch-default": "PyTorch, set_num_threads(1), set_num_interop_threads(1), OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1, glibc malloc defaults",
            "torch-raised": f"as torch-default plus MALLOC_MMAP_THRESHOLD_={a.raised_mmap} MALLOC_TRIM_THRESHOLD_={a.raised_trim}",
            "torch-raised-skx": "as torch-raised plus OPENBLAS_CORETYPE=SkylakeX: Debian's OpenBLAS 0.3.21 does not recognise this CPU and otherwise runs its SSE3 'Prescott' kernels for PyTorch's Linear layers (convolutions go through oneDNN, which picks its ISA itself)",
        },
        "machine": machine,
        "versions": versions | {"dotnet_runtime": ours_meta.get("runtime"), "openblas_core": torch_meta.get("openblas_core"),
                                "vector512_hw": ours_meta.get("vector512_hw")},
        "models": models,
    }
    versions = doc["versions"]
    out = pathlib.Path(a.out)
    out.with_suffix(".json").write_text(json.dumps(doc, indent=2) + "\n")

    md = [f"# Training throughput on CPU, one thread: CyclicActors vs PyTorch", "",
          f"Generated {doc['date_utc']} by `{a.command}` (raw per-run JSON in `bench/results/train-cpu-raw/`).", "",
          "Batch 64, SGD(lr=0.05, momentum=0.9), mean cross-entropy, one thread each, "
          f"data: {doc['data']}. Each run: W warm-up steps, then T timed steps in blocks of K; "
          "a run's figure is the median samples/s over its blocks, and the table gives the median over "
          f"{a.rounds} interleaved rounds (range in brackets).", "",
          ]
    present = [c for c in configs if any(c in m["configs"] for m in models.values())]
    others = [c for c in present if c != "ours"]

    def table(key: str, lo: str, hi: str, ratio_prefix: str) -> list[str]:
        rows = ["| model | ours | " + " | ".join(labels[c] for c in others) + " | " + " | ".join(f"ours / {c}" for c in others) + " |",
                "|---|" + "---:|" * (1 + 2 * len(others))]
        for model, m in models.items():
            c = m["configs"]

            def cell(k: str) -> str:
                return f"{c[k][key]:.0f} [{c[k][lo]:.0f}–{c[k][hi]:.0f}]" if k in c and key in c[k] else "–"
            rows.append(f"| {model} | {cell('ours')} | " + " | ".join(cell(o) for o in others) + " | "
                        + " | ".join(f"{m['ratios'].get(ratio_prefix + 'ours/' + o, '–')}×" for o in others) + " |")
        return rows

    md += table("median_samples_per_s", "min", "max", "")
    md += ["", "Samples per wall-clock second; target ≥ 1.0× PyTorch.", "",
           "The same runs per second of the training thread's CPU time (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, "
           "user + system, so page faults and `mmap`/`munmap` still count, but time spent descheduled by other jobs "
           "on this shared 2-vCPU machine does not). When the load average is high this is the steadier comparison; "
           "it leaves out .NET's background JIT/GC threads and any helper threads of PyTorch (there should be none with one thread).", ""]
    md += table("median_cpu_samples_per_s", "cpu_min", "cpu_max", "cpu-time ")
    md += ["", "## Configurations", ""]
    md += [f"- **{k}**: {v}" for k, v in doc["configurations"].items()]
    md += ["", f"Warm-up / timed / block steps: " + "; ".join(
        f"{mo}: {m['configs']['ours']['steps']['warmup']} / {m['configs']['ours']['steps']['timed']} / {m['configs']['ours']['steps']['block']}"
        for mo, m in models.items() if "ours" in m["configs"]), ""]
    md += ["## Machine and versions", "",
           f"- CPU: {machine['cpu_model_name']}, {machine['logical_cpus']} logical CPUs, avx512f: {'yes' if machine['avx512f'] else 'no'}, avx2: {'yes' if machine['avx2'] else 'no'}",
           f"- {machine['glibc']}; kernel {machine['kernel']}",
           f"- .NET SDK {versions['dotnet_sdk']}, runtime {versions['dotnet_runtime']}, Vector512 accelerated: {versions['vector512_hw']}",
           f"- torch {versions['torch']} (Debian python3-torch {versions['torch_package']}), {versions['python']}; BLAS: {versions['libblas.so.3']}, OpenBLAS core: {versions['openblas_core']}",
           f"- git {versions['git_commit']}",
           f"- load before: `{machine['load_before']}`", f"- load after: `{machine['load_after']}`",
           f"- **Note:** {machine['note']}", ""]
    md += ["## Where our time goes (TimingBackend, one profiled run per model)", "",
           "Stopwatch time per IComputeBackend method, accumulated over the timed steps of a separate run "
           "(the decorator adds a little overhead, so its samples/s are slightly below the table's).", ""]
    for model, m in models.items():
        pr = m["profile"]
        if not pr:
            continue
        md += [f"### {model}: {pr['step_ms']:.2f} ms/step ({pr['samples_per_s_while_profiled']:.0f} samples/s while profiled)", "",
               "| kind | ms/step | share |", "|---|---:|---:|"]
        md += [f"| {k} | {v['ms_per_step']:.3f} | {100 * v['share']:.1f}% |" for k, v in pr["by_kind"].items()]
        md += ["", "| method | calls/step | ms/step | share |", "|---|---:|---:|---:|"]
        md += [f"| {r['method']} | {r['calls_per_step']:g} | {r['ms_per_step']:.3f} | {100 * r['share']:.1f}% |" for r in pr["by_method"]]
        md.append("")
    md += ["## Where PyTorch's time goes (torch.autograd.profiler, default malloc, one profiled run per model)", ""]
    for model, m in models.items():
        tp = m.get("torch_profile")
        if not tp:
            continue
        md += [f"### {model}: {tp['step_ms']:.2f} ms/step while profiled", "",
               "| op | calls/step | self ms/step | share of profiled self time |", "|---|---:|---:|---:|"]
        md += [f"| {r['op']} | {r['calls_per_step']:g} | {r['self_ms_per_step']:.3f} | {100 * r['share_of_profiled']:.1f}% |" for r in tp["by_op"]]
        md.append("")
    notes = pathlib.Path(__file__).with_name("train-bench-notes.md")
    if notes.exists():
        md += [notes.read_text().rstrip(), ""]
    md += ["## Page faults per timed step (process-wide minor faults, per run)", ""]
    for model, m in models.items():
        md.append(f"- {model}: " + "; ".join(f"{c}: {m['configs'][c]['minor_faults_per_step']}" for c in configs
                                         if c in m["configs"] and "minor_faults_per_step" in m["configs"][c]))
    md += ["", "## GC (ours)", ""]
    for model, m in models.items():
        o = m["configs"].get("ours")
        if o:
            md.append(f"- {model}: allocated bytes/step {o['allocated_bytes_per_step']}, GCs gen0/1/2 in the timed steps {o['gc_collections_gen0_1_2']}")
    md.append("")
    out.with_suffix(".md").write_text("\n".join(md))


if __name__ == "__main__":
    main()
