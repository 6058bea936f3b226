// Run by test/native/worker-threads.test.ts (and tools/stress.mjs) in a child process, so that a crash
// shows as a bad exit code. Prints one JSON line. Usage: node worker-child.cjs <scenario> [count]
//   terminate N [classify]
//                 the main thread runs the model while N workers, one after another, load it,
//                 queue runs (or classify() calls on a photo with the native 'pil' resampler)
//                 and are terminated mid-run; reports terminate() latencies
//   parallel      the main thread and two workers run the same input at once; reports whether
//                 every result equals the main thread's
//   worker-exit   a worker calls process.exit(7) with runs in flight; reports its exit code
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { EfficientNet, writeSafetensors, seededStateDict, resolveArch } = require('../../dist/index.js');
const { seededImageBatch } = require('../../dist/random.js');

const SMALL = { width: 0.5, depth: 0.5, resolution: 128 };
const PHOTO = require('node:path').join(__dirname, '../fixtures/images/chelsea-landscape.png');
const BATCH = 4;

async function load() {
  return EfficientNet.load({ variant: SMALL, weights: writeSafetensors(seededStateDict(resolveArch(SMALL), 1)) });
}
const input = () => seededImageBatch(BATCH, SMALL.resolution, 1);

async function workerMain() {
  const model = await load();
  const x = input();
  if (workerData.role === 'terminate') {
    // Queue plenty of work, then tell the parent, which terminates this worker while it runs.
    for (let i = 0; i < 16; i++) {
      const calls = {
        classify: () => model.classify(PHOTO, { preprocess: { resize: 'pil' } }),
        profile: () => model.profile({ batch: BATCH, runs: 5 }),
        run: () => model.run(x),
      };
      const call = calls[workerData.work]();
      call.catch(() => {});
    }
    parentPort.postMessage('queued');
  } else if (workerData.role === 'parallel') {
    const results = [];
    for (let i = 0; i < 3; i++) results.push(Array.from((await model.run(x)).data));
    parentPort.postMessage(results);
  } else if (workerData.role === 'exit') {
    for (let i = 0; i < 8; i++) model.run(x).catch(() => {});
    process.exit(7);
  }
}

function spawn(role, work) {
  return new Worker(__filename, { workerData: { role, work } });
}

const scenarios = {
  async terminate(count, work) {
    const model = await load();
    const x = input();
    let stop = false;
    // The main thread keeps the executor busy with its own runs throughout.
    const background = (async () => { while (!stop) await model.run(x); })();
    const latencies = [];
    for (let i = 0; i < count; i++) {
      const worker = spawn('terminate', work);
      await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
      const t0 = process.hrtime.bigint();
      await worker.terminate();
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    stop = true;
    await background;
    const after = Array.from((await model.run(x)).data);
    const fresh = Array.from((await (await load()).run(x)).data);
    return { terminations: count, latenciesMs: latencies, mainStillExact: after.every((v, i) => v === fresh[i]) };
  },
  async parallel() {
    const model = await load();
    const x = input();
    const workers = [spawn('parallel'), spawn('parallel')];
    const fromWorkers = workers.map((w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); }));
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(Array.from((await model.run(x)).data));
    const theirs = await Promise.all(fromWorkers);
    await Promise.all(workers.map((w) => w.terminate()));
    const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
    return { identical: theirs.every((runs) => runs.every((r) => same(r, mine[0]))) && mine.every((r) => same(r, mine[0])) };
  },
  async 'worker-exit'() {
    const model = await load();
    const worker = spawn('exit');
    const code = await new Promise((resolve) => worker.once('exit', resolve));
    await model.run(input()); // the main thread's model still works afterwards
    return { workerExitCode: code };
  },
};

if (isMainThread) {
  const [name, count, work] = [process.argv[2], Number(process.argv[3] ?? 1), process.argv[4] ?? 'run'];
  scenarios[name](count, work).then(
    (result) => process.stdout.write(JSON.stringify(result) + '\n'),
    (e) => { console.error(e); process.exit(99); },
  );
} else {
  workerMain();
}
