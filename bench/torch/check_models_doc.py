#!/usr/bin/python3
"""Runs the PyTorch snippet of docs/models.md on a real checkpoint and prints its test accuracy.

Usage: /usr/bin/python3 bench/torch/check_models_doc.py CHECKPOINT_DIR MNIST_DIR
The snippet is taken from the doc as written; only `safetensors.torch.load_file` is stood in for by a
few lines here (Debian has no python3-safetensors), reading the same file format. The accuracy must
equal what `cyclic evaluate --checkpoint CHECKPOINT_DIR` reports.
"""
import gzip, json, os, re, struct, sys
import torch

checkpoint, data = sys.argv[1], sys.argv[2]
doc = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "models.md")).read()
snippet = re.search(r"## In PyTorch.*?```python\n(.*?)```", doc, re.S).group(1)

def load_file(path):
    raw = open(path, "rb").read()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    body = raw[8 + size:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(body[start:end]), dtype=torch.float32).reshape(info["shape"])
    return tensors

snippet = snippet.replace("from safetensors.torch import load_file\n", "").replace('"ckpt/', f'"{checkpoint}/')
scope = {"load_file": load_file}
exec(snippet, scope)
model = scope["model"].eval()

def idx(path):
    raw = gzip.open(path).read()
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(raw[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)

images = idx(f"{data}/t10k-images-idx3-ubyte.gz").float().div(255).sub(0.1307).div(0.3081).unsqueeze(1)
labels = idx(f"{data}/t10k-labels-idx1-ubyte.gz").long()
with torch.no_grad():
    correct = (model(images).argmax(1) == labels).sum().item()
print(f"pytorch from docs/models.md: test accuracy {100 * correct / len(labels):.2f} % on {len(labels)} samples")
