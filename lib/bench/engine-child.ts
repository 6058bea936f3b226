/**
 * One engine, alone in its own process, for one round of `efficientnet bench`: loads it (our
 * model, or onnxruntime on the ONNX export), warms it up, times runs of one fixed input batch for
 * the round's seconds, and prints one JSON line: its pid, the latencies, the first run's logits
 * (for the agreement check) and what it ran with. The parent (processes.ts) alternates these
 * processes, so neither engine's threads (onnxruntime's spinning workers, ours) share the cores
 * with the other's.
 */
import { EfficientNet } from '../model/efficientnet';
import { seededImageBatch } from '../random';
import { openOrtSession } from './onnxruntime';
import { runFor } from './measure';
import type { EngineSpec, RoundOutput } from './processes';

async function main(spec: EngineSpec): Promise<RoundOutput> {
  let run: () => Promise<Float32Array>;
  let dispose: () => Promise<void>;
  let facts: RoundOutput['facts'];
  if (spec.engine === 'ours') {
    const model = await EfficientNet.load({
      variant: spec.variant,
      seed: spec.seed,
      threads: spec.threads,
      kernels: spec.kernels,
      precision: spec.precision,
    });
    const r = model.resolution;
    const input = { data: seededImageBatch(spec.batch, r, spec.inputSeed), dims: [spec.batch, 3, r, r] };
    run = async () => (await model.run(input)).data;
    facts = { kernels: model.kernelLevel!, threads: model.threads!, resolution: r };
    dispose = async () => model.dispose();
  } else {
    const { session, runnerFor } = await openOrtSession(spec.onnxPath!, { intraOpNumThreads: spec.threads!, spinning: spec.engine === 'onnxruntime' ? 'default' : 'off' });
    const r = spec.resolution!;
    run = runnerFor(seededImageBatch(spec.batch, r, spec.inputSeed), [spec.batch, 3, r, r]);
    facts = { kernels: spec.engine, threads: spec.threads!, resolution: r };
    dispose = () => session.release();
  }
  const logits = Array.from(await run());
  await runFor(run, spec.warmupSeconds);
  const latenciesMs = await runFor(run, spec.seconds);
  await dispose();
  return { pid: process.pid, latenciesMs, logits, facts, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

main(JSON.parse(process.argv[2]!) as EngineSpec).then(
  (out) => process.stdout.write(JSON.stringify(out) + '\n'),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
