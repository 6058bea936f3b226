/** `efficientnet info`: what this machine and this build can do. */
import { getNative, nativeOrigin, type CudaInfo } from '../native';
import { writeOutput } from './io';
import { parseCommandArgs } from './parse';

export const infoHelp = `Usage: efficientnet info [--json]

Shows which native binary was loaded (prebuild or local build, and its path), the CPU features,
the kernel levels compiled into the binary, those this CPU can run and the one in use, the CUDA state, and the versions of
efficientnet, Node and sharp.`;

function sharpVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sharp = require('sharp') as { versions: Record<string, string> };
    return `${sharp.versions.sharp} (libvips ${sharp.versions.vips})`;
  } catch (err) {
    return `not loadable: ${(err as Error).message.split('\n')[0]}`;
  }
}

function describeCuda(cuda: CudaInfo): string {
  if (!cuda.compiled) return 'not compiled (this binary was built without nvcc)';
  if (!cuda.available) return `compiled, not available (${cuda.reason})`;
  return `compiled, available: ${cuda.deviceName} (sm_${cuda.computeCapability}), ${cuda.deviceCount} device(s)`;
}

export async function infoCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } });
  if (values.help) {
    await writeOutput('-', infoHelp + '\n');
    return 0;
  }
  const native = getNative();
  const facts = native.info();
  const origin = nativeOrigin();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('../../package.json') as { version: string }).version;
  const report = {
    version,
    node: process.versions.node,
    napi: process.versions.napi,
    platform: `${process.platform}-${process.arch}`,
    binary: origin.path,
    binaryKind: origin.kind,
    fingerprint: native.fingerprint,
    cpuFeatures: facts.cpuFeatures,
    cpuLevelsCompiled: facts.cpuLevelsCompiled,
    cpuLevels: facts.cpuLevels,
    cpuKernels: facts.cpuKernels,
    cpuGemmTile: facts.cpuGemmTile,
    hardwareThreads: facts.hardwareThreads,
    bf16: facts.bf16,
    cuda: facts.cuda,
    sharp: sharpVersion(),
  };
  if (values.json) {
    await writeOutput('-', JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  const rows = [
    ['efficientnet', report.version],
    ['node', `${report.node} (N-API ${report.napi}), ${report.platform}`],
    ['binary', `${report.binaryKind}: ${report.binary}`],
    ['cpu features', report.cpuFeatures.join(' ') || '(none detected)'],
    ['cpu levels', `compiled ${report.cpuLevelsCompiled.join(' ')}; this CPU runs ${report.cpuLevels.join(' ')}; in use ${report.cpuKernels}${report.cpuGemmTile ? ` (GEMM tile ${report.cpuGemmTile})` : ''}`],
    ['threads', String(report.hardwareThreads)],
    ['bf16', report.bf16 ? "yes (--precision bf16)" : 'no (needs AVX-512 with AVX512_BF16)'],
    ['cuda', describeCuda(report.cuda)],
    ['sharp', report.sharp],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  await writeOutput('-', rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n');
  return 0;
}
