// The benchmark harness (`efficientnet bench`, lib/bench/): its statistics, the interleaved timing
// loop, the progress output, and the command end to end on B0 with tiny time budgets. Speed is
// never asserted: these check that the figures are there and consistent, not what they are.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  hasTorch,
  measureInProcesses,
  runFor,
  type EngineSpec,
  type RoundOutput,
  median,
  ONNXRUNTIME_VERSION,
  Progress,
  quantile,
  relativeSpread,
  type BenchReport,
} from '../../lib/bench';
import { formatTable } from '../../lib/text-table';
import { ortSessionOptions, ortSettings } from '../../lib/bench/onnxruntime';
import { compareSides } from '../../lib/bench/report';
import { addEfficiency } from '../../lib/bench/run-bench';
import { flopsPerImage, peakFraction } from '../../lib/bench/peak';
import { getNative, type MachinePeak } from '../../lib/native';
import { resolveArch, summarize } from '../../lib';
import { cli } from '../helpers/cli';

const dir = mkdtempSync(path.join(tmpdir(), 'effnet-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Small budgets: one or two rounds of a few B0 runs. The figures are meaningless; the shapes are not.
const QUICK = ['--variant', 'b0', '--batch', '1', '--seconds', '0.3', '--warmup', '0.1', '--round', '0.15', '--threads', '2', '--peak-seconds', '0.2'];
// The first Python with torch: $PYTHON, the one on PATH, or Debian's (another python3 may come
// first on PATH without torch).
const python = [process.env.PYTHON, 'python3', '/usr/bin/python3'].find((p) => p !== undefined && hasTorch(p)) ?? 'python3';

describe('bench statistics', () => {
  it.each([
    { values: [3, 1, 2], q: 0.5, expected: 2 },
    { values: [4, 1, 3, 2], q: 0.5, expected: 2.5 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], q: 0.9, expected: 9.1 },
    { values: [7], q: 0.9, expected: 7 },
    { values: [5, 1], q: 0, expected: 1 },
    { values: [5, 1], q: 1, expected: 5 },
  ])('quantile($values, $q) = $expected (linear interpolation, as numpy)', ({ values, q, expected }) => {
    expect(quantile(values, q)).toBeCloseTo(expected, 12);
  });

  it('median of nothing is NaN, a bad q is a RangeError, the input is not reordered', () => {
    expect(median([])).toBeNaN();
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('relativeSpread: (max - min) / reference, null for one round', () => {
    expect(relativeSpread([9, 10, 11], 10)).toBeCloseTo(0.2, 12);
    expect(relativeSpread([10], 10)).toBeNull();
    expect(relativeSpread([1, 2], 0)).toBeNull();
  });
});

describe('bench timing loop', () => {
  it('alternates the engines ABBA, one round each time, and keeps every round', async () => {
    const spec = (engine: EngineSpec['engine']): EngineSpec => ({ engine, variant: 'b0', batch: 1, kernels: 'fast', precision: 'fp32', seed: 0, inputSeed: 1, warmupSeconds: 0, seconds: 0 });
    const order: string[] = [];
    let pid = 100;
    const fake = async (s: EngineSpec): Promise<RoundOutput> => {
      order.push(s.engine);
      return { pid: pid++, latenciesMs: [order.length, order.length + 0.5], logits: [order.length], facts: { kernels: 'x', threads: 1, resolution: 224 }, peakRssMiB: order.length };
    };
    const rounds: string[] = [];
    const r = await measureInProcesses([spec('ours'), spec('onnxruntime')], 3, (engine, round) => rounds.push(`${round}${engine}`), fake);
    expect(rounds).toEqual(['0ours', '0onnxruntime', '1onnxruntime', '1ours', '2ours', '2onnxruntime']);
    for (const s of r.samples) {
      expect(s.rounds).toHaveLength(3);
      expect(s.rounds.flat()).toEqual(s.latenciesMs);
    }
    expect(r.samples[0]!.rounds).toEqual([[1, 1.5], [4, 4.5], [5, 5.5]]);
    expect(r.pids).toEqual([[100, 103, 104], [101, 102, 105]]);
    expect(r.first.map((f) => f.logits)).toEqual([[1], [2]]); // the first round of each engine
    expect(r.peakRssMiB).toEqual([5, 6]);
  });

  it('runs at least once, even with no time', async () => {
    let n = 0;
    const latencies = await runFor(async () => void n++, 0);
    expect(n).toBe(1);
    expect(latencies).toHaveLength(1);
  });
});

describe('bench comparison settings and ratios', () => {
  it('onnxruntime gets its default session options: the thread count and nothing else', () => {
    expect(ortSessionOptions(ortSettings(3))).toEqual({ intraOpNumThreads: 3 });
    // The labelled tuned row differs only by the spinning flag.
    expect(ortSessionOptions(ortSettings(3, 'off'))).toEqual({ intraOpNumThreads: 3, extra: { session: { intra_op: { allow_spinning: '0' } } } });
  });

  it('compareSides: the ratio of medians and the range of the per-pair ratios', () => {
    const side = (roundMediansMs: number[], medianMs: number) => ({ samples: 9, rounds: roundMediansMs.length, medianMs, p90Ms: medianMs, imagesPerSecond: 1000 / medianMs, noise: null, roundMediansMs });
    const r = compareSides(side([10, 12, 11], 11), side([15, 12, 22], 14));
    expect(r.ratio).toBeCloseTo(14 / 11, 12);
    expect(r.ratioRange).toEqual([1, 2]);
    expect(compareSides(side([10], 10), side([20], 20)).ratioRange).toBeNull();
  });
});

describe('bench --threads sweep', () => {
  it('one row set per thread count, with the efficiency per thread against the 1-thread row', () => {
    const json = path.join(dir, 'sweep.json');
    const args = ['bench', ...QUICK.filter((a, i) => a !== '--threads' && QUICK[i - 1] !== '--threads'), '--threads', '1,2', '--json', json];
    const r = cli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/variant\s+batch\s+threads\s+median ms.*eff\/thread/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(report.rows.map((row) => row.threads)).toEqual([1, 2]);
    expect(report.rows[0]!.efficiency!.ours).toBe(1);
    expect(report.rows[1]!.efficiency!.ours).toBeCloseTo(report.rows[1]!.ours.imagesPerSecond / (2 * report.rows[0]!.ours.imagesPerSecond), 12);
  });

  it('addEfficiency: rate / (threads x the 1-thread rate), null without a 1-thread row', () => {
    const side = (imagesPerSecond: number) => ({ samples: 1, rounds: 1, medianMs: 1000 / imagesPerSecond, p90Ms: 0, imagesPerSecond, noise: null, roundMediansMs: [] });
    const row = (variant: string, threads: number, ours: number, ort: number | null) =>
      ({ variant, batch: 1, threads, ours: side(ours), onnxruntime: ort === null ? null : side(ort), efficiency: null }) as unknown as BenchReport['rows'][number];
    const rows = [row('b0', 1, 100, 80), row('b0', 4, 300, 200), row('b3', 2, 50, null)];
    addEfficiency(rows);
    expect(rows[0]!.efficiency).toEqual({ ours: 1, onnxruntime: 1 });
    expect(rows[1]!.efficiency).toEqual({ ours: 0.75, onnxruntime: 0.625 });
    expect(rows[2]!.efficiency).toBeNull();
  });
});

describe('bench --peak', () => {
  it('measures the FMA peak of the widest level and the bandwidth, as a table and JSON', () => {
    const r = cli(['bench', '--peak', '--peak-seconds', '0.5', '--json', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/FMA peak, 1 thread \(\w+, \d+ lanes x 12 chains\)\s+[\d.]+ GFLOP\/s/);
    expect(r.stderr).toMatch(/memory read, \d+ threads/);
    const { peak } = JSON.parse(r.stdout.toString()) as { peak: MachinePeak };
    const levels = getNative().info().cpuLevels;
    // The widest runnable level with vectors (levels are listed lowest first).
    expect(peak.level).toBe([...levels].reverse().find((l) => l !== 'generic') ?? '');
    expect(peak.gflopsOneThread).toHaveLength(3);
    expect(peak.gflopsPerCore).toBe(Math.max(...peak.gflopsOneThread));
    for (const v of [peak.gflopsPerCore, peak.gflopsAll, peak.readGBs, peak.copyGBs]) expect(v).toBeGreaterThan(0);
    expect(peak.threads).toBe(os.availableParallelism());
  });

  it('% peak: images/s x 2 x multiply-adds / the peak of the threads used', () => {
    const peak = { level: 'avx512', lanes: 16, chains: 12, gflopsOneThread: [250], gflopsPerCore: 250, threads: 4, gflopsAll: 900, bf16GflopsPerCore: 0, bf16GflopsAll: 0, readGBs: 1, copyGBs: 1, bufferBytes: 1 };
    const flops = 2 * summarize(resolveArch('b0')).macs;
    expect(flopsPerImage('b0')).toBe(flops);
    expect(peakFraction(peak, 'b0', 100, 2)).toBeCloseTo((100 * flops) / 500e9, 12); // 2 x 250
    expect(peakFraction(peak, 'b0', 100, 4)).toBeCloseTo((100 * flops) / 900e9, 12); // the all-core figure bounds it
    expect(peakFraction({ ...peak, level: '' }, 'b0', 100, 2)).toBeNull();
  });
});

describe('bench output helpers', () => {
  function collect(isTTY: boolean): { progress: Progress; text: () => string } {
    let out = '';
    return { progress: new Progress({ isTTY, write: (t: string) => (out += t) }), text: () => out };
  }

  it('rewrites one status line on a terminal', () => {
    const { progress, text } = collect(true);
    progress.status('one');
    progress.status('dropped: too soon after the last status');
    progress.step('two');
    progress.line('done');
    expect(text()).toBe('\r\x1b[Kone\r\x1b[Ktwo\r\x1b[Kdone\n');
  });

  it('writes plain lines, and no passing status, elsewhere', () => {
    const { progress, text } = collect(false);
    progress.status('one');
    progress.step('two');
    progress.line('done');
    progress.clear();
    expect(text()).toBe('two\ndone\n');
  });

  it('formatTable pads columns and right-aligns the numeric ones', () => {
    const t = formatTable(['name', 'ms'], [['b0', '7.5'], ['b3', '123']], new Set([1]));
    expect(t).toBe('name   ms\n----  ---\nb0    7.5\nb3    123\n');
  });
});

describe('efficientnet bench', () => {
  it('prints a table and writes the JSON report', () => {
    const json = path.join(dir, 'report.json');
    const r = cli(['bench', ...QUICK, '--json', json]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const table = r.stdout.toString();
    expect(table).toMatch(/variant\s+batch\s+median ms\s+p90 ms\s+img\/s\s+noise\s+% peak\s+peak RSS MiB/);
    expect(table).toMatch(/^b0\s+1\s+\d/m);
    // Not a terminal: whole lines only, no carriage returns.
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).toMatch(/b0 x1: ours [\d.]+ ms/);

    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(report.command).toBe(`efficientnet bench ${QUICK.join(' ')} --json ${json}`);
    expect(Number.isNaN(Date.parse(report.date))).toBe(false);
    expect(report.machine.cpuModel).toMatch(/\w/);
    expect(report.machine.cores).toBeGreaterThanOrEqual(1);
    expect(report.machine.node).toBe(process.versions.node);
    expect(report.efficientnet.kernels).toMatch(/\w/);
    expect(report.efficientnet.threads).toBe(2);
    expect(report.onnxruntime).toBeNull();
    expect(report.settings).toMatchObject({ seconds: 0.3, warmupSeconds: 0.1, roundSeconds: 0.15, seed: 0, precision: 'fp32' });
    expect(report.rows).toHaveLength(1);
    const [row] = report.rows;
    expect(row).toMatchObject({ variant: 'b0', batch: 1, resolution: 224, threads: 2, kernels: report.efficientnet.kernels });
    expect(row!.ours.samples).toBeGreaterThanOrEqual(row!.ours.rounds);
    expect(row!.ours.medianMs).toBeGreaterThan(0);
    expect(row!.ours.p90Ms).toBeGreaterThanOrEqual(row!.ours.medianMs);
    expect(row!.ours.imagesPerSecond).toBeCloseTo(1000 / row!.ours.medianMs, 6);
    expect(row!.ours.roundMediansMs).toHaveLength(row!.ours.rounds);
    expect(row!.onnxruntime).toBeNull();
    expect(row!.ratio).toBeNull();
    expect(row!.onnxruntimeSpinningOff).toBeNull();
    expect(row!.peakRssMiB).toBeGreaterThan(10);
    // Each round ran in its own process, none of them this one or the CLI's.
    expect(row!.pids).toHaveLength(1);
    expect(new Set(row!.pids[0]).size).toBe(row!.ours.rounds);
    expect(row!.pids[0]).not.toContain(process.pid);
    expect(report.method).toMatch(/own process/);
    expect(report.peak!.gflopsPerCore).toBeGreaterThan(0);
    expect(row!.peakFraction!.ours).toBeCloseTo(peakFraction(report.peak!, 'b0', row!.ours.imagesPerSecond, 2)!, 12);
  });

  it.runIf(getNative().info().bf16)('--precision bf16 times the bf16 kernels and says so', () => {
    const r = cli(['bench', ...QUICK, '--json', '-']);
    const b = cli(['bench', ...QUICK, '--precision', 'bf16', '--json', '-']);
    expect(b.code).toBe(0);
    const report = JSON.parse(b.stdout.toString()) as BenchReport;
    expect(report.settings.precision).toBe('bf16');
    expect(report.rows[0]!.kernels).toBe('avx512-bf16');
    expect(b.stderr.toString()).toMatch(/avx512-bf16 kernels \(bf16\)/);
    expect((JSON.parse(r.stdout.toString()) as BenchReport).rows[0]!.kernels).not.toMatch(/bf16/);
  });

  it.each([
    { args: ['--batch', '0'], message: /--batch expects positive integers/ },
    { args: ['--variant', 'b9'], message: /unknown variant "b9"/ },
    { args: ['--compare', 'tensorflow'], message: /--compare supports onnxruntime only/ },
    { args: ['--compare', 'onnxruntime', '--variant', 'l2'], message: /needs torchvision's variants/ },
    { args: ['--kernels', 'turbo'], message: /--kernels must be fast or reference/ },
    { args: ['--precision', 'fp16'], message: /--precision must be fp32 or bf16, got "fp16"/ },
    { args: ['--seconds=-1'], message: /--seconds expects at least 0 seconds/ },
    { args: ['--profile', '--runs', '0'], message: /--runs expects positive integers/ },
    { args: ['--profile', '--compare', 'onnxruntime'], message: /--profile times our model only/ },
  ])('usage error (exit 2): $args', ({ args, message }) => {
    const r = cli(['bench', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('efficientnet bench --profile', () => {
  it('prints every step and the roofline by op class, and the JSON has one profile per variant, batch and thread count', () => {
    const r = cli(['bench', '--profile', '--variant', 'b0', '--batch', '1,2', '--threads', '1', '--runs', '2', '--peak-seconds', '0.2', '--json', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/by op class \(the roofline\)/);
    expect(r.stderr).toMatch(/blocks\.0\.0\.dw +depthwise/);
    const report = JSON.parse(r.stdout.toString()) as { peak: MachinePeak; profiles: { variant: string; batch: number; threads: number; steps: { flops: number }[] }[] };
    expect(report.profiles.map((p) => [p.variant, p.batch, p.threads])).toEqual([['b0', 1, 1], ['b0', 2, 1]]);
    // The steps' FLOPs are the network's: 2 x the multiply-adds `summary` counts, per image.
    for (const p of report.profiles) {
      expect(p.steps.reduce((a, s) => a + s.flops, 0)).toBe(2 * summarize(resolveArch('b0')).macs * p.batch);
    }
    expect(report.peak.gflopsPerCore).toBeGreaterThan(0);
  });
});

describe('efficientnet bench --compare onnxruntime', () => {
  // onnxruntime-node is no dependency of the package: the first comparison installs the pinned
  // version from the npm registry into the cache, with its install script off.
  const peers = { EFFICIENTNET_CACHE: path.join(dir, 'peer-cache') };

  it('installs onnxruntime-node on demand, then explains how to export the ONNX model when Python has no torch', () => {
    const cache = path.join(dir, 'no-torch-cache');
    const r = cli(['bench', ...QUICK, '--compare', 'onnxruntime', '--cache', cache, '--python', path.join(dir, 'no-such-python')], undefined, peers);
    expect(r.stderr).toContain(`installing onnxruntime-node@${ONNXRUNTIME_VERSION} into ${path.join(peers.EFFICIENTNET_CACHE, 'peers')}`);
    expect(readdirSync(path.join(peers.EFFICIENTNET_CACHE, 'peers'))).toEqual([`onnxruntime-node@${ONNXRUNTIME_VERSION}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot import torch[\s\S]*tools\/onnx\/export\.py --variant b0 --weights \S+\.safetensors --output \S+\.onnx --batch-dynamic/);
    // The weights the export needs are left there, named in the message.
    expect(readdirSync(cache).filter((f) => f.endsWith('.safetensors'))).toHaveLength(1);
  });

  it('exports B0, checks both engines agree, and reports both sides and the ratio', (ctx) => {
    ctx.skip(!hasTorch(python), `${python} has no torch/torchvision to export the ONNX model (apt-get install python3-torch python3-torchvision)`);
    const cache = path.join(dir, 'cache');
    const json = path.join(dir, 'compare.json');
    const r = cli(['bench', ...QUICK, '--compare', 'onnxruntime', '--cache', cache, '--json', json, '--python', python], undefined, peers);
    expect(r.stderr).not.toContain('installing onnxruntime-node'); // the first test installed it
    expect(r.stderr).not.toMatch(/efficientnet bench:/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/exporting b0 \(seed 0\) to ONNX/);
    expect(r.stdout.toString()).toMatch(/ort ms\s+ort p90\s+ort img\/s\s+ort noise\s+ours\/ort\s+per pair\s+max \|dlogit\|/);
    expect(r.stdout.toString()).toContain('its default session options but intraOpNumThreads = ours');
    expect(readdirSync(cache).filter((f) => f.endsWith('.onnx'))).toHaveLength(1);
    expect(readdirSync(cache).filter((f) => f.endsWith('.safetensors'))).toHaveLength(0);

    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(report.onnxruntime).toMatchObject({ intraOpNumThreads: 2, spinning: 'default' });
    expect(report.onnxruntime!.version).toMatch(/^1\.\d+/);
    const [row] = report.rows;
    expect(row!.onnxruntime!.medianMs).toBeGreaterThan(0);
    expect(row!.ratio).toBeCloseTo(row!.onnxruntime!.medianMs / row!.ours.medianMs, 9);
    // Every round of each engine in a process of its own: no pid twice, across engines either.
    expect(row!.pids).toHaveLength(2);
    expect(new Set(row!.pids.flat()).size).toBe(row!.ours.rounds + row!.onnxruntime!.rounds);
    expect(row!.agreement!.maxAbsLogit).toBeGreaterThan(0.1);
    expect(row!.agreement!.maxAbsDiff).toBeLessThan(1e-4 * row!.agreement!.maxAbsLogit);
  });
});
