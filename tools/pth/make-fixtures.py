#!/usr/bin/python3
"""Writes the .pth fixtures of test/weights/pth.test.ts into test/fixtures/pth/ (committed with this script).

Needs Debian's python3-torch and python3-torchvision (no network, nothing pretrained):
    apt-get install python3-torch python3-torchvision
    /usr/bin/python3 tools/pth/make-fixtures.py

One tiny custom scaling (width 0.05, depth 0.1, 10 classes) with seeded weights and BN statistics,
written as a reference .safetensors and as .pth files in every layout torch.save produces:
  zip.pth            torch.save(state_dict)                        (zip format, torch >= 1.6)
  legacy.pth         _use_new_zipfile_serialization=False          (pre-1.6 format)
  fp16.pth           every float tensor half precision (the reference is the fp16-rounded values:
                     fp16.safetensors)
  checkpoint.pth     {'epoch', 'model', 'optimizer'} after one SGD step (momentum buffers)
  module.pth         keys prefixed 'module.' (nn.DataParallel)
  views.pth          tensors that are views into shared storages at offsets (one transposed back)
  lukemelas.pth      EfficientNet-PyTorch key names (the test loads it with TF SAME + eps 1e-3)
  bigendian.pth      zip.pth as a big-endian machine writes it: byteorder 'big', storages byte-swapped
Hostile files (each must be refused without running anything; payloads would create a marker file
named hostile-marker-<name> in the working directory):
  hostile-os-system.pth   REDUCE on os.system
  hostile-eval.pth        a builtins.eval global
  hostile-deep.pth        a pickle nesting lists 100000 deep
  hostile-no-stop.pth     data.pkl without its STOP opcode
  hostile-offset.pth      a tensor whose storage offset is past the storage's end
  hostile-broadcast.pth   a 2^40-element stride-0 view of a 4-element storage (memory bound)
  hostile-bomb.pth        data.pkl deflated, inflating far beyond its declared size
  hostile-overlap.pth     two zip entries sharing the same bytes
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile
import zlib

import torch
import torchvision
from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "pth")
ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}


def tiny_state_dict():
    torch.manual_seed(1234)
    settings, last = _efficientnet_conf("efficientnet_b0", width_mult=0.05, depth_mult=0.1)
    model = EfficientNet(settings, 0.2, last_channel=last, num_classes=10).eval()
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("running_var"):
                t.copy_(torch.rand_like(t) + 0.5)
            elif name.endswith("running_mean") or name.endswith(".bias"):
                t.copy_(torch.randn_like(t) * 0.1)
            elif t.is_floating_point():
                t.copy_(torch.randn_like(t) * (1.0 / max(1, t[0].numel()) ** 0.5))
    return model, collections.OrderedDict((k, v.clone()) for k, v in model.state_dict().items())


def write_safetensors(path, sd):
    header, chunks, offset = {}, [], 0
    for name, t in sd.items():
        raw = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def lukemelas_names(model, sd):
    """torchvision name -> EfficientNet-PyTorch name, from the module structure."""
    names, flat = {}, 0
    feats = model.features
    for s in range(1, len(feats) - 1):
        for j, block in enumerate(feats[s]):
            mods = list(block.block)
            has_expand = len(mods) == 4
            roles = (["_expand_conv", "_depthwise_conv", "se", "_project_conv"] if has_expand
                     else ["_depthwise_conv", "se", "_project_conv"])
            bns = {"_expand_conv": "_bn0", "_depthwise_conv": "_bn1", "_project_conv": "_bn2"}
            for k, role in enumerate(roles):
                p = f"features.{s}.{j}.block.{k}"
                if role == "se":
                    for fc, new in (("fc1", "_se_reduce"), ("fc2", "_se_expand")):
                        for w in ("weight", "bias"):
                            names[f"{p}.{fc}.{w}"] = f"_blocks.{flat}.{new}.{w}"
                else:
                    names[f"{p}.0.weight"] = f"_blocks.{flat}.{role}.weight"
                    for w in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
                        names[f"{p}.1.{w}"] = f"_blocks.{flat}.{bns[role]}.{w}"
            flat += 1
    head = len(feats) - 1
    for a, b in (("features.0.0", "_conv_stem"), ("features.0.1", "_bn0"), (f"features.{head}.0", "_conv_head"),
                 (f"features.{head}.1", "_bn1"), ("classifier.1", "_fc")):
        for w in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
            names[f"{a}.{w}"] = f"{b}.{w}"
    return collections.OrderedDict((names[k], v) for k, v in sd.items())


def views_state_dict(sd):
    """Every tensor a view into one of two shared storages, at an offset; one stored transposed."""
    out = collections.OrderedDict()
    names = list(sd)
    for half in (names[::2], names[1::2]):
        total = sum(sd[n].numel() for n in half) + 7
        pool = torch.zeros(total)
        at = 7
        for n in half:
            t = sd[n]
            if t.dtype != torch.float32:
                out[n] = t
                continue
            pool[at:at + t.numel()] = t.reshape(-1)
            out[n] = pool[at:at + t.numel()].view(t.shape)
            at += t.numel()
    fc = "classifier.1.weight"
    out[fc] = sd[fc].t().contiguous().t()  # a non-contiguous (column-major) view
    return out


class Reduce:
    """An object that pickles as REDUCE(fn, args)."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def zip_pth(path, pkl, storages=(), deflate_pkl=False):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("archive/data.pkl"), pkl, zipfile.ZIP_DEFLATED if deflate_pkl else zipfile.ZIP_STORED)
        z.writestr(zipfile.ZipInfo("archive/byteorder"), b"little")
        for key, raw in storages:
            z.writestr(zipfile.ZipInfo(f"archive/data/{key}"), raw)


