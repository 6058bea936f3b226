// .npy files (what `efficientnet run --input` reads): the preamble and the dict-literal header.
'use strict';
const { encodeNpy, parseNpy } = require('../../../dist/npy');

const array = (shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return encodeNpy({ shape, data: Float32Array.from({ length: n }, (_, i) => i / 7) });
};
exports.bases = [['2x3x4x5', array([2, 3, 4, 5])], ['7', array([7])], ['scalar', array([])]];

// Header text edits: the header sits between byte 10 and the first newline.
function headerEdit(bytes, edit) {
  const end = bytes.indexOf(0x0a, 10);
  const header = Buffer.from(edit(bytes.subarray(10, end).toString('latin1')), 'latin1');
  const out = Buffer.concat([bytes.subarray(0, 10), header, bytes.subarray(end)]);
  out.writeUInt16LE(Math.min(0xffff, header.length + 1), 8);
  return out;
}
const JUNK = ["'", '"', '(', ')', ',', ':', '{', '}', ' ', 'x', '-1', '1e9', '999999999999999999', 'True', 'L', '\\', "'shape': (1,)"];
exports.mutators = [
  (r, bytes) => {
    const junk = JUNK[Math.floor(r() * JUNK.length)];
    let at = 0;
    return [`header insert ${JSON.stringify(junk)}`, headerEdit(bytes, (h) => ((at = Math.floor(r() * h.length)), h.slice(0, at) + junk + h.slice(at)))];
  },
  (r, bytes) => [
    'header delete',
    headerEdit(bytes, (h) => {
      const at = Math.floor(r() * h.length);
      return h.slice(0, at) + h.slice(at + 1 + Math.floor(r() * 4));
    }),
  ],
  (r, bytes) => {
    const dims = [0, 1, 65, 1000, 100000][Math.floor(r() * 5)];
    const dim = ['1', '0', '4294967296', '999999999999999', '2'][Math.floor(r() * 5)];
    return [`shape of ${dims} dims`, headerEdit(bytes, (h) => h.replace(/\(.*\)/, `(${`${dim}, `.repeat(dims)})`))];
  },
  (r, bytes) => {
    const descr = ['<f8', '>f4', '|u1', '<f4', 'float32', "'", ''][Math.floor(r() * 7)];
    return [`descr ${descr}`, headerEdit(bytes, (h) => h.replace("'<f4'", `'${descr}'`))];
  },
  (r, bytes) => {
    const b = Buffer.from(bytes);
    b[6] = [0, 1, 2, 3, 4, 255][Math.floor(r() * 6)];
    return [`version ${b[6]}`, b];
  },
];

exports.load = async (bytes) => {
  parseNpy(bytes, 'fuzz.npy');
};
