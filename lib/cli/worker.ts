/**
 * `efficientnet worker`: takes classify and embed jobs from a BullMQ queue on Redis until SIGTERM
 * or SIGINT, which stop taking jobs, finish the running ones and exit 0.
 */
import { startQueueWorker, type WorkerEvent } from '../scale';
import { UsageError } from './io';
import { parseCommandArgs } from './parse';
import { countOption, imageOptions, loadModel, MODEL_SPEC_FLAGS, MODEL_SPEC_FLAGS_HELP, parseModelArg } from './model-flags';

export const workerHelp = `Usage: efficientnet worker --redis redis://HOST:6379 --queue NAME [options]

Takes classify and embed jobs from the BullMQ queue NAME (job data: {"kind": "classify" | "embed",
"image": {"path"} | {"url"} | {"bytes": base64}, "top"?}) and returns each result as the job's
return value. Run one per machine (or per few cores) against the same Redis to scale out; jobs of
a worker that dies go back to the queue after --lock-duration. A bad image fails its job once,
without retries. SIGTERM or SIGINT: finish the running jobs, exit 0. docs/SCALING.md has it all.

  --redis URL          redis://[user:password@]host[:port][/db] (rediss:// for TLS)
  --queue NAME         the queue
  --model V[:WEIGHTS]  variant and weights (default b0 with its pretrained weights)
  --random             seeded random weights (testing: answers are meaningless)
  --concurrency N      jobs in flight at once (default 16; dynamic batching merges them)
  --lock-duration MS   a job's lock; a dead worker's jobs are retried after about twice this
                       (default 30000)
  --connect-timeout MS give up when Redis does not answer at start (default 10000)
  --max-pixels N       most pixels per image (decompression-bomb guard)
${MODEL_SPEC_FLAGS_HELP}
  -q, --quiet          no line per job on stderr
  -h, --help           this text`;

function describe(e: WorkerEvent): string {
  switch (e.type) {
    case 'completed':
      return `job ${e.jobId} ${e.kind}: done`;
    case 'failed':
      return `job ${e.jobId}: failed${e.willRetry ? ' (will retry)' : ''}: ${e.reason}`;
    case 'stalled':
      return `job ${e.jobId}: its worker stopped answering; back in the queue`;
    case 'error':
      return `redis: ${e.message}`;
  }
}

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    ...MODEL_SPEC_FLAGS,
    redis: { type: 'string' },
    queue: { type: 'string' },
    model: { type: 'string', default: 'b0' },
    concurrency: { type: 'string' },
    'lock-duration': { type: 'string' },
    'connect-timeout': { type: 'string' },
    'max-pixels': { type: 'string' },
    quiet: { type: 'boolean', short: 'q', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(workerHelp + '\n');
    return 0;
  }
  if (values.redis === undefined) throw new UsageError('--redis is required (e.g. --redis redis://localhost:6379)');
  if (!/^rediss?:\/\/[^/]/.test(values.redis)) throw new UsageError(`--redis expects redis://host[:port][/db], got "${values.redis}"`);
  if (values.queue === undefined) throw new UsageError('--queue is required');
  if (values.queue === '' || values.queue.includes(':')) throw new UsageError(`--queue must be a name without ':', got "${values.queue}"`);
  const { variant, weights } = parseModelArg(values.model);
  if (weights !== undefined && values.random) throw new UsageError('give --random or weights in --model, not both');
  const concurrency = countOption(values.concurrency, 'concurrency', 16);
  const lockDurationMs = countOption(values['lock-duration'], 'lock-duration', 30_000);
  const connectTimeoutMs = countOption(values['connect-timeout'], 'connect-timeout', 10_000);
  if (lockDurationMs < 1000) throw new UsageError('--lock-duration must be at least 1000 ms');
  if (connectTimeoutMs < 100) throw new UsageError('--connect-timeout must be at least 100 ms');
  const { maxPixels } = imageOptions({ resize: 'sharp', 'max-pixels': values['max-pixels'] });

  const model = await loadModel({ ...values, variant, weights }, { batching: { maxBatch: 8, maxWaitMs: 2 } });
  const log = (line: string): void => {
    process.stderr.write(`efficientnet worker: ${line}\n`);
  };
  let worker;
  try {
    worker = await startQueueWorker({
      redis: values.redis,
      queue: values.queue,
      model,
      concurrency,
      lockDurationMs,
      connectTimeoutMs,
      maxPixels,
      onEvent: (e) => {
        if (!values.quiet || e.type === 'error') log(describe(e));
      },
    });
  } catch (err) {
    model.dispose();
    throw err;
  }
  log(`ready: queue ${values.queue}, ${model.arch.name}${model.random ? ' (random weights)' : ''}, ${concurrency} jobs at once`);
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      log(`${signal}: finishing the running jobs`);
      process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
      void worker.close().then(
        () => {
          model.dispose();
          log('stopped');
          resolve(0);
        },
        (err: unknown) => {
          log(`error while stopping: ${String(err)}`);
          model.dispose();
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