def hostile(name):
    marker = f"hostile-marker-{name}"
    path = os.path.join(OUT, f"hostile-{name}.pth")
    if name == "os-system":
        zip_pth(path, pickle.dumps(collections.OrderedDict(w=Reduce(os.system, (f"touch {marker}",))), protocol=2))
    elif name == "eval":
        zip_pth(path, pickle.dumps(collections.OrderedDict(w=Reduce(eval, (f"open('{marker}', 'w')",))), protocol=2))
    elif name == "deep":
        depth = 100_000
        zip_pth(path, b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b".", deflate_pkl=True)
    elif name == "no-stop":
        buf = io.BytesIO()
        torch.save(collections.OrderedDict(w=torch.ones(3)), buf)
        z = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
        pkl = next(n for n in z.namelist() if n.endswith("data.pkl"))
        data = z.read(pkl)
        assert data.endswith(b".")
        zip_pth(path, data[:-1], [("0", z.read(pkl.replace("data.pkl", "data/0")))])
    elif name in ("offset", "broadcast"):
        # _rebuild_tensor_v2(storage 0 of 4 floats, offset 100, size (4,), stride (1,)), or a view
        # of 2^40 elements all reading element 0
        class Storage:
            pass
        storage = Storage()

        class P(pickle.Pickler):
            def persistent_id(self, obj):
                return ("storage", torch.FloatStorage, "0", "cpu", 4) if obj is storage else None
        view = (100, (4,), (1,)) if name == "offset" else (0, (1 << 20, 1 << 20), (0, 0))
        t = Reduce(torch._utils._rebuild_tensor_v2, (storage, *view, False, collections.OrderedDict()))
        buf = io.BytesIO()
        P(buf, protocol=2).dump(collections.OrderedDict(w=t))
        zip_pth(path, buf.getvalue(), [("0", struct.pack("<4f", 1, 2, 3, 4))])
    elif name == "bomb":
        # 8 MiB of zeros deflate to ~8 KiB; the directory then claims 200 bytes.
        zip_pth(path, b"\x80\x02" + b"\x00" * (8 << 20), deflate_pkl=True)
        patch_sizes(path, "archive/data.pkl", 200)
    elif name == "overlap":
        zip_pth(path, pickle.dumps(collections.OrderedDict(), protocol=2), [("0", b"\0" * 16), ("1", b"\0" * 16)])
        point_entry_at(path, "archive/data/1", "archive/data/0")
    return marker


