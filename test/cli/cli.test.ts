// The `efficientnet` command as a user meets it: help, exit codes, summary, run with .npy files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EfficientNet, encodeNpy, parseNpy, resolveArch, seededStateDict, writeSafetensors } from '../../lib';
import { seededImageBatch } from '../../lib/random';
import { cli } from '../helpers/cli';

const dir = mkdtempSync(path.join(tmpdir(), 'effnet-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('efficientnet CLI', () => {
  it('prints help and exits 0; no command is a usage error (2)', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toMatch(/summary[\s\S]*run[\s\S]*info/);
    expect(cli([]).code).toBe(2);
    expect(cli(['help', 'run']).stdout.toString()).toMatch(/--weights FILE/);
  });

  it('rejects unknown commands and options with exit code 2 on stderr', () => {
    const r = cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command frobnicate/);
    const o = cli(['summary', '--bogus']);
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/bogus/);
  });

  it('summary all: the exact torchvision parameter counts', () => {
    const r = cli(['summary', 'all', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout.toString()) as Array<{ params: number }>;
    expect(rows.map((x) => x.params)).toEqual([
      5288548, 7794184, 9109994, 12233232, 19341616, 30389784, 43040704, 66347960,
    ]);
    const text = cli(['summary', 'b0']).stdout.toString();
    expect(text).toMatch(/5,288,548|5288548/);
  });

  it('summary with a custom scaling, and errors for half a scaling', () => {
    expect(cli(['summary', '--phi', '1', '--json']).code).toBe(0);
    expect(cli(['summary', '--width', '1.1', '--depth', '1.2', '--resolution', '256']).code).toBe(0);
    const bad = cli(['summary', '--width', '1.1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/go together/);
  });

  it('run: .npy in, logits .npy out, equal to the API', async () => {
    const arch = resolveArch('b0');
    const weights = path.join(dir, 'b0.safetensors');
    writeFileSync(weights, writeSafetensors(seededStateDict(arch, 11)));
    const x = seededImageBatch(2, 224, 5);
    const input = path.join(dir, 'x.npy');
    const output = path.join(dir, 'y.npy');
    writeFileSync(input, encodeNpy({ shape: [2, 3, 224, 224], data: x }));
    const r = cli(['run', '--variant', 'b0', '--weights', weights, '--input', input, '--output', output]);
    // One summary line: shapes, time, the weights used, where the logits went.
    expect(r.stderr).toMatch(new RegExp(`^efficientnet: \\[2, 3, 224, 224\\] -> logits \\[2, 1000\\] in \\d+ ms \\(weights: .*b0\\.safetensors; \\w+ kernels\\) -> .*y\\.npy\\n$`));
    expect(r.code).toBe(0);
    const y = parseNpy(readFileSync(output));
    expect(y.shape).toEqual([2, 1000]);
    const model = await EfficientNet.load({ variant: 'b0', weights });
    const direct = await model.run(x);
    model.dispose();
    expect(Array.from(y.data)).toEqual(Array.from(direct.data));
  });

  it('run: stdin to stdout with "-"', () => {
    const x = encodeNpy({ shape: [1, 3, 64, 64], data: seededImageBatch(1, 64, 1) });
    const r = cli(['run', '--random', '--input', '-', '--output', '-'], x);
    expect(r.code).toBe(0);
    expect(parseNpy(r.stdout).shape).toEqual([1, 1000]);
  });

  it.each([
    ['float64 input', "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3, 8, 8), }", 8 * 192, /ERR_NPY_FORMAT.*'<f8'/],
    ['NHWC-shaped input', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 8, 8, 3), }", 4 * 192, /ERR_INPUT_SHAPE.*\[N, 3, H, W\]/],
  ])('run: %s is a clear error, exit 1', (_name, header, bytes, message) => {
    const total = Math.ceil((10 + header.length + 1) / 64) * 64;
    const h = header.padEnd(total - 11, ' ') + '\n';
    const buf = Buffer.alloc(total + bytes);
    buf.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    buf.writeUInt16LE(h.length, 8);
    buf.write(h, 10, 'latin1');
    const file = path.join(dir, 'bad.npy');
    writeFileSync(file, buf);
    const r = cli(['run', '--random', '--input', file, '--output', path.join(dir, 'o.npy')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  it('run: --device cuda without a GPU is a clear error (exit 1), a bad --device a usage error', () => {
    const x = path.join(dir, 'dev.npy');
    writeFileSync(x, encodeNpy({ shape: [1, 3, 64, 64], data: seededImageBatch(1, 64, 1) }));
    const bad = cli(['run', '--random', '--device', 'tpu', '--input', x, '--output', path.join(dir, 'dev-out.npy')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--device must be cpu, cuda or auto/);
    const r = cli(['run', '--random', '--device', 'cuda', '--input', x, '--output', path.join(dir, 'dev-out.npy')]);
    if (r.code === 0) return; // a machine with a GPU
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERR_CUDA_UNAVAILABLE/);
  });

  it('run: missing required options are usage errors', () => {
    const r = cli(['run', '--random', '--output', 'y.npy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--input is required/);
  });

  it('info: the kernel level and CPU features', () => {
    const r = cli(['info', '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout.toString());
    expect(info.cpuKernels).toMatch(/\w+/);
    expect(Array.isArray(info.cpuFeatures)).toBe(true);
    expect(info.binary).toMatch(/\.node$/);
    expect(info.cpuLevelsCompiled).toEqual(expect.arrayContaining(info.cpuLevels));
    expect(info.cpuLevelsCompiled).toContain(info.cpuKernels);
    // bf16 runs exactly where the CPU reports AVX512_BF16 next to the avx512 level.
    expect(info.bf16).toBe(info.cpuFeatures.includes('avx512bf16') && info.cpuLevels.includes('avx512'));
    // The SIMD levels name their GEMM register tile; the avx512 level pins or chooses 8 x 2 or 8 x 3.
    expect(info.cpuGemmTile).toMatch(info.cpuKernels === 'generic' ? /^$/ : /^\d+x\d+$/);
    if (info.cpuKernels === 'avx512') {
      expect(['8x2', '8x3']).toContain(info.cpuGemmTile);
      expect(info.cpuLevels).toEqual(expect.arrayContaining(['avx512-8x2', 'avx512-8x3']));
    }
    const text = cli(['info']).stdout.toString();
    expect(text).toMatch(new RegExp(`in use ${info.cpuKernels}${info.cpuGemmTile ? ` \\(GEMM tile ${info.cpuGemmTile}\\)` : ''}$`, 'm'));
    expect(text).toMatch(info.bf16 ? /^bf16 +yes \(--precision bf16\)$/m : /^bf16 +no \(needs AVX-512 with AVX512_BF16\)$/m);
  });
});
