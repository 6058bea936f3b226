#!/usr/bin/env python3
"""Reference logits from torchvision's EfficientNet, for the parity fixtures.

Needs Debian's python3-torch and python3-torchvision (no network, no pretrained download):
    apt-get install python3-torch python3-torchvision

Reads a torchvision-named .safetensors file and a float32 NCHW .npy batch, runs
torchvision.models.efficientnet_<variant> in float64 (so the reference is not itself an fp32
approximation), and writes float64 logits as .npy.

    torch_reference.py --variant b0 --weights w.safetensors --input x.npy --output y.npy \
        [--padding symmetric|same] [--eps 1e-5]

--padding same reproduces TF "SAME" padding with explicit asymmetric padding in front of every
convolution: total = max((ceil(in/s) - 1) * s + k - in, 0), the odd pixel going to the bottom/right.
"""
import argparse
import json
import math
import struct

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "F64": np.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def same_pad(size, k, s):
    total = max((math.ceil(size / s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class SamePadConv(torch.nn.Module):
    """A Conv2d with TF SAME padding made explicit (F.pad, then an unpadded conv)."""

    def __init__(self, conv):
        super().__init__()
        self.conv = conv
        self.conv.padding = (0, 0)

    def forward(self, x):
        kh, kw = self.conv.kernel_size
        sh, sw = self.conv.stride
        top, bottom = same_pad(x.shape[2], kh, sh)
        left, right = same_pad(x.shape[3], kw, sw)
        return self.conv(F.pad(x, (left, right, top, bottom)))


def use_same_padding(module):
    for name, child in module.named_children():
        if isinstance(child, torch.nn.Conv2d) and child.kernel_size != (1, 1):
            setattr(module, name, SamePadConv(child))
        else:
            use_same_padding(child)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variant", required=True)
    p.add_argument("--weights", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--padding", choices=["symmetric", "same"], default="symmetric")
    p.add_argument("--eps", type=float, default=1e-5)
    args = p.parse_args()

    state = read_safetensors(args.weights)
    num_classes = state["classifier.1.weight"].shape[0]
    model = getattr(torchvision.models, f"efficientnet_{args.variant}")(weights=None, num_classes=num_classes)
    model.load_state_dict(state, strict=True)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eps = args.eps
    if args.padding == "same":
        use_same_padding(model)
    model = model.double().eval()
    x = torch.from_numpy(np.load(args.input)).double()
    with torch.no_grad():
        y = model(x)
    np.save(args.output, y.numpy())


if __name__ == "__main__":
    main()
