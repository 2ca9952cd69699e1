#!/usr/bin/env python3
"""PyTorch baseline for CyclicActors' GPU benchmark: the same architectures, batch sizes and GPU.

Runs on the GPU test machine with /opt/torch/.venv/bin/python3 (no network). Float32 with TF32
disabled by default (matching our CUDA backend's default); SGD lr 0.05, momentum 0.9;
synthetic data already on the GPU (the benchmark measures training steps, not data loading).
Reports samples/s as batch / median step time of the timed iterations (after warm-up, each step
ended by torch.cuda.synchronize) and peak memory (torch.cuda.max_memory_allocated) per run.

Architectures (the C# models must implement exactly these; all convolutions and linears have biases,
PyTorch's default):

  cnn, input 1x28x28:
    Conv2d(1, 32, 3) -> ReLU -> MaxPool2d(2)            # 32x26x26 -> 32x13x13
    Conv2d(32, 64, 3) -> ReLU -> MaxPool2d(2)           # 64x11x11 -> 64x5x5
    Flatten -> Linear(1600, 128) -> ReLU -> Linear(128, 10)

  resnet-mini, input 3x32x32:
    stem:   Conv2d(3, 32, 3, padding=1) -> ReLU                               # 32x32x32
    block(c_in, c_out, s):
        main     = Conv2d(c_in, c_out, 3, stride=s, padding=1) -> ReLU -> Conv2d(c_out, c_out, 3, padding=1)
        shortcut = identity                     if c_in == c_out and s == 1
                   Conv2d(c_in, c_out, 1, stride=s)  otherwise (1x1 projection, no padding)
        out      = ReLU(main + shortcut)
    blocks: block(32, 32, 1)    # 32x32x32
            block(32, 64, 2)    # 64x16x16 (projection)
            block(64, 64, 1)    # 64x16x16
            block(64, 128, 2)   # 128x8x8  (projection)
    head:   Flatten -> Linear(128*8*8 = 8192, 10)
    (no batch norm, no global pooling)

Loss: mean cross-entropy over the batch (nn.CrossEntropyLoss). Labels are uniform random in [0, 10).
Usage: torch_bench.py [--models cnn resnet-mini] [--batch 32 128] [--warmup 10] [--iters 30]
                      [--allow-tf32] [--seed 0] --json out.json
"""
import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.relu = nn.ReLU()
        self.shortcut = nn.Identity() if (c_in == c_out and stride == 1) else nn.Conv2d(c_in, c_out, 1, stride=stride)

    def forward(self, x):
        return self.relu(self.conv2(self.relu(self.conv1(x))) + self.shortcut(x))


def build(name):
    if name == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
        return model, (1, 28, 28)
    if name == "resnet-mini":
        model = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(),
            ResidualBlock(32, 32, 1), ResidualBlock(32, 64, 2),
            ResidualBlock(64, 64, 1), ResidualBlock(64, 128, 2),
            nn.Flatten(), nn.Linear(128 * 8 * 8, 10))
        return model, (3, 32, 32)
    raise ValueError(f"unknown model {name}")


def run(name, batch, args, device):
    torch.manual_seed(args.seed)
    model, shape = build(name)
    model = model.to(device=device, dtype=torch.float32)
    parameters = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, *shape, device=device, dtype=torch.float32)
    y = torch.randint(0, 10, (batch,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats(device)
    for _ in range(args.warmup):
        step()
    torch.cuda.synchronize()

    times = []
    loss = None
    for _ in range(args.iters):
        start = time.perf_counter()
        loss = step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)

    median = statistics.median(times)
    return {
        "model": name,
        "batch": batch,
        "parameters": parameters,
        "warmup": args.warmup,
        "iterations": args.iters,
        "median_step_s": median,
        "min_step_s": min(times),
        "samples_per_s": batch / median,
        "peak_memory_bytes": torch.cuda.max_memory_allocated(device),
        "final_loss": float(loss.item()) if loss is not None else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["cnn", "resnet-mini"])
    parser.add_argument("--batch", nargs="+", type=int, default=[32, 128])
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--allow-tf32", action="store_true", help="let matmuls and convolutions use TF32 (off by default)")
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    if not torch.cuda.is_available():
        print("CUDA not available to PyTorch", file=sys.stderr)
        return 2

    torch.backends.cuda.matmul.allow_tf32 = args.allow_tf32
    torch.backends.cudnn.allow_tf32 = args.allow_tf32
    torch.backends.cudnn.benchmark = False  # heuristic algorithm choice, like our backend
    device = torch.device("cuda:0")

    results = []
    for name in args.models:
        for batch in args.batch:
            result = run(name, batch, args, device)
            results.append(result)
            print(f"{name:12} batch {batch:4}: {result['samples_per_s']:10.1f} samples/s, "
                  f"median step {result['median_step_s'] * 1e3:8.3f} ms, peak {result['peak_memory_bytes'] / 2**20:8.1f} MiB",
                  flush=True)

    report = {
        "device": torch.cuda.get_device_name(device),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "tf32": args.allow_tf32,
        "dtype": "float32",
        "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
        "results": results,
    }
    with open(args.json, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=2)
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
