#!/usr/bin/env node
// Our bf16 kernels against our fp32 ones (precision 'bf16': CPUs with AVX512_BF16). For each
// variant, batch and thread count, the two run as `efficientnet bench` runs engines: each round a
// fresh process timing one fixed seeded batch for SECONDS after a warm-up, the precisions
// alternated ABBA for ROUNDS rounds each. Prints the medians, the speed-up of the medians and its
// range over the pairs of rounds (a pair ran back to back), and the largest logit difference.
//
//   npm run build:ts && node bench/precision.mjs [--variant b0,b3] [--batch 1,8] [--threads 1,2] [--rounds 4] [--seconds 2]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { measureInProcesses, summarizeSide, compareSides } = require('../dist/bench');
const { getNative } = require('../dist/native');

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'b0,b3' },
    batch: { type: 'string', default: '1,8' },
    threads: { type: 'string', default: String(require('node:os').availableParallelism()) },
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '2' },
  },
});
if (!getNative().info().bf16) {
  console.error('bench/precision.mjs: this CPU has no AVX512_BF16, so there is no bf16 to time');
  process.exit(1);
}
const list = (s) => s.split(',').filter(Boolean);
const rounds = Number(values.rounds);
console.log(`${rounds} alternated rounds of ${values.seconds} s per precision and row, each round its own process; seeded weights and input`);
console.log('| variant | batch | threads | fp32 ms | bf16 ms | bf16 speed-up (per pair) | max logit diff / max logit |');
console.log('|---|---|---|---|---|---|---|');
for (const variant of list(values.variant)) {
  for (const batch of list(values.batch).map(Number)) {
    for (const threads of list(values.threads).map(Number)) {
      const base = { engine: 'ours', variant, batch, threads, kernels: 'fast', seed: 0, inputSeed: 1, warmupSeconds: 1, seconds: Number(values.seconds) };
      const m = await measureInProcesses([{ ...base, precision: 'fp32' }, { ...base, precision: 'bf16' }], rounds, (_e, r, out) =>
        process.stderr.write(`${variant} x${batch} ${threads}t round ${r + 1} ${out.facts.kernels}: ${out.latenciesMs.length} runs\n`),
      );
      const [fp32, bf16] = m.samples.map((s) => summarizeSide(s, batch));
      const { ratio, ratioRange } = compareSides(bf16, fp32);
      const [a, b] = m.first.map((f) => f.logits);
      const diff = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
      const scale = Math.max(...a.map(Math.abs));
      const range = ratioRange ? ` (${ratioRange[0].toFixed(2)}-${ratioRange[1].toFixed(2)})` : '';
      console.log(`| ${variant} | ${batch} | ${threads} | ${fp32.medianMs.toFixed(2)} | ${bf16.medianMs.toFixed(2)} | ${ratio.toFixed(2)}x${range} | ${(diff / scale).toExponential(1)} |`);
    }
  }
}
