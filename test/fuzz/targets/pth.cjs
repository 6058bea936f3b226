// .pth checkpoints (zip and legacy formats) through the restricted unpickler.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { parsePth } = require('../../../dist/weights');

const dir = path.join(__dirname, '..', '..', 'fixtures', 'pth');
exports.bases = ['zip.pth', 'legacy.pth', 'checkpoint.pth', 'views.pth'].map((f) => [f, readFileSync(path.join(dir, f))]);

// A pickle opcode planted where the generic mutations would rarely make one.
const OPCODES = [0x63, 0x93, 0x52, 0x62, 0x81, 0x82, 0x2e, 0x28, 0x71, 0x68, 0x51, 0x95, 0x8a, 0x58];
exports.mutators = [
  (r, bytes) => {
    const b = Buffer.from(bytes);
    const at = Math.floor(r() * b.length);
    b[at] = OPCODES[Math.floor(r() * OPCODES.length)];
    return [`opcode ${at}`, b];
  },
];

exports.load = async (bytes) => {
  parsePth(bytes);
};
