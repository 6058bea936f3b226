// safetensors files: the reader, then the key map and BN fold of a tiny network (value checks).
'use strict';
const { customArch } = require('../../../dist/arch');
const { parseSafetensors, writeSafetensors, seededStateDict, resolveParams, foldBatchNorm } = require('../../../dist/weights');

const arch = customArch({ width: 0.25, depth: 0.25, resolution: 32, numClasses: 10 });
const model = writeSafetensors(seededStateDict(arch, 1));
const mixed = writeSafetensors(
  new Map([
    ['a', { dtype: 'F16', shape: [3, 2], data: Float32Array.of(1, -2, 3.5, 65504, 1e-6, 0) }],
    ['b', { dtype: 'BF16', shape: [2], data: Float32Array.of(7, -8) }],
    ['c', { dtype: 'I64', shape: [1], data: new BigInt64Array([9n]) }],
  ]),
);
exports.bases = [['tiny-model', model], ['mixed-dtypes', mixed]];

// Header-aware mutations: decode the JSON header, change one thing, write it back.
function withHeader(bytes, edit) {
  const len = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + len).toString('utf8'));
  const label = edit(header);
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt(text.length));
  return [label, Buffer.concat([out, text, bytes.subarray(8 + len)])];
}
const pick = (r, header) => {
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  return names[Math.floor(r() * names.length)];
};
const HUGE = [2 ** 31, 2 ** 32 + 1, 2 ** 53, Number.MAX_SAFE_INTEGER, -1, 1.5, 1e308];
exports.mutators = [
  (r, bytes) => { // header length field
    const b = Buffer.from(bytes);
    const v = [0n, 1n, 7n, BigInt(b.length), BigInt(b.length) + 1n, 1n << 40n, (1n << 64n) - 1n][Math.floor(r() * 7)];
    b.writeBigUInt64LE(v, 0);
    return [`header length ${v}`, b];
  },
  (r, bytes) => withHeader(bytes, (h) => { // offsets
    const n = pick(r, h);
    const i = Math.floor(r() * 2);
    h[n].data_offsets[i] = r() < 0.5 ? h[n].data_offsets[i] + Math.floor(r() * 64) - 32 : HUGE[Math.floor(r() * HUGE.length)];
    return `offsets of ${n}`;
  }),
  (r, bytes) => withHeader(bytes, (h) => { // dtype
    const n = pick(r, h);
    h[n].dtype = ['F32', 'F16', 'BF16', 'I64', 'F64', 'U8', 'BOOL', 'Q7', '', 3][Math.floor(r() * 10)];
    return `dtype of ${n}`;
  }),
  (r, bytes) => withHeader(bytes, (h) => { // shape overflow
    const n = pick(r, h);
    h[n].shape = Array.from({ length: 1 + Math.floor(r() * 9) }, () => HUGE[Math.floor(r() * HUGE.length)]);
    return `shape of ${n}`;
  }),
  (r, bytes) => { // deep nesting in place of a shape
    const depth = [100, 1000, 5000, 20000][Math.floor(r() * 4)];
    return [`shape nested ${depth} deep`, textEdit(bytes, (t) => t.replace(/"shape":\[[^\]]*\]/, `"shape":${'['.repeat(depth)}${']'.repeat(depth)}`))];
  },
  (r, bytes) => [ // a duplicate key (the JSON text names its first tensor twice)
    'duplicate key',
    textEdit(bytes, (t) => t.replace(/^\{("[^"]+":\{[^}]*\}),/, '{$1,$1,')),
  ],
];

// Applies a text-level edit to the JSON header and rewrites the length field to match.
function textEdit(bytes, edit) {
  const len = Number(bytes.readBigUInt64LE(0));
  const text = Buffer.from(edit(bytes.subarray(8, 8 + len).toString('utf8')), 'utf8');
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([out, text, bytes.subarray(8 + len)]);
}

exports.load = async (bytes) => {
  const tensors = parseSafetensors(bytes);
  if (tensors.size > 3) foldBatchNorm(arch, resolveParams(arch, tensors));
};
