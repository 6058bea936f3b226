#!/usr/bin/python3
"""Writes what torchvision 0.14 + Pillow make of each image fixture, for test/image-*.test.ts.

Run by hand after changing fixtures (Debian: python3-torchvision, python3-pil; no network):
    /usr/bin/python3 tools/image/torchvision_reference.py

Outputs, next to the fixtures in test/fixtures/images/:
- reference.json: per (image, policy) case the output shape, sha256 of the uint8 HWC tensor
  after Resize + CenterCrop (before ToTensor), sha256 of the normalized float32 NCHW tensor
  (little-endian), per-channel sums of the uint8 tensor, and 128 sampled positions with their
  uint8 values (and the normalized float32 values of the first 16) (so a failing test can say where and by how much);
- reference-small.bin: the full uint8 HWC tensors of the 'small' policy cases, concatenated in
  the order of reference.json (offsets stored there), for element-wise comparison of JPEG cases
  (where decoders may differ by one step) and of the 'sharp' resampler.

The reference loader is torchvision's `pil_loader` (Image.open + convert('RGB')) with ONE
deliberate addition: ImageOps.exif_transpose first, because lib/image applies EXIF orientation.
convert('RGB') drops alpha without compositing (what lib/image does in 'pil' mode) and ignores
any embedded ICC profile (likewise).
"""
import hashlib
import json
import os

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision import transforms as T
from torchvision.models import EfficientNet_B0_Weights, EfficientNet_B1_Weights

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', '..', 'test', 'fixtures', 'images')
IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
HALF = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))

IMAGES = [
    'astronaut-portrait.png',
    'chelsea-landscape.png',
    'coffee-square.png',
    'rocket-adobergb.jpg',
    'chelsea-exif8.png',
    'coffee-exif6.jpg',
    'coffee-alpha.png',
    'no-time-animated.gif',
]

# id -> (kind, size params, interpolation, (mean, std)). 'resize-crop' is torchvision/timm eval;
# 'crop-resize' is the TF reference eval (centre square of size/(size+32) of the shorter side,
# TF's offsets ((h - c + 1) // 2), then a resize to size x size), done here with PIL's resampler.
POLICIES = {
    'tv-b0': ('resize-crop', (256, 224), 'bicubic', IMAGENET),
    'tv-b1-v2': ('resize-crop', (255, 240), 'bilinear', IMAGENET),
    'small': ('resize-crop', (72, 64), 'bicubic', IMAGENET),
    'odd-advprop': ('resize-crop', (95, 90), 'bicubic', HALF),
    'tf-b0': ('crop-resize', (224,), 'bicubic', IMAGENET),
}
MODES = {'bicubic': T.InterpolationMode.BICUBIC, 'bilinear': T.InterpolationMode.BILINEAR}
PIL_FILTERS = {'bicubic': Image.Resampling.BICUBIC, 'bilinear': Image.Resampling.BILINEAR}
SAMPLES = 128
NORMALIZED_SAMPLES = 16  # the rest follow from u8 + mean/std; the sha256 covers all of them


def load(name: str) -> Image.Image:
    with open(os.path.join(FIXTURES, name), 'rb') as f:
        img = Image.open(f)
        img = ImageOps.exif_transpose(img)
        return img.convert('RGB')


def geometric(img: Image.Image, policy) -> Image.Image:
    kind, sizes, interp, _ = policy
    if kind == 'resize-crop':
        resize, crop = sizes
        return T.CenterCrop(crop)(T.Resize(resize, interpolation=MODES[interp])(img))
    (size,) = sizes
    w, h = img.size
    # TF computes the crop side in float32: tf.cast((size / (size + 32)) * tf.cast(min, float32), int32)
    c = max(1, int(np.float32(np.float32(size / (size + 32)) * np.float32(min(h, w)))))
    top, left = (h - c + 1) // 2, (w - c + 1) // 2
    return img.crop((left, top, left + c, top + c)).resize((size, size), PIL_FILTERS[interp])


def normalized(img: Image.Image, policy) -> torch.Tensor:
    mean, std = policy[3]
    return T.Normalize(mean, std)(T.ToTensor()(img))


def sample_positions(count: int, n: int, seed: int) -> list:
    # A small LCG so the JS side could regenerate them; they are stored anyway.
    state, out = seed, []
    for _ in range(n):
        state = (state * 1103515245 + 12345) % (1 << 31)
        out.append(state % count)
    return out


def main() -> None:
    # Cross-check against the weights' own preset transforms: our Compose must be theirs.
    probe = load('chelsea-landscape.png')
    for weights, pid in ((EfficientNet_B0_Weights.IMAGENET1K_V1, 'tv-b0'), (EfficientNet_B1_Weights.IMAGENET1K_V2, 'tv-b1-v2')):
        preset = weights.transforms()(probe)
        ours = normalized(geometric(probe, POLICIES[pid]), POLICIES[pid])
        assert torch.equal(preset, ours), pid

    cases, blobs, offset = [], [], 0
    for name in IMAGES:
        img = load(name)
        for pid, policy in POLICIES.items():
            u8 = np.ascontiguousarray(np.asarray(geometric(img, policy), dtype=np.uint8))
            norm = normalized(Image.fromarray(u8), policy).numpy().astype('<f4')
            h, w, _ = u8.shape
            chw = np.ascontiguousarray(u8.transpose(2, 0, 1)).reshape(-1)
            flat = norm.reshape(-1)
            idx = sample_positions(flat.size, SAMPLES, seed=len(cases) + 1)
            case = {
                'image': name,
                'policy': pid,
                'source': list(img.size),  # (width, height) after EXIF orientation
                'shape': [h, w, 3],
                'sha256U8': hashlib.sha256(u8.tobytes()).hexdigest(),
                'sha256Normalized': hashlib.sha256(norm.tobytes()).hexdigest(),
                'channelSums': [int(u8[:, :, c].sum()) for c in range(3)],
                'samples': {
                    'indexNchw': idx,
                    'u8': [int(chw[i]) for i in idx],
                    'normalized': [float(flat[i]) for i in idx[:NORMALIZED_SAMPLES]],
                },
            }
            if pid == 'small':
                case['full'] = {'file': 'reference-small.bin', 'offset': offset, 'length': u8.size}
                blobs.append(u8.tobytes())
                offset += u8.size
            cases.append(case)
    meta = {
        'generator': 'tools/image/torchvision_reference.py',
        'torch': torch.__version__,
        'torchvision': __import__('torchvision').__version__,
        'pillow': Image.__version__,
        'policies': {k: {'kind': v[0], 'sizes': list(v[1]), 'interpolation': v[2], 'mean': list(v[3][0]), 'std': list(v[3][1])}
                     for k, v in POLICIES.items()},
        'cases': cases,
    }
    with open(os.path.join(FIXTURES, 'reference.json'), 'w') as f:
        json.dump(meta, f, separators=(',', ':'))
        f.write('\n')
    with open(os.path.join(FIXTURES, 'reference-small.bin'), 'wb') as f:
        f.write(b''.join(blobs))
    print(f'{len(cases)} cases, {offset} bytes of full small tensors')


if __name__ == '__main__':
    main()
