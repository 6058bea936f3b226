// Run by test/native/process-exit.test.ts in a child process: loads a small model, leaves runs in flight
// (or not), then ends the process one of the ways a program ends. The parent checks the exit code
// is exactly Node's. Usage: node exit-child.cjs <case>
const { EfficientNet, writeSafetensors, seededStateDict, resolveArch } = require('../../dist/index.js');
const { seededImageBatch } = require('../../dist/random.js');

const SMALL = { width: 0.5, depth: 0.5, resolution: 96 };

// How the process ends, after `inflight` runs were started (0: the model is idle).
const endings = {
  exit0: () => process.exit(0),
  exit3: () => process.exit(3),
  sigint130: () => {
    setTimeout(() => {}, 60_000); // keeps the loop alive until the signal is handled
    process.on('SIGINT', () => process.exit(130));
    process.kill(process.pid, 'SIGINT');
  },
  uncaught: () => setImmediate(() => { throw new Error('uncaught on purpose'); }),
  rejection: () => { Promise.reject(new Error('unhandled on purpose')); },
  natural: () => {},
  // exit() without the 'exit' event (as a native caller would): the addon's atexit handler alone
  // must stop the inference thread, which may be mid-kernel.
  reallyExit: () => process.reallyExit(5),
};

async function main() {
  const [ending, inflight, dispose] = [process.argv[2], Number(process.argv[3]), process.argv[4] === 'dispose'];
  const weights = writeSafetensors(seededStateDict(resolveArch(SMALL), 1));
  const model = await EfficientNet.load({ variant: SMALL, weights });
  const x = seededImageBatch(4, SMALL.resolution, 1);
  await model.run(x); // the executor has run at least once
  for (let i = 0; i < inflight; i++) model.run(x).catch(() => {});
  if (dispose) model.dispose();
  endings[ending]();
}
main().catch((e) => { console.error(e); process.exit(99); });
