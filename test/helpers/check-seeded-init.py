#!/usr/bin/env python3
"""Check that seededStateDict's weights make torchvision logits depend on the input.

    npx tsc -p tsconfig.json --outDir /tmp/effdist
    node test/helpers/write-seeded.cjs /tmp/effdist b0 1 /tmp/b0.safetensors
    python3 test/helpers/check-seeded-init.py b0 /tmp/b0.safetensors

Reads the safetensors file with json + numpy (no safetensors package on Debian), loads it into
torchvision's efficientnet_<variant> (strict), runs N random inputs and prints:
  across_inputs  mean over classes of the std of a logit across inputs
  across_classes mean over inputs of the std across classes
  ratio          across_inputs / across_classes (near 0 = logits ignore the input)
  top1_distinct  distinct argmax over the N inputs
"""
import json
import struct
import sys

import numpy as np
import torch
import torchvision

DTYPES = {'F32': np.float32, 'I64': np.int64, 'F16': np.float16}


def load(path):
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        b, en = e['data_offsets']
        arr = np.frombuffer(raw[base + b:base + en], dtype=DTYPES[e['dtype']]).reshape(e['shape'])
        out[name] = torch.from_numpy(arr.copy())
    return out


def main():
    variant, path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    res = {'b0': 224, 'b1': 240, 'b2': 260, 'b3': 300, 'b4': 380, 'b5': 456, 'b6': 528, 'b7': 600}[variant]
    model = getattr(torchvision.models, 'efficientnet_' + variant)()
    model.load_state_dict(load(path), strict=True)
    model.eval()
    g = torch.Generator().manual_seed(0)
    kinds = {
        # iid noise in the range of normalised images
        'uniform': torch.rand(n, 3, res, res, generator=g) * 5 - 2.5,
        # smooth images: random low-resolution noise upsampled (closer to real pictures)
        'smooth': torch.nn.functional.interpolate(torch.randn(n, 3, 8, 8, generator=g) * 1.5, size=(res, res), mode='bilinear', align_corners=False),
    }
    for kind, x in kinds.items():
        with torch.no_grad():
            y = model(x).double()
        across_inputs = y.std(0).mean().item()
        across_classes = y.std(1).mean().item()
        top1 = len(set(y.argmax(1).tolist()))
        print(f'{variant} {kind:8s} logit|mean|={y.abs().mean().item():.3f} max|={y.abs().max().item():.2f} '
              f'across_inputs={across_inputs:.4f} across_classes={across_classes:.4f} '
              f'ratio={across_inputs / across_classes:.3f} top1_distinct={top1}/{n}')


if __name__ == '__main__':
    main()
