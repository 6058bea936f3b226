#!/usr/bin/env node
// Regenerates test/fixtures/parity/*.json: torchvision's logits for seeded weights and inputs.
//
//   npm run build:ts && node tools/parity/make-fixtures.mjs [case ...]
//
// Needs Debian's python3-torch and python3-torchvision (tools/parity/torch_reference.py). The
// weights (tens of MB) and inputs are NOT committed: the test regenerates both from the seeds
// stored in each fixture, so only the logits are kept.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lib = await import(path.join(root, 'dist/index.js'));
const { seededImageBatch } = await import(path.join(root, 'dist/random.js'));

// eps: torchvision builds B0-B4 with BatchNorm eps 1e-5 and B5-B7 (ported from TF) with 1e-3.
// b0-same: TF "SAME" padding and eps 1e-3, the settings of TF-trained weights.
const CASES = [
  { name: 'b0', variant: 'b0', seed: 1, inputSeed: 101, batch: 2, padding: 'symmetric', bnEps: 1e-5 },
  { name: 'b0-same', variant: 'b0', seed: 2, inputSeed: 102, batch: 2, padding: 'same', bnEps: 1e-3 },
  { name: 'b3', variant: 'b3', seed: 3, inputSeed: 103, batch: 2, padding: 'symmetric', bnEps: 1e-5 },
  { name: 'b5', variant: 'b5', seed: 5, inputSeed: 105, batch: 1, padding: 'symmetric', bnEps: 1e-3 },
];

const wanted = process.argv.slice(2);
const python = process.env.PYTHON ?? 'python3';
const dir = mkdtempSync(path.join(tmpdir(), 'efficientnet-parity-'));
try {
  for (const c of CASES.filter((c) => wanted.length === 0 || wanted.includes(c.name))) {
    const arch = lib.resolveArch(c.variant);
    const weights = path.join(dir, `${c.name}.safetensors`);
    const input = path.join(dir, `${c.name}.npy`);
    const output = path.join(dir, `${c.name}.out.npy`);
    writeFileSync(weights, lib.writeSafetensors(lib.seededStateDict(arch, c.seed, 'torchvision')));
    const x = seededImageBatch(c.batch, arch.resolution, c.inputSeed);
    writeFileSync(input, lib.encodeNpy({ shape: [c.batch, 3, arch.resolution, arch.resolution], data: x }));
    const started = Date.now();
    const r = spawnSync(
      python,
      [path.join(root, 'tools/parity/torch_reference.py'), '--variant', c.variant, '--weights', weights,
        '--input', input, '--output', output, '--padding', c.padding, '--eps', String(c.bnEps)],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error(`torch_reference.py failed for ${c.name}`);
    const y = parseFloat64Npy(readFileSync(output));
    const versions = spawnSync(python, ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'])
      .stdout.toString().trim();
    const fixture = {
      ...c,
      format: 'torchvision',
      resolution: arch.resolution,
      numClasses: arch.numClasses,
      reference: `torchvision efficientnet_${c.variant}, float64, torch/torchvision ${versions}`,
      logits: Array.from(y, (v) => Number(v.toPrecision(9))),
    };
    const file = path.join(root, 'test/fixtures/parity', `${c.name}.json`);
    writeFileSync(file, JSON.stringify(fixture) + '\n');
    console.log(`${c.name}: wrote ${path.relative(root, file)} (${y.length} logits, ${Date.now() - started} ms)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// torch_reference.py writes float64 .npy (the library's reader is float32 only, on purpose).
function parseFloat64Npy(bytes) {
  const headerLen = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLen).toString('latin1');
  if (!header.includes("'<f8'")) throw new Error(`expected float64 logits, got header ${header}`);
  const start = 10 + headerLen;
  const out = new Float64Array((bytes.length - start) / 8);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readDoubleLE(start + 8 * i);
  return out;
}
