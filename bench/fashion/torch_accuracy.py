#!/usr/bin/python3
"""PyTorch's side of bench/fashion/run.sh: the same recipe as `cyclic train` on Fashion-MNIST.

cnn or resnet-mini (bench/torch/presets.py, layer for layer as ours), SGD(lr, momentum 0.9, weight decay 0), the learning rate decayed
to 0 over the run by half a cosine wave per step (as TrainingConfig.LearningRateAt), a global batch of
4 x 32 = 128 samples drawn from a per-epoch random permutation, pixels normalised like MnistReader
((x/255 - 0.1307) / 0.3081). Prints one JSON object: test accuracy after the last step.
Run with Debian's /usr/bin/python3 (python3-torch).
"""
import argparse
import gzip
import json
import math
import struct

import pathlib
import sys

import torch
from torch import nn

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "torch"))
from presets import build  # noqa: E402


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def load(directory, split):
    images = idx(f"{directory}/{split}-images-idx3-ubyte.gz").float().div(255).sub(0.1307).div(0.3081).unsqueeze(1)
    labels = idx(f"{directory}/{split}-labels-idx1-ubyte.gz").long()
    return images, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--model", default="cnn")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    model = build(args.model)
    train_x, train_y = load(args.data, "train")
    test_x, test_y = load(args.data, "t10k")
    steps_per_epoch = len(train_x) // args.batch
    total = steps_per_epoch * args.epochs
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    step = 0
    for _ in range(args.epochs):
        order = torch.randperm(len(train_x))
        for b in range(steps_per_epoch):
            for group in optimizer.param_groups:
                group["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * step / total))
            batch = order[b * args.batch:(b + 1) * args.batch]
            optimizer.zero_grad()
            loss = loss_fn(model(train_x[batch]), train_y[batch])
            loss.backward()
            optimizer.step()
            step += 1
    model.eval()
    with torch.no_grad():
        correct = sum((model(test_x[i:i + 1000]).argmax(1) == test_y[i:i + 1000]).sum().item() for i in range(0, len(test_x), 1000))
    print(json.dumps({"engine": "pytorch", "model": args.model, "rule": "dp", "seed": args.seed, "epochs": args.epochs, "steps": total,
                      "test_accuracy": correct / len(test_x), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
