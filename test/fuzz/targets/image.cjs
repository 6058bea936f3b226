// Images through the whole preprocessing path (sharp decode, crop policy, resampler, normalize):
// mutated photos plus a corpus of hand-broken files.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { preprocess } = require('../../../dist/image');

const dir = path.join(__dirname, '..', '..', 'fixtures', 'images');
const file = (f) => readFileSync(path.join(dir, f));
exports.bases = ['coffee-exif6.jpg', 'rocket-adobergb.jpg', 'no-time-animated.gif', 'chelsea-exif8.png'].map((f) => [f, file(f)]);

// A PNG whose IHDR claims other dimensions (CRC left stale or fixed up by chance).
function claiming(png, width, height) {
  const b = Buffer.from(png);
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}
const jpg = file('coffee-exif6.jpg');
const png = file('chelsea-exif8.png');
const gif = file('no-time-animated.gif');
exports.corpus = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from([0xff])],
  ['text', Buffer.from('this is not an image, just some text\n')],
  ['jpeg SOI only', Buffer.from([0xff, 0xd8])],
  ['jpeg truncated at half', jpg.subarray(0, jpg.length >> 1)],
  ['jpeg without EOI', jpg.subarray(0, jpg.length - 2)],
  ['png signature only', png.subarray(0, 8)],
  ['png truncated in IDAT', png.subarray(0, png.length >> 1)],
  ['png claiming 100000x100000 (bomb)', claiming(png, 100000, 100000)],
  ['png claiming 0x0', claiming(png, 0, 0)],
  ['png claiming 1x2^31', claiming(png, 1, 2 ** 31 - 1)],
  ['gif header only', gif.subarray(0, 13)],
  ['gif truncated', gif.subarray(0, gif.length - 20)],
  ['zeros', Buffer.alloc(4096)],
];

const POLICY = { kind: 'resize-crop', resizeSize: 72, cropSize: 64, interpolation: 'bicubic', mean: [0, 0, 0], std: [1, 1, 1] };
exports.mutators = [];
exports.load = async (bytes) => {
  await preprocess([bytes], POLICY, { resize: bytes.length % 2 ? 'pil' : 'sharp' });
};
