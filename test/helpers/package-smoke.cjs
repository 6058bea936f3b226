// Run by test/slow/package.test.ts, possibly under qemu with an arm64 Node or under Wine: loads the
// efficientnet package found at argv[2] as a user would and checks where its binary came from;
// runs B0 on seeded weights against torchvision's logits (the parity fixture at argv[3], if not
// empty); and, given the test addon built beside that prebuild (argv[4]: the op table is test data,
// kept out of the shipped addon), runs the whole op table at every CPU level this CPU has.
// Prints one JSON line.
const path = require('path');
const fs = require('fs');

const pkg = require(argv(2));
const { getNative, nativeOrigin } = require(path.join(argv(2), 'dist/native.js'));
const { seededImageBatch } = require(path.join(argv(2), 'dist/random.js'));

function argv(i) {
  return process.argv[i];
}

async function main() {
  const native = getNative();
  let cases = 0;
  const failed = [];
  const table = argv(4) ? require(argv(4)) : { opCases: () => [] };
  for (const level of native.info().cpuLevels) {
    for (const id of table.opCases()) {
      cases++;
      const r = table.checkOpCase(id, { cpuLevel: level });
      if (!r.passed) failed.push(`${level} ${id} (${r.kernel}): max abs ${r.maxAbsDiff}`);
    }
  }
  const result = { origin: nativeOrigin(), levels: native.info().cpuLevels, kernels: native.info().cpuKernels, cases, failed };
  if (argv(3)) {
    const f = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
    const arch = pkg.resolveArch(f.variant);
    const weights = pkg.writeSafetensors(pkg.seededStateDict(arch, f.seed));
    const model = await pkg.EfficientNet.load({ variant: f.variant, weights, padding: f.padding, bnEps: f.bnEps });
    const logits = await model.run(seededImageBatch(f.batch, f.resolution, f.inputSeed));
    model.dispose();
    let maxDiff = 0;
    let maxRef = 0;
    f.logits.forEach((v, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - logits.data[i]));
      maxRef = Math.max(maxRef, Math.abs(v));
    });
    result.parity = { name: f.name, maxDiff, maxRef, relative: maxDiff / maxRef };
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
