/**
 * `efficientnet serve`: the HTTP inference server (lib/serve) for one or more models, until
 * SIGTERM or SIGINT, which drain the requests in flight and exit 0.
 */
import { setFlagsFromString } from 'node:v8';
import type { EfficientNet } from '../model/efficientnet';
import { DEFAULT_BODY_BYTES, DEFAULT_MAX_IMAGES, DEFAULT_TIMEOUT_MS, createInferenceServer } from '../serve';
import { MODEL_NAME } from '../serve/options';
import { DEFAULT_BATCHING } from '../model/batcher';
import { UsageError } from './io';
import { parseCommandArgs } from './parse';
import { countOption, imageOptions, loadModel, MODEL_SPEC_FLAGS, MODEL_SPEC_FLAGS_HELP, parseModelArg } from './model-flags';

// Requests a model holds at once by default: enough for a few hundred concurrent clients, each
// holding at most one decoded image (0.6 MB at 224x224) while it waits.
const DEFAULT_QUEUE = 256;

export const serveHelp = `Usage: efficientnet serve [--model [NAME=]VARIANT[:WEIGHTS]]... [options]

Serves the models over HTTP until SIGTERM or SIGINT (which stop taking requests, answer those in
flight, and exit 0): the KServe v2 / Triton REST protocol (/v2/health/live, /v2/health/ready,
/v2/models/NAME, /v2/models/NAME/infer with JSON or binary tensors), image routes
(POST /v1/models/NAME/classify?top=5 and /v1/models/NAME/embed: an image body or
multipart/form-data) and Prometheus metrics (/metrics). Concurrent requests are batched
together. Logs are JSON lines on stdout; the address goes to stderr. docs/SERVING.md has it all.

  --model SPEC       a model: VARIANT (b0 … b7) with its pretrained weights, VARIANT:WEIGHTS (a
                     file or weights id, e.g. b3:timm:tf_efficientnet_b3), NAME=... to choose its
                     URL name (default: the variant); repeat for more (default: b0)
  --random           seeded random weights for every model (testing: answers are meaningless)
  --host H           address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --port P           port (default 8080; 0: any free port)
  --max-body BYTES   largest request body (default ${DEFAULT_BODY_BYTES})
  --max-images N     most images or tensor rows per request (default ${DEFAULT_MAX_IMAGES})
  --max-pixels N     most pixels per uploaded image (decompression-bomb guard)
  --timeout MS       per-request time limit, answered 504 (default ${DEFAULT_TIMEOUT_MS}; 0: none)
  --queue N          requests a model holds at once (decoded images waiting or running)
                     before answering 503 + Retry-After (default ${DEFAULT_QUEUE})
  --max-batch N      images merged into one run (default ${DEFAULT_BATCHING.maxBatch})
  --max-wait MS      how long a run waits for more images when idle (default ${DEFAULT_BATCHING.maxWaitMs})
${MODEL_SPEC_FLAGS_HELP}
  -q, --quiet        no request logs
  -h, --help         this text`;

/** One --model: its URL name, variant and weights (undefined: pretrained, or random with --random). */
interface ModelSpec {
  name: string;
  variant: string;
  weights?: string;
}

function parseModelSpec(spec: string): ModelSpec {
  const eq = spec.indexOf('=');
  const { variant, weights } = parseModelArg(eq >= 0 ? spec.slice(eq + 1) : spec);
  const name = eq >= 0 ? spec.slice(0, eq) : variant;
  if (!MODEL_NAME.test(name)) {
    throw new UsageError(`--model ${spec}: the name must be letters, digits, '.', '_' or '-' (at most 64)`);
  }
  return { name, variant, weights };
}

