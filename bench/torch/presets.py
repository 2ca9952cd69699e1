"""Our presets as PyTorch modules, layer for layer (docs/models.md has the general builder from a model's layers).

Imported by the bench scripts that run PyTorch beside us: bench/torch/train_bench.py,
bench/fashion/torch_accuracy.py and bench/netem/ddp.py.
"""
import torch
from torch import nn


class Block(nn.Module):
    """The residual block: conv1 3x3 (stride), conv2 3x3, a 1x1 projection when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.proj = nn.Conv2d(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.conv2(torch.relu(self.conv1(x)))
        return torch.relu(y + (x if self.proj is None else self.proj(x)))


def build(name: str) -> nn.Module:
    """The preset for 1x28x28 inputs and 10 classes."""
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    if name == "mlp-deep":
        layers, features = [nn.Flatten()], 784
        for _ in range(8):
            layers += [nn.Linear(features, 1024), nn.ReLU()]
            features = 1024
        return nn.Sequential(*layers, nn.Linear(1024, 10))
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "resnet-mini":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(),
            Block(32, 32, 1), Block(32, 64, 2), Block(64, 64, 1), Block(64, 128, 2),
            nn.Flatten(), nn.Linear(128 * 7 * 7, 10))
    raise SystemExit(f"unknown model {name!r} (mlp, mlp-deep, cnn or resnet-mini)")
