// The fuzz harness's child process: `node test/fuzz/runner.cjs TARGET SEED COUNT` loads
// test/fuzz/targets/TARGET.cjs, makes COUNT seeded mutations of its base inputs, feeds each to the
// target's loader (the built dist/), and prints one JSON summary line on stdout.
//
// A target module exports:
//   bases:     [name, Buffer][]               the valid inputs to mutate
//   mutators:  [(r, bytes) => [label, bytes]]  format-aware mutations, used beside the generic ones
//   corpus:    [name, Buffer][] (optional)    hand-made broken inputs, each run once before the mutations
//   load:      async (bytes) => void          the code under test
//
// Outcomes: success, or an EfficientNetError with a string code (counted by code). Anything else
// (another error type, a code-less error) is listed in `other` with its case, so the parent names
// it; a case slower than CASE_LIMIT_MS is listed in `slow` (a hang that ends). Before each case the
// child writes `case N` to stderr, so a crash or a hang that never ends (the parent's time limit
// kills the child) names the case that caused it. Every case replays from (seed, index): the
// generator is re-seeded per case.
'use strict';
const path = require('node:path');
const { EfficientNetError } = require('../../dist/errors');

const CASE_LIMIT_MS = 10_000;
const [targetName, seedArg, countArg] = process.argv.slice(2);
const target = require(path.join(__dirname, 'targets', `${targetName}.cjs`));
const seed = Number(seedArg);
const count = Number(countArg);

// mulberry32: a small seeded PRNG.
function rng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXTREMES = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff];

// Positions that matter most: the start (headers), the end (trailers, central directories) and anywhere.
function position(r, len) {
  const k = r();
  if (k < 0.35) return Math.floor(r() * Math.min(len, 4096));
  if (k < 0.6) return Math.max(0, len - 1 - Math.floor(r() * Math.min(len, 2048)));
  return Math.floor(r() * len);
}

/** The format-blind mutations every target gets. */
const GENERIC = [
  (r, bytes) => {
    const b = Buffer.from(bytes);
    const n = 1 + Math.floor(r() * 8);
    for (let i = 0; i < n; i++) b[position(r, b.length)] = Math.floor(r() * 256);
    return [`flip ${n}`, b];
  },
  (r, bytes) => {
    const at = position(r, bytes.length);
    return [`truncate ${at}`, Buffer.from(bytes.subarray(0, at))];
  },
  (r, bytes) => {
    const b = Buffer.from(bytes);
    if (b.length < 4) return ['short', b];
    const at = Math.min(position(r, b.length), b.length - 4);
    b.writeUInt32LE(EXTREMES[Math.floor(r() * EXTREMES.length)] >>> 0, Math.max(0, at));
    return [`field ${at}`, b];
  },
  (r, bytes) => {
    const at = position(r, bytes.length);
    const ins = Buffer.from(Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256)));
    return [`insert ${at}`, Buffer.concat([bytes.subarray(0, at), ins, bytes.subarray(at)])];
  },
  (r, bytes) => {
    const b = Buffer.from(bytes);
    const from = position(r, b.length);
    const to = position(r, b.length);
    b.copy(b, to, from, Math.min(b.length, from + Math.floor(r() * 64)));
    return [`copy ${from}->${to}`, b];
  },
];

async function main() {
  const mutators = [...GENERIC, ...(target.mutators ?? [])];
  const summary = { cases: 0, ok: 0, codes: {}, other: [], slow: [] };
  const one = async (index, label, bytes) => {
    process.stderr.write(`case ${index} ${label}\n`);
    summary.cases++;
    const t0 = performance.now();
    try {
      await target.load(bytes);
      summary.ok++;
    } catch (e) {
      if (e instanceof EfficientNetError && typeof e.code === 'string') summary.codes[e.code] = (summary.codes[e.code] || 0) + 1;
      else summary.other.push({ case: index, input: label, error: String(e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e) });
    }
    const ms = performance.now() - t0;
    if (ms > CASE_LIMIT_MS) summary.slow.push({ case: index, input: label, ms: Math.round(ms) });
  };
  for (const [name, bytes] of target.corpus ?? []) await one(-1, `corpus ${name}`, bytes);
  for (let i = 0; i < count; i++) {
    const r = rng(seed * 100003 + i);
    const [name, base] = target.bases[Math.floor(r() * target.bases.length)];
    const [what, bytes] = mutators[Math.floor(r() * mutators.length)](r, base);
    await one(i, `${name}: ${what}`, bytes);
  }
  process.stdout.write(JSON.stringify(summary) + '\n');
}
main().catch((e) => {
  process.stderr.write(`runner failed: ${e && e.stack}\n`);
  process.exit(3);
});
