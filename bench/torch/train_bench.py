#!/usr/bin/python3
"""PyTorch side of the training-throughput benchmark (bench/run-train-bench.sh).

Trains the same `cnn` / `mlp` as CyclicActors' presets with SGD(lr=0.05, momentum=0.9) and
CrossEntropyLoss on one CPU thread, W warm-up steps then T timed steps cut into blocks of K steps,
and prints (and optionally writes) JSON with samples/s per block and their median.

Data: the bundled MNIST IDX files (data/mnist/*.gz), normalised like MnistReader
((x/255 - 0.1307) / 0.3081), or synthetic data of the same shape. Each step gathers its batch from
a per-epoch random permutation (as CyclicActors' DataOrder does), so both sides pay for a gather.
Run with Debian's /usr/bin/python3 (python3-torch), not a pyenv python.
"""
import argparse
import ctypes
import ctypes.util
import gzip
import json
import math
import os
import pathlib
import platform
import resource
import statistics
import struct
import time

import torch
from torch import nn

from presets import build


def read_idx(path: pathlib.Path) -> tuple[list[int], bytes]:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    magic = struct.unpack(">I", raw[:4])[0]
    dims = list(struct.unpack(f">{magic & 0xFF}I", raw[4:4 + 4 * (magic & 0xFF)]))
    return dims, raw[4 + 4 * len(dims):]


def find_mnist() -> pathlib.Path:
    for start in (pathlib.Path.cwd(), pathlib.Path(__file__).resolve().parent):
        for d in (start, *start.parents):
            candidate = d / "data" / "mnist"
            if (candidate / "train-images-idx3-ubyte.gz").exists() or (candidate / "train-images-idx3-ubyte").exists():
                return candidate
    raise SystemExit("data/mnist not found; pass --data-dir")


def load(data: str, data_dir: str | None, seed: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    if data == "mnist":
        d = pathlib.Path(data_dir) if data_dir else find_mnist()

        def pick(name: str) -> pathlib.Path:
            return d / name if (d / name).exists() else d / (name + ".gz")

        dims, pixels = read_idx(pick("train-images-idx3-ubyte"))
        _, labels = read_idx(pick("train-labels-idx1-ubyte"))
        x = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).reshape(dims[0], 1, dims[1], dims[2])
        x = (x.float() / 255.0 - 0.1307) / 0.3081
        y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
        return x.contiguous(), y, "mnist-train"
    g = torch.Generator().manual_seed(seed)
    prototypes = torch.rand(10, 1, 28, 28, generator=g) * 2 - 1
    y = torch.randint(0, 10, (60000,), generator=g)
    x = 0.5 * prototypes[y] + (torch.rand(60000, 1, 28, 28, generator=g) * 2 - 1)
    return x.contiguous(), y, "synthetic"


def openblas_corename() -> str | None:
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="cnn")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--block", type=int, default=10)
    p.add_argument("--data", default="mnist", choices=["mnist", "synthetic"])
    p.add_argument("--data-dir")
    p.add_argument("--json")
    p.add_argument("--label", default="")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", action="store_true",
                   help="run the timed steps under torch.autograd.profiler and add self CPU time per op to the JSON")
    a = p.parse_args()
    if a.warmup < 1 or a.block < 1 or a.steps < a.block:
        raise SystemExit("need --warmup >= 1, --block >= 1, --steps >= --block")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    x_all, y_all, data_name = load(a.data, a.data_dir, a.seed)
    model = build(a.model)
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    n = x_all.shape[0]
    steps_per_epoch = n // a.batch
    total = a.warmup + a.steps
    perm = None
    ends = [0.0] * total
    cpu_ends = [0.0] * total
    losses = [0.0] * total
    clock = time.perf_counter
    profiler = None
    start = clock()
    for step in range(total):
        if a.profile and step == a.warmup:
            profiler = torch.autograd.profiler.profile()
            profiler.__enter__()
        epoch, k = divmod(step, steps_per_epoch)
        if k == 0:
            perm = torch.randperm(n, generator=torch.Generator().manual_seed(a.seed + epoch))
        idx = perm[k * a.batch:(k + 1) * a.batch]
        xb = x_all.index_select(0, idx)
        yb = y_all.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        losses[step] = loss.item()
        if not math.isfinite(losses[step]):
            raise SystemExit(f"non-finite loss at step {step}")
        ends[step] = clock() - start
        if step == a.warmup - 1:
            faults_at_warmup = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        cpu_ends[step] = time.thread_time()

    minor_faults_per_step = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_at_warmup) / a.steps
    if profiler is not None:
        profiler.__exit__(None, None, None)
    blocks = []
    for first in range(a.warmup, total - a.block + 1, a.block):
        blocks.append(a.block * a.batch / (ends[first + a.block - 1] - ends[first - 1]))
    cpu_blocks = []
    for first in range(a.warmup, total - a.block + 1, a.block):
        cpu_blocks.append(a.block * a.batch / (cpu_ends[first + a.block - 1] - cpu_ends[first - 1]))
    timed = ends[-1] - ends[a.warmup - 1]
    env_keys = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE")
    result = {
        "impl": "pytorch",
        "label": a.label,
        "model": a.model,
        "data": data_name,
        "batch": a.batch,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "optimizer": "SGD lr=0.05 momentum=0.9; zero_grad(set_to_none=True)",
        "warmup_steps": a.warmup,
        "timed_steps": a.steps,
        "block_steps": a.block,
        "samples_per_s_blocks": [round(b, 1) for b in blocks],
        "median_samples_per_s": round(statistics.median(blocks), 1),
        "timed_mean_samples_per_s": round(a.steps * a.batch / timed, 1),
        # samples per second of this thread's CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID)):
        # robust to being descheduled by other jobs; page faults and other kernel work still count.
        "cpu_samples_per_s_blocks": [round(b, 1) for b in cpu_blocks],
        "median_cpu_samples_per_s": round(statistics.median(cpu_blocks), 1),
        # page faults per timed step (process-wide): fresh mmapped blocks fault in on first touch
        "minor_faults_per_step": round(minor_faults_per_step, 1),
        "loss_first": losses[0],
        "loss_last": losses[-1],
        "torch": torch.__version__,
        "python": platform.python_version(),
        "python_executable": os.path.realpath(__import__("sys").executable),
        "cpu_capability": torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else None,
        "mkldnn": torch.backends.mkldnn.is_available(),
        "openblas_core": openblas_corename(),
        "env": {k: os.environ.get(k) for k in env_keys},
    }
    if profiler is not None:
        ops = sorted(profiler.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
        total_self = sum(e.self_cpu_time_total for e in ops)
        result["profile"] = {
            "note": "torch.autograd.profiler, self CPU time per op over the timed steps (profiler overhead included in the samples/s)",
            "step_ms": round(timed * 1000 / a.steps, 4),
            "by_op": [{"op": e.key, "calls_per_step": round(e.count / a.steps, 2),
                       "self_ms_per_step": round(e.self_cpu_time_total / 1000 / a.steps, 4),
                       "share_of_profiled": round(e.self_cpu_time_total / total_self, 4)}
                      for e in ops[:15]],
        }
    text = json.dumps(result, indent=2)
    if a.json:
        pathlib.Path(a.json).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