def big_endian(src, dst):
    """Rewrite a zip-format checkpoint as a big-endian machine (torch >= 2.0) would have written it."""
    sizes = {"FloatStorage": 4, "LongStorage": 8, "HalfStorage": 2, "BFloat16Storage": 2, "DoubleStorage": 8}
    z = zipfile.ZipFile(src)
    pkl_name = next(n for n in z.namelist() if n.endswith("/data.pkl"))
    prefix = pkl_name[:-len("data.pkl")]
    element = {}

    class Scan(pickle.Unpickler):
        def persistent_load(self, pid):
            element[pid[2]] = sizes[pid[1].__name__]

        def find_class(self, module, name):
            return (lambda *a: None) if module == "torch._utils" else super().find_class(module, name)
    Scan(io.BytesIO(z.read(pkl_name))).load()
    with zipfile.ZipFile(dst, "w") as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == prefix + "byteorder":
                data = b"big"
            elif info.filename.startswith(prefix + "data/"):
                n = element[info.filename[len(prefix + "data/"):]]
                data = b"".join(data[i:i + n][::-1] for i in range(0, len(data), n))
            out.writestr(zipfile.ZipInfo(info.filename), data)
        if prefix + "byteorder" not in z.namelist():  # torch < 2.0 writes none (meaning little)
            out.writestr(zipfile.ZipInfo(prefix + "byteorder"), b"big")


def central_entries(raw):
    eocd = raw.rindex(b"PK\x05\x06")
    count, _, cd = struct.unpack_from("<HII", raw, eocd + 10)
    p = cd
    for _ in range(count):
        n, e, c = struct.unpack_from("<HHH", raw, p + 28)
        yield p, raw[p + 46:p + 46 + n].decode()
        p += 46 + n + e + c


def patch_sizes(path, name, size):
    raw = bytearray(open(path, "rb").read())
    for p, n in central_entries(bytes(raw)):
        if n == name:
            struct.pack_into("<I", raw, p + 24, size)
            local = struct.unpack_from("<I", raw, p + 42)[0]
            struct.pack_into("<I", raw, local + 22, size)
    open(path, "wb").write(raw)


def point_entry_at(path, name, target):
    raw = bytearray(open(path, "rb").read())
    entries = dict((n, p) for p, n in central_entries(bytes(raw)))
    offset = struct.unpack_from("<I", raw, entries[target] + 42)[0]
    struct.pack_into("<I", raw, entries[name] + 42, offset)
    open(path, "wb").write(raw)


def main():
    os.makedirs(OUT, exist_ok=True)
    model, sd = tiny_state_dict()
    write_safetensors(os.path.join(OUT, "reference.safetensors"), sd)
    torch.save(sd, os.path.join(OUT, "zip.pth"))
    torch.save(sd, os.path.join(OUT, "legacy.pth"), _use_new_zipfile_serialization=False)
    half = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in sd.items())
    torch.save(half, os.path.join(OUT, "fp16.pth"))
    write_safetensors(os.path.join(OUT, "fp16.safetensors"), half)
    # A training checkpoint: the optimizer state holds a real SGD step's momentum tensors.
    opt = torch.optim.SGD(model.classifier.parameters(), lr=1e-3, momentum=0.9)  # small: the head only
    model.train()
    model(torch.randn(2, 3, 32, 32)).sum().backward()
    opt.zero_grad(set_to_none=False)
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    opt.step()
    torch.save({"epoch": 3, "model": sd, "optimizer": opt.state_dict(), "best_acc1": 0.5},
               os.path.join(OUT, "checkpoint.pth"))
    torch.save(collections.OrderedDict((f"module.{k}", v) for k, v in sd.items()), os.path.join(OUT, "module.pth"))
    torch.save(views_state_dict(sd), os.path.join(OUT, "views.pth"))
    torch.save(lukemelas_names(model, sd), os.path.join(OUT, "lukemelas.pth"))
    big_endian(os.path.join(OUT, "zip.pth"), os.path.join(OUT, "bigendian.pth"))
    markers = {n: hostile(n) for n in ("os-system", "eval", "deep", "no-stop", "offset", "broadcast", "bomb", "overlap")}
    with open(os.path.join(OUT, "hostile.json"), "w") as f:
        json.dump(markers, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT} (torch {torch.__version__}, torchvision {torchvision.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
