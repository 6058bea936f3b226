// Write seededStateDict(variant, seed) as a safetensors file, for tools that run torch on it.
// Usage: node test/helpers/write-seeded.cjs <compiled dist dir> <variant> <seed> <out.safetensors> [torchvision|timm]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const [dist, variant, seed, out, format = 'torchvision'] = process.argv.slice(2);
const arch = require(path.resolve(dist, 'arch')).archForVariant(variant);
const w = require(path.resolve(dist, 'weights'));
const t0 = Date.now();
const sd = w.seededStateDict(arch, Number(seed), format);
const t1 = Date.now();
fs.writeFileSync(out, w.writeSafetensors(sd));
console.log(`${variant}: ${sd.size} tensors, init ${t1 - t0} ms, written to ${out}`);