/**
 * This process is a server and nothing else: V8 may collect its garbage in whole pauses instead of
 * marking incrementally. Incremental marking starts once the heap passes a few MB (Fastify alone
 * takes it there) and then runs almost without pause under a server's allocation rate, on the
 * threads and cores the network needs: on 2 cores (B0, 64 clients) 24-33 full collections in 5 s
 * with it, 3 without, and 168 -> 190 images/s. A whole collection of this ~15 MB heap pauses the
 * JS thread ~10 ms, within the batching wait's noise. Set before any model is loaded; V8 reads the
 * flag each time it would start marking (docs/SERVING.md).
 */
function preferWholeCollections(): void {
  setFlagsFromString('--no-incremental-marking');
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    ...MODEL_SPEC_FLAGS,
    model: { type: 'string', multiple: true },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    'max-body': { type: 'string' },
    'max-images': { type: 'string' },
    'max-pixels': { type: 'string' },
    timeout: { type: 'string' },
    queue: { type: 'string' },
    'max-batch': { type: 'string' },
    'max-wait': { type: 'string' },
    quiet: { type: 'boolean', short: 'q', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(serveHelp + '\n');
    return 0;
  }
  const specs = (values.model ?? ['b0']).map(parseModelSpec);
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new UsageError(`two models are named '${s.name}': name them with --model NAME=${s.variant}...`);
    seen.add(s.name);
  }
  if (values.random && specs.some((s) => s.weights !== undefined)) throw new UsageError('give --random or weights in --model, not both');
  const port = Number(values.port);
  if (!/^\d{1,5}$/.test(values.port) || port > 65535) throw new UsageError(`--port expects 0 to 65535, got "${values.port}"`);
  const maxBatch = countOption(values['max-batch'], 'max-batch', DEFAULT_BATCHING.maxBatch);
  const maxWait = values['max-wait'] === undefined ? DEFAULT_BATCHING.maxWaitMs : nonNegative(values['max-wait'], 'max-wait');
  const queueMax = countOption(values.queue, 'queue', DEFAULT_QUEUE);
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : nonNegative(values.timeout, 'timeout');
  const limits = {
    bodyBytes: values['max-body'] === undefined ? undefined : countOption(values['max-body'], 'max-body', 0),
    maxImages: countOption(values['max-images'], 'max-images', DEFAULT_MAX_IMAGES),
    maxPixels: imageOptions({ resize: 'sharp', 'max-pixels': values['max-pixels'] }).maxPixels,
  };

  preferWholeCollections();
  const models = new Map<string, EfficientNet>();
  const disposeAll = (): void => models.forEach((m) => m.dispose());
  try {
    for (const s of specs) {
      const model = await loadModel(
        { ...values, variant: s.variant, weights: s.weights },
        { batching: { maxBatch, maxWaitMs: maxWait }, queue: { max: queueMax, whenFull: 'reject' } },
      );
      models.set(s.name, model);
    }
    const server = await createInferenceServer({ models, limits, timeoutMs, log: values.quiet ? undefined : process.stdout });
    let address: string;
    try {
      address = await server.listen({ port, host: values.host });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      process.stderr.write(`efficientnet: cannot listen on ${values.host}:${port}: ${code ?? (err as Error).message}\n`);
      disposeAll();
      return 1;
    }
    const described = [...models].map(([name, m]) => `${name}: ${m.arch.name}${m.random ? ', random weights' : ''}`).join('; ');
    process.stderr.write(`efficientnet serve: listening on ${address} (${described})\n`);
    return await new Promise<number>((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        process.stderr.write(`efficientnet serve: ${signal}: finishing the requests in flight\n`);
        // A second signal while draining ends it at once, as an interrupted process.
        process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
        void server.close().then(
          () => {
            disposeAll();
            process.stderr.write('efficientnet serve: stopped\n');
            resolve(0);
          },
          (err: unknown) => {
            process.stderr.write(`efficientnet serve: error while stopping: ${String(err)}\n`);
            disposeAll();
            resolve(1);
          },
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
  } catch (err) {
    disposeAll();
    throw err;
  }
}

function nonNegative(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} expects a whole number of milliseconds, got "${value}"`);
  return n;
}
