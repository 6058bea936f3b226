#!/usr/bin/env python3
"""ONNX export of torchvision's EfficientNet on given weights, for `efficientnet bench --compare onnxruntime`.

Needs Debian's python3-torch and python3-torchvision (onnx is optional: with it the file is checked):
    apt-get install python3-torch python3-torchvision python3-onnx

Reads a torchvision-named .safetensors file (as written by the library's
writeSafetensors(seededStateDict(arch, seed))) with the same reader as the parity reference, so the
benchmark compares the same network on the same weights, and writes an fp32 ONNX model with input
"input" [N, 3, R, R] (NCHW) and output "logits" [N, classes].

    export.py --variant b0 --weights w.safetensors --output b0.onnx [--batch-dynamic] [--opset 13]

Without --batch-dynamic the batch dimension is fixed to --batch (default 1). BatchNorm eps is the
one torchvision builds the variant with (1e-5 for B0-B4, 1e-3 for B5-B7), as the library assumes
for torchvision weights.
"""
import argparse
import os
import sys

import torch
import torchvision

# Reuse the parity reference's safetensors reader: one reader for every tool that feeds torch
# our weights, so a fix there (a new dtype, say) reaches the benchmark too.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from torch_reference import read_safetensors  # noqa: E402

# The resolution torchvision's transforms use for each variant (also the library's default).
RESOLUTIONS = {"b0": 224, "b1": 240, "b2": 288, "b3": 300, "b4": 380, "b5": 456, "b6": 528, "b7": 600}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variant", required=True, choices=sorted(RESOLUTIONS))
    p.add_argument("--weights", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--batch-dynamic", action="store_true", help="make the batch axis dynamic")
    p.add_argument("--batch", type=int, default=1, help="the fixed batch size without --batch-dynamic")
    p.add_argument("--resolution", type=int, default=None, help="input height and width (default per variant)")
    p.add_argument("--opset", type=int, default=13)
    args = p.parse_args()
    if args.opset < 13:
        p.error("--opset must be 13 or newer")

    state = read_safetensors(args.weights)
    num_classes = state["classifier.1.weight"].shape[0]
    model = getattr(torchvision.models, f"efficientnet_{args.variant}")(weights=None, num_classes=num_classes)
    model.load_state_dict(state, strict=True)
    # eval(): BN uses the running stats and dropout / stochastic depth vanish from the graph.
    model = model.float().eval()

    resolution = args.resolution or RESOLUTIONS[args.variant]
    example = torch.zeros(args.batch, 3, resolution, resolution, dtype=torch.float32)
    axes = {"input": {0: "batch"}, "logits": {0: "batch"}} if args.batch_dynamic else None
    # Write next to the target and rename, so an interrupted export never leaves a truncated model
    # where the benchmark's cache would pick it up.
    partial = args.output + ".partial"
    with torch.no_grad():
        torch.onnx.export(
            model,
            example,
            partial,
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=args.opset,
            do_constant_folding=True,
        )
    try:
        import onnx
    except ImportError:
        onnx = None
    if onnx is not None:
        onnx.checker.check_model(partial)
    os.replace(partial, args.output)
    print(f"wrote {args.output} (efficientnet_{args.variant}, opset {args.opset}, "
          f"{'dynamic' if args.batch_dynamic else args.batch} x 3 x {resolution} x {resolution})")


if __name__ == "__main__":
    main()
