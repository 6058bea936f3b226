#!/usr/bin/env python3
"""torchvision EfficientNet speed on the GPU machine, beside effnet_cuda's numbers.

SPEED ONLY. The models are torchvision's efficientnet_b0 / efficientnet_b3 with torchvision's own
random initialisation (weights=None, torch.manual_seed(0)): the same shapes and the same work as
our plans, not the same numbers. Correctness of our CUDA backend is checked elsewhere, CUDA vs the
CPU reference on the same plan (`effnet_cuda check`); weights do not change the speed of either.

Per model and batch size: eager fp32 (channels_last, TF32 off, to match our fp32 path), eager fp16
channels_last, and torch.compile(mode="reduce-overhead") fp16 channels_last (inductor + CUDA
graphs, the closest match to our graph replay). Input already on the GPU (our "ops_ms" column
also excludes the host copies). Timing: CUDA events around each forward, warm-up first, median.

  python3 torch_bench.py --models b0,b3 --batch 1,8,64,256 --json torch.json [--ours ours.json]
With --ours (effnet_cuda bench --json), prints the comparison table last.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torchvision


def time_forward(fn, x, warmup, iters):
    for _ in range(warmup):
        fn(x)
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    ms = []
    for _ in range(iters):
        start.record()
        fn(x)
        stop.record()
        stop.synchronize()
        ms.append(start.elapsed_time(stop))
    return statistics.median(ms)


def build(name):
    torch.manual_seed(0)
    ctor = {"b0": torchvision.models.efficientnet_b0, "b3": torchvision.models.efficientnet_b3}[name]
    return ctor(weights=None).eval().cuda().to(memory_format=torch.channels_last)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="b0,b3")
    ap.add_argument("--batch", default="1,8,64,256")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--no-compile", action="store_true", help="skip torch.compile (saves minutes)")
    ap.add_argument("--compile-budget-s", type=float, default=240.0,
                    help="stop compiling new (model, batch) cases after this much total compile time")
    ap.add_argument("--json", default="")
    ap.add_argument("--ours", default="", help="effnet_cuda bench --json output, for the comparison table")
    args = ap.parse_args()

    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    res = {"b0": 224, "b3": 300}
    rows = []
    compile_spent = 0.0
    device = torch.cuda.get_device_name(0)
    print(f"device: {device}; torch {torch.__version__}, torchvision {torchvision.__version__}", flush=True)
    print(f"{'model':6} {'mode':22} {'batch':>6} {'ms':>10} {'img/s':>10}", flush=True)
    for name in args.models.split(","):
        model32 = build(name)
        model16 = build(name).half()
        compiled = None
        for b in [int(s) for s in args.batch.split(",")]:
            x32 = torch.randn(b, 3, res[name], res[name], device="cuda").to(memory_format=torch.channels_last)
            x16 = x32.half()
            cases = [("eager-fp32-cl", lambda x: model32(x), x32), ("eager-fp16-cl", lambda x: model16(x), x16)]
            if not args.no_compile and compile_spent < args.compile_budget_s:
                if compiled is None:
                    compiled = torch.compile(model16, mode="reduce-overhead")
                cases.append(("compile-fp16-cl-graphs", lambda x: compiled(x), x16))
            for mode, fn, x in cases:
                with torch.inference_mode():
                    t0 = time.time()
                    try:
                        ms = time_forward(fn, x, args.warmup, args.iters)
                    except torch.cuda.OutOfMemoryError:
                        print(f"{name:6} {mode:22} {b:6d}  OOM", flush=True)
                        torch.cuda.empty_cache()
                        continue
                    if mode.startswith("compile"):
                        compile_spent += time.time() - t0
                rows.append({"model": name, "mode": mode, "batch": b, "ms": ms, "images_per_s": 1000.0 * b / ms})
                print(f"{name:6} {mode:22} {b:6d} {ms:10.3f} {1000.0 * b / ms:10.1f}", flush=True)
        del model32, model16, compiled
        torch.cuda.empty_cache()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": device, "torch": torch.__version__, "rows": rows}, f, indent=1)

    if args.ours:
        with open(args.ours) as f:
            ours = json.load(f)
        print("\n== comparison (images/s; ours = effnet_cuda ops-only time, torch = forward on GPU-resident input) ==")
        print(f"device: {device}")
        print("NOTE: torch uses its own random weights (speed only); the plans have B0's and B3's real shapes.")
        torch_by = {(r["model"], r["mode"], r["batch"]): r["images_per_s"] for r in rows}
        hdr = f"{'plan':6} {'batch':>5} {'ours fp32':>10} {'ours fp16':>10} {'torch fp32':>11} {'torch fp16':>11} {'compile fp16':>13}"
        print(hdr)
        ours_by = {(r["plan"], r["precision"], r["batch"]): r["images_per_s"] for r in ours["rows"]}
        for plan, batch in sorted({(r["plan"], r["batch"]) for r in ours["rows"]}, key=lambda k: (k[0], k[1])):
            model = "b3" if plan.startswith("b3") else "b0"
            cells = [ours_by.get((plan, "fp32", batch)), ours_by.get((plan, "fp16", batch)),
                     torch_by.get((model, "eager-fp32-cl", batch)), torch_by.get((model, "eager-fp16-cl", batch)),
                     torch_by.get((model, "compile-fp16-cl-graphs", batch))]
            fmt = lambda v, w: f"{v:{w}.1f}" if v is not None else f"{'-':>{w}}"
            print(f"{plan:6} {batch:5d} {fmt(cells[0], 10)} {fmt(cells[1], 10)} {fmt(cells[2], 11)} "
                  f"{fmt(cells[3], 11)} {fmt(cells[4], 13)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
