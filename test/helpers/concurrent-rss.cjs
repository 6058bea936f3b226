// Run by test/model/backpressure.test.ts in a child process: 1000 concurrent run() calls on one input,
// with the model's default queue bound or (`unbounded`) one as large as the call count. Prints the
// peak RSS growth over the loaded model and whether every result equals a sequential run's.
// Usage: node concurrent-rss.cjs <bounded|unbounded> [calls]
const { EfficientNet, writeSafetensors, seededStateDict, resolveArch } = require('../../dist/index.js');
const { seededImageBatch } = require('../../dist/random.js');

// Narrow and shallow, but at 224x224: each call's input copy is as large as B0's (588 KiB).
const MODEL = { width: 0.25, depth: 0.25, resolution: 224 };

async function main() {
  const [mode, calls] = [process.argv[2], Number(process.argv[3] ?? 1000)];
  const weights = writeSafetensors(seededStateDict(resolveArch(MODEL), 1));
  const model = await EfficientNet.load({ variant: MODEL, weights, queue: mode === 'unbounded' ? { max: calls } : undefined });
  const x = seededImageBatch(1, MODEL.resolution, 1);
  const expected = Array.from((await model.run(x)).data);
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const results = await Promise.all(Array.from({ length: calls }, () => model.run(x)));
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);
  const identical = results.every((t) => t.data.every((v, i) => v === expected[i]));
  process.stdout.write(JSON.stringify({ mode, calls, queueMax: model.queue.max, peakGrowthMiB: (peak - base) / 2 ** 20, identical }) + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
