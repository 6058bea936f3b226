#!/usr/bin/python3
"""Randomised bit-exactness check of native/image/resample.cc against the installed Pillow.

Not part of the test suite (needs Pillow); run by hand after touching the resampler:
    g++ -std=c++17 -O2 -ffp-contract=off -Inative -Inative/include \\
        tools/image/resample_cli.cc native/image/resample.cc -o /tmp/resample_cli
    /usr/bin/python3 tools/image/check_resample_vs_pillow.py /tmp/resample_cli [cases] [seed]

Covers all five filters, modes L / RGB / RGBA-as-RGBX (4 independent channels), up- and
downscaling with odd factors, identity on one axis, fractional boxes, and output windows
(compared with Pillow's resize followed by crop).
"""
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

FILTERS = [Image.Resampling.BOX, Image.Resampling.BILINEAR, Image.Resampling.HAMMING,
           Image.Resampling.BICUBIC, Image.Resampling.LANCZOS]


def main(cli: str, cases: int, seed: int) -> int:
    rng = random.Random(seed)
    photo = None
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        src_path, out_path = os.path.join(tmp, 'in.raw'), os.path.join(tmp, 'out.raw')
        for case in range(cases):
            channels = rng.choice([1, 3, 3, 4])
            mode = {1: 'L', 3: 'RGB', 4: 'CMYK'}[channels]  # CMYK: 4 independent 8-bit channels
            sw, sh = rng.randint(1, 300), rng.randint(1, 300)
            kind = rng.random()
            if kind < 0.3:  # random noise: worst case for clipping
                data = np.random.default_rng(case + seed).integers(0, 256, (sh, sw, channels), dtype=np.uint8)
            else:  # smooth-ish gradients with edges
                yy, xx = np.mgrid[0:sh, 0:sw]
                base = ((xx * 7 + yy * 3) % 256).astype(np.uint8)
                data = np.stack([np.roll(base, c * 17, axis=1) for c in range(channels)], axis=-1)
                data[sh // 3:, sw // 2:] = 255 - data[sh // 3:, sw // 2:]
            img = Image.fromarray(data[:, :, 0] if channels == 1 else data, mode)
            dw = rng.choice([sw, rng.randint(1, 320), max(1, sw // rng.randint(1, 9))])
            dh = rng.choice([sh, rng.randint(1, 320), max(1, sh // rng.randint(1, 9))])
            fi = rng.randrange(len(FILTERS))
            args = [cli, src_path, str(sw), str(sh), str(channels), str(dw), str(dh), str(fi), out_path]
            box = None
            if rng.random() < 0.3:
                x0, y0 = rng.uniform(0, sw * 0.4), rng.uniform(0, sh * 0.4)
                x1, y1 = rng.uniform(x0, sw), rng.uniform(y0, sh)
                if rng.random() < 0.5:
                    x0, y0, x1, y1 = (float(int(v)) for v in (x0, y0, x1, y1))
                box = (x0, y0, x1, y1)
                args += [repr(v) for v in box]
            window = None
            if rng.random() < 0.4:
                ww, wh = rng.randint(1, dw), rng.randint(1, dh)
                window = (rng.randint(0, dw - ww), rng.randint(0, dh - wh), ww, wh)
                if box is None:
                    args += ['0', '0', str(sw), str(sh)]
                args += [str(v) for v in window]
            with open(src_path, 'wb') as f:
                f.write(data.tobytes())
            run = subprocess.run(args, capture_output=True, text=True)
            ref = img.resize((dw, dh), FILTERS[fi], box=box)
            if window is not None:
                x, y, ww, wh = window
                ref = ref.crop((x, y, x + ww, y + wh))
            expected = np.asarray(ref).reshape(-1)
            if run.returncode != 0:
                print(f'case {case}: cli failed: {run.stderr.strip()} args={args[2:]}')
                failures += 1
                continue
            got = np.fromfile(out_path, np.uint8)
            if got.size != expected.size or not np.array_equal(got, expected):
                diff = np.abs(got.astype(int) - expected.astype(int)).max() if got.size == expected.size else 'size'
                print(f'case {case}: MISMATCH (max diff {diff}) args={args[2:]}')
                failures += 1
    print(f'{cases - failures}/{cases} cases bit-identical to Pillow {Image.__version__} (seed {seed})')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 500,
                  int(sys.argv[3]) if len(sys.argv) > 3 else 1))
