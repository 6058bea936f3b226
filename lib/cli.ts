#!/usr/bin/env node
/**
 * The `efficientnet` command. Exit codes: 0 success, 1 some inputs failed (the error's code and
 * message on stderr, one line), 2 usage error (one line, with a hint to help). No error prints a
 * stack trace except a bug of ours ("unexpected error").
 */
import { EfficientNetError } from './errors';
import { fileErrorMessage, UsageError, writeOutput } from './cli/io';
import { flagNames, unknownMessage } from './cli/parse';
import { benchCommand, benchHelp } from './cli/bench';
import { camCommand, camHelp } from './cli/cam';
import { classifyCommand, classifyHelp } from './cli/classify';
import { convertCommand, convertHelp } from './cli/convert';
import { infoCommand, infoHelp } from './cli/info';
import { runCommand, runHelp } from './cli/run';
import { serveCommand, serveHelp } from './cli/serve';
import { summaryCommand, summaryHelp } from './cli/summary';
import { weightsCommand, weightsHelp } from './cli/weights';
import { workerCommand, workerHelp } from './cli/worker';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string; about: string }> = {
  summary: { run: summaryCommand, help: summaryHelp, about: 'architecture, parameters and multiply-adds per variant' },
  run: { run: runCommand, help: runHelp, about: 'logits for a float32 NCHW .npy batch' },
  info: { run: infoCommand, help: infoHelp, about: 'native binary, CPU features and kernel level' },
  classify: { run: classifyCommand, help: classifyHelp, about: 'top-k ImageNet labels for image files' },
  cam: { run: camCommand, help: camHelp, about: 'class activation map of an image as a PNG overlay' },
  weights: { run: weightsCommand, help: weightsHelp, about: 'pretrained weights: list, fetch, cache path' },
  convert: { run: convertCommand, help: convertHelp, about: 'a PyTorch .pth state dict to .safetensors' },
  serve: { run: serveCommand, help: serveHelp, about: 'HTTP inference server: KServe v2 protocol, image routes, metrics' },
  worker: { run: workerCommand, help: workerHelp, about: 'take classify/embed jobs from a Redis (BullMQ) queue' },
  bench: { run: benchCommand, help: benchHelp, about: 'latency and images/s per variant and batch, optionally vs onnxruntime' },
};

const mainHelp = `Usage: efficientnet <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)} ${c.about}`)
  .join('\n')}
  help      help for a command: efficientnet help <command>

Options:
  -h, --help     this text
  -v, --version  the package version

Run "efficientnet <command> --help" for a command's options.
Exit codes: 0 ok, 1 some inputs failed (each named on stderr), 2 usage error.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    await writeOutput('-', mainHelp + '\n');
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await writeOutput('-', (require('../package.json') as { version: string }).version + '\n');
    return 0;
  }
  if (command === 'help') {
    const topic = rest[0];
    if (topic !== undefined && topic !== 'help' && !(topic in COMMANDS)) {
      throw new UsageError(unknownMessage('command', topic, Object.keys(COMMANDS)));
    }
    await writeOutput('-', (topic === undefined || topic === 'help' ? mainHelp : COMMANDS[topic].help) + '\n');
    return 0;
  }
  const entry = COMMANDS[command];
  if (entry === undefined) throw new UsageError(unknownMessage('command', command, [...Object.keys(COMMANDS), 'help']));
  return entry.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as Error & { code?: string };
    const fileProblem = fileErrorMessage(err);
    if (err instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`efficientnet: ${e.message} (see "efficientnet help")\n`);
      process.exitCode = 2;
    } else if (err instanceof EfficientNetError) {
      process.stderr.write(`efficientnet: ${e.code}: ${flagNames(e.message)}\n`);
      process.exitCode = 1;
    } else if (fileProblem !== undefined) {
      process.stderr.write(`efficientnet: ${fileProblem}\n`);
      process.exitCode = 1;
    } else if (err instanceof TypeError || err instanceof RangeError) {
      // An option the API refused: name the flag the user typed, not the API's option.
      process.stderr.write(`efficientnet: ${flagNames(e.message)} (see "efficientnet help")\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`efficientnet: unexpected error: ${e.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
