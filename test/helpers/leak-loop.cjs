// Run by test/native/leaks.test.ts in a child process with --expose-gc: repeats a scenario many times and
// prints the RSS growth between a warmed-up point and the end, as JSON on stdout.
// Usage: node --expose-gc leak-loop.cjs <scenario> <iterations>
const { EfficientNet, writeSafetensors, seededStateDict, resolveArch } = require('../../dist/index.js');
const { seededImageBatch } = require('../../dist/random.js');

const SMALL = { width: 0.5, depth: 0.5, resolution: 64 };
const weights = writeSafetensors(seededStateDict(resolveArch(SMALL), 1));
// Weights of another (equally small) scaling: the variant-mismatch path without parsing a 21 MB
// B0 file each time, whose churn through the allocator is noise next to a real leak.
const otherVariant = writeSafetensors(seededStateDict(resolveArch({ width: 0.25, depth: 0.5, resolution: 64 }), 1));
const x = seededImageBatch(2, 64, 1);
const photo = require('path').join(__dirname, '../fixtures/images/chelsea-landscape.png');

const scenarios = {
  // load, run, dispose: packed weights and arenas must go with dispose()
  async lifecycle() {
    const m = await EfficientNet.load({ variant: SMALL, weights });
    await m.run(x);
    m.dispose();
  },
  // every failing path of load and run
  async errors() {
    for (const bad of [weights.subarray(0, 100), Buffer.from('garbage'), otherVariant]) {
      await EfficientNet.load({ variant: SMALL, weights: bad }).catch(() => {});
    }
    const m = await EfficientNet.load({ variant: SMALL, weights });
    await m.run(new Float32Array(7)).catch(() => {});
    m.dispose();
    await m.run(x).catch(() => {});
  },
  // the image paths: decode, classify, features (its own lazily compiled plan), CAM
  async images() {
    const m = await EfficientNet.load({ variant: SMALL, weights });
    await m.classify(photo, { topK: 3 });
    await m.features(x.subarray(0, 3 * 64 * 64));
    await m.cam(photo);
    m.dispose();
  },
  // many runs on one model at several batch sizes: one arena per batch size, nothing per run
  model: undefined,
  async runs() {
    this.model ??= await EfficientNet.load({ variant: SMALL, weights });
    await Promise.all([this.model.run(x), this.model.run(x.subarray(0, 3 * 64 * 64))]);
  },
};

async function main() {
  const [name, iterations] = [process.argv[2], Number(process.argv[3])];
  const step = scenarios[name].bind(scenarios);
  const settle = () => { for (let i = 0; i < 3; i++) global.gc(); };
  for (let i = 0; i < Math.ceil(iterations / 4); i++) await step(); // warm up allocators and caches
  // Two equal phases: a leak grows RSS in both by about the same amount, while allocator churn (a
  // one-off arena or heap extension, more likely on a busy machine) lands in one of them. So the
  // growth reported is the smaller of the two.
  const rss = [];
  for (let phase = 0; phase < 3; phase++) {
    if (phase > 0) for (let i = 0; i < iterations; i++) await step();
    settle();
    rss.push(process.memoryUsage().rss);
  }
  const phases = [rss[1] - rss[0], rss[2] - rss[1]].map((b) => b / 2 ** 20);
  process.stdout.write(JSON.stringify({ name, iterations, phasesMiB: phases, growthMiB: Math.min(...phases) }) + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
