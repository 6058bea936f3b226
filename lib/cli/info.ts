/** `efficientnet info`: what this machine and this build can do. */
import { parseArgs } from 'node:util';
import load from 'node-gyp-build';
import { getNative, PACKAGE_ROOT } from '../native';
import { writeOutput } from './io';

export const infoHelp = `Usage: efficientnet info [--json]

Shows the loaded native binary, the CPU features and kernel level in use, and versions.`;

export async function infoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    await writeOutput('-', infoHelp + '\n');
    return 0;
  }
  const native = getNative().info();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('../../package.json') as { version: string }).version;
  const facts = {
    version,
    node: process.versions.node,
    napi: process.versions.napi,
    binary: load.resolve(PACKAGE_ROOT),
    cpuFeatures: native.cpuFeatures,
    cpuKernels: native.cpuKernels,
    hardwareThreads: native.hardwareThreads,
    cuda: 'not compiled',
  };
  if (values.json) {
    await writeOutput('-', JSON.stringify(facts, null, 2) + '\n');
  } else {
    const rows = [
      ['efficientnet', facts.version],
      ['node', `${facts.node} (N-API ${facts.napi})`],
      ['binary', facts.binary],
      ['cpu features', facts.cpuFeatures.join(' ') || '(none detected)'],
      ['cpu kernels', facts.cpuKernels],
      ['threads', String(facts.hardwareThreads)],
      ['cuda', facts.cuda],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    await writeOutput('-', rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n');
  }
  return 0;
}
