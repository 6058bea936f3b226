// Child process of pth.test.ts: parses seeded mutations of the .pth fixtures with the built reader
// (dist/) and prints one JSON summary line. Any error other than an EfficientNetError with a code
// is recorded with its case, so the parent can name it; a crash or hang ends this process, which
// the parent sees as a missing summary.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { parsePth } = require('../../dist/weights');
const { EfficientNetError } = require('../../dist/errors');

const [seedArg, countArg] = process.argv.slice(2);
const seed = Number(seedArg);
const count = Number(countArg);

// mulberry32: a small seeded PRNG, so every case can be replayed from (seed, index).
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

const dir = path.join(__dirname, '..', 'fixtures', 'pth');
const bases = ['zip.pth', 'legacy.pth', 'checkpoint.pth', 'views.pth'].map((f) => [f, readFileSync(path.join(dir, f))]);
const EXTREMES = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff];

// Positions that matter most: the start (pickle header, local headers), the end (central
// directory, storage list) and anywhere.
function position(r, len) {
  const k = r();
  if (k < 0.35) return Math.floor(r() * Math.min(len, 4096));
  if (k < 0.6) return Math.max(0, len - 1 - Math.floor(r() * Math.min(len, 2048)));
  return Math.floor(r() * len);
}

function mutate(r, bytes) {
  const b = Buffer.from(bytes);
  const kind = Math.floor(r() * 6);
  switch (kind) {
    case 0: { // flip a few bytes
      const n = 1 + Math.floor(r() * 8);
      for (let i = 0; i < n; i++) b[position(r, b.length)] = Math.floor(r() * 256);
      return [`flip ${n}`, b];
    }
    case 1: { // truncate
      const at = position(r, b.length);
      return [`truncate ${at}`, b.subarray(0, at)];
    }
    case 2: { // a 32-bit field set to an extreme
      const at = Math.min(position(r, b.length), b.length - 4);
      b.writeUInt32LE(EXTREMES[Math.floor(r() * EXTREMES.length)] >>> 0, Math.max(0, at));
      return [`field ${at}`, b];
    }
    case 3: { // insert random bytes
      const at = position(r, b.length);
      const ins = Buffer.from(Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256)));
      return [`insert ${at}`, Buffer.concat([b.subarray(0, at), ins, b.subarray(at)])];
    }
    case 4: { // duplicate a region over another
      const from = position(r, b.length);
      const to = position(r, b.length);
      const n = Math.floor(r() * 64);
      b.copy(b, to, from, Math.min(b.length, from + n));
      return [`copy ${from}->${to}`, b];
    }
    default: { // a pickle opcode byte planted
      const ops = [0x63, 0x93, 0x52, 0x62, 0x81, 0x82, 0x2e, 0x28, 0x71, 0x68, 0x51, 0x95, 0x8a, 0x58];
      const at = position(r, b.length);
      b[at] = ops[Math.floor(r() * ops.length)];
      return [`opcode ${at}`, b];
    }
  }
}

const summary = { cases: 0, ok: 0, codes: {}, other: [] };
for (let i = 0; i < count; i++) {
  const r = rng(seed * 100003 + i);
  const [name, base] = bases[Math.floor(r() * bases.length)];
  const [what, bytes] = mutate(r, base);
  summary.cases++;
  try {
    parsePth(bytes);
    summary.ok++;
  } catch (e) {
    if (e instanceof EfficientNetError && typeof e.code === 'string') summary.codes[e.code] = (summary.codes[e.code] || 0) + 1;
    else summary.other.push({ case: i, base: name, mutation: what, error: String(e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e) });
  }
}
process.stdout.write(JSON.stringify(summary) + '\n');
