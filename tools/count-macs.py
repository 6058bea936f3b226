#!/usr/bin/env python3
"""Count params and multiply-adds of torchvision's EfficientNet B0..B7 -> test/fixtures/macs.json.

Rerun (Debian 12: apt-get install python3-torch python3-torchvision; no downloads needed,
the models are random-initialised):

    python3 tools/count-macs.py            # writes test/fixtures/macs.json
    python3 tools/count-macs.py --stdout   # prints it instead

params = sum(p.numel()) over model.parameters() (BN running stats are buffers, not counted).
macs   = multiply-adds of one image at the variant's native resolution, counted with forward
         hooks: Conv2d -> output elements * in_channels / groups * kh * kw (this includes the SE
         1x1 convs), Linear -> in_features * out_features. BN, activations, pooling and the
         residual adds are not counted. test/arch/arch.test.ts asserts lib/arch's summarize() equals this.
"""
import json
import os
import sys

import torch
import torchvision

RESOLUTION = {'b0': 224, 'b1': 240, 'b2': 260, 'b3': 300, 'b4': 380, 'b5': 456, 'b6': 528, 'b7': 600}


def count(variant):
    model = getattr(torchvision.models, 'efficientnet_' + variant)()
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    macs = [0]

    def conv_hook(m, _inp, out):
        kh, kw = m.kernel_size
        macs[0] += out.numel() * (m.in_channels // m.groups) * kh * kw

    def linear_hook(m, inp, _out):
        macs[0] += inp[0].shape[0] * m.in_features * m.out_features

    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(conv_hook)
        elif isinstance(m, torch.nn.Linear):
            m.register_forward_hook(linear_hook)
    r = RESOLUTION[variant]
    with torch.no_grad():
        model(torch.zeros(1, 3, r, r))
    return {'params': int(params), 'macs': int(macs[0]), 'resolution': r}


def main():
    result = {v: count(v) for v in RESOLUTION}
    text = json.dumps(result, indent=2) + '\n'
    if '--stdout' in sys.argv:
        sys.stdout.write(text)
        return
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'macs.json')
    with open(path, 'w') as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == '__main__':
    main()
