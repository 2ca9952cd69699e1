#!/usr/bin/python3
"""PyTorch DDP (gloo) on the same emulated hosts, model, micro-batch and workers as our cluster run.

One process per rank (run it in each host's namespace); rank 0 prints one JSON object: the wall
time of every step (a step = forward, backward with DDP's bucketed ring all-reduce overlapped,
optimizer step on every rank), measured on rank 0 between barriers' ends. Same layers as our presets
(cnn, mlp-deep), the bundled MNIST subset normalised like MnistReader, SGD lr 0.05 momentum 0.9.
One CPU thread per rank (our workers run one op at a time each). Run with Debian's /usr/bin/python3.
"""
import argparse
import gzip
import json
import os
import struct
import time

import pathlib
import sys

import torch
import torch.distributed as dist
from torch import nn

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "torch"))
from presets import build  # noqa: E402


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = struct.unpack(">I", data[:4])[0] & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rank", type=int, required=True)
    parser.add_argument("--world", type=int, required=True)
    parser.add_argument("--master", required=True, help="ADDRESS:PORT of rank 0")
    parser.add_argument("--model", default="cnn")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--data", default="data/mnist")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    dist.init_process_group("gloo", init_method=f"tcp://{args.master}", rank=args.rank, world_size=args.world)
    images = idx(f"{args.data}/train-images-idx3-ubyte.gz").float().div(255).sub(0.1307).div(0.3081).unsqueeze(1)
    labels = idx(f"{args.data}/train-labels-idx1-ubyte.gz").long()
    model = nn.parallel.DistributedDataParallel(build(args.model))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(1)
    dist.barrier()
    times, last = [], time.perf_counter()
    for step in range(args.steps):
        # Every rank draws the same global batch and takes its own micro-batch of it, as our workers do.
        order = torch.randperm(len(images), generator=generator)[:args.batch * args.world]
        mine = order[args.rank * args.batch:(args.rank + 1) * args.batch]
        optimizer.zero_grad()
        loss_fn(model(images[mine]), labels[mine]).backward()
        optimizer.step()
        now = time.perf_counter()
        times.append(now - last)
        last = now
    dist.barrier()
    parameters = sum(p.numel() for p in model.parameters())
    if args.rank == 0:
        print(json.dumps({"engine": "pytorch-ddp", "backend": "gloo", "model": args.model, "world": args.world, "batch": args.batch,
                          "steps": args.steps, "parameters": parameters, "step_seconds": times, "torch": torch.__version__,
                          "bucket_cap_mb": 25}))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
