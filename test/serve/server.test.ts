// The HTTP server against a real client on a loopback port: every route, every error, the
// metrics; the models are B0 with seeded random weights (nothing is downloaded).
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EfficientNet } from '../../lib';
import { EfficientNetError } from '../../lib/errors';
import type { InferenceServer } from '../../lib/serve';
import { seededImageBatch } from '../../lib/random';
import { json, PHOTO, PHOTO2, pngDeclaring, startServer } from './serve-helpers';

let model: EfficientNet;
let server: InferenceServer;
let url: string;

beforeAll(async () => {
  model = await EfficientNet.load({ variant: 'b0', queue: { max: 64, whenFull: 'reject' } });
  ({ server, url } = await startServer({ models: { b0: model } }));
});
afterAll(async () => {
  await server?.close();
  model?.dispose();
});

const post = (path: string, body: BodyInit, type: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url + path, { method: 'POST', body, headers: { 'content-type': type, ...headers } });

function inferBody(data: Float32Array | number[], shape: number[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape, data: Array.from(data) }], ...extra });
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    ref = Math.max(ref, Math.abs(b[i]!));
  }
  return diff / ref;
}

// The same image through HTTP and in process: batching may merge it with others, which changes
// nothing but the summation order inside a kernel (relative 1e-5 leaves room for that).
const SAME = 1e-5;

describe('KServe v2 protocol', () => {
  it('health and metadata', async () => {
    for (const path of ['/v2/health/live', '/v2/health/ready', '/v2/models/b0/ready', '/v2/models/b0/versions/1/ready']) {
      const res = await fetch(url + path);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe('');
    }
    expect((await json(await fetch(`${url}/v2`))).body).toEqual({ name: 'efficientnet', version: expect.any(String), extensions: ['binary_tensor_data'] });
    const meta = (await json(await fetch(`${url}/v2/models/b0`))).body;
    expect(meta).toEqual({
      name: 'b0',
      versions: ['1'],
      platform: 'efficientnet',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3, 224, 224] }],
      outputs: [
        { name: 'logits', datatype: 'FP32', shape: [-1, 1000] },
        { name: 'embedding', datatype: 'FP32', shape: [-1, 1280] },
      ],
    });
    expect((await json(await fetch(`${url}/v2/models/b0/versions/1`))).body).toEqual(meta);
    const v2 = await json(await fetch(`${url}/v2/models/b0/versions/2`));
    expect([v2.status, v2.body.code]).toEqual([404, 'ERR_MODEL_NOT_FOUND']);
  });

  it('infer with JSON tensors gives the logits and embedding of run() and embed()', async () => {
    const x = { data: seededImageBatch(2, 224, 7), dims: [2, 3, 224, 224] };
    const res = await json(await post('/v2/models/b0/infer', inferBody(x.data, x.dims, { id: 'r1' }), 'application/json'));
    expect(res.status).toBe(200);
    expect(res.body.model_name).toBe('b0');
    expect(res.body.id).toBe('r1');
    const outputs = res.body.outputs as { name: string; shape: number[]; datatype: string; data: number[] }[];
    expect(outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([
      ['logits', 'FP32', [2, 1000]],
      ['embedding', 'FP32', [2, 1280]],
    ]);
    expect(maxRelDiff(outputs[0]!.data, (await model.run(x)).data)).toBeLessThan(SAME);
    expect(maxRelDiff(outputs[1]!.data, (await model.embed(x)).data)).toBeLessThan(SAME);
  });

  it('infer takes nested data and returns only the outputs asked for', async () => {
    const x = { data: seededImageBatch(1, 224, 8), dims: [1, 3, 224, 224] };
    const nested = [[0, 1, 2].map((c) => Array.from({ length: 224 }, (_, h) => Array.from(x.data.subarray((c * 224 + h) * 224, (c * 224 + h + 1) * 224))))];
    const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 224, 224], data: nested }], outputs: [{ name: 'embedding' }] });
    const res = await json(await post('/v2/models/b0/infer', body, 'application/json'));
    expect(res.status).toBe(200);
    const outputs = res.body.outputs as { name: string; data: number[] }[];
    expect(outputs.map((o) => o.name)).toEqual(['embedding']);
    expect(maxRelDiff(outputs[0]!.data, (await model.embed(x)).data)).toBeLessThan(SAME);
  });

  it('the binary tensor data extension, in and out', async () => {
    const x = { data: seededImageBatch(1, 224, 9), dims: [1, 3, 224, 224] };
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 224, 224], parameters: { binary_data_size: x.data.byteLength } }],
        outputs: [{ name: 'logits', parameters: { binary_data: true } }],
      }),
    );
    const body = Buffer.concat([header, Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength)]);
    const res = await post('/v2/models/b0/infer', body, 'application/octet-stream', { 'inference-header-content-length': String(header.length) });
    expect(res.status).toBe(200);
    const n = Number(res.headers.get('inference-header-content-length'));
    const bytes = Buffer.from(await res.arrayBuffer());
    const meta = JSON.parse(bytes.subarray(0, n).toString()) as { outputs: { name: string; shape: number[]; parameters: { binary_data_size: number } }[] };
    expect(meta.outputs[0]).toMatchObject({ name: 'logits', shape: [1, 1000], parameters: { binary_data_size: 4000 } });
    expect(bytes.length).toBe(n + 4000);
    const logits = new Float32Array(bytes.buffer.slice(bytes.byteOffset + n, bytes.byteOffset + n + 4000));
    expect(maxRelDiff(logits, (await model.run(x)).data)).toBeLessThan(SAME);
  });

  it('bad requests get coded errors in the protocol shape, and the server carries on', async () => {
    const good = inferBody(seededImageBatch(1, 224, 1), [1, 3, 224, 224]);
    const one = Array.from(seededImageBatch(1, 224, 1));
    const bin = (declared: number, sent: number, headerLength?: string) => {
      const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 224, 224], parameters: { binary_data_size: declared } }] }));
      return post('/v2/models/b0/infer', Buffer.concat([header, Buffer.alloc(sent)]), 'application/octet-stream', { 'inference-header-content-length': headerLength ?? String(header.length) });
    };
    const cases: [string, () => Promise<Response>, number, string][] = [
      ['malformed JSON', () => post('/v2/models/b0/infer', '{"inputs": [', 'application/json'), 400, 'ERR_BAD_REQUEST'],
      ['not an object', () => post('/v2/models/b0/infer', '[1]', 'application/json'), 400, 'ERR_BAD_REQUEST'],
      ['no inputs', () => post('/v2/models/b0/infer', '{}', 'application/json'), 400, 'ERR_BAD_REQUEST'],
      ['wrong input name', () => post('/v2/models/b0/infer', good.replace('"input"', '"x"'), 'application/json'), 400, 'ERR_BAD_REQUEST'],
      ['wrong datatype', () => post('/v2/models/b0/infer', good.replace('FP32', 'INT8'), 'application/json'), 400, 'ERR_INPUT_DTYPE'],
      ['wrong shape', () => post('/v2/models/b0/infer', inferBody(one, [1, 3, 112, 448]), 'application/json'), 400, 'ERR_INPUT_SHAPE'],
      ['too little data', () => post('/v2/models/b0/infer', inferBody([1, 2, 3], [1, 3, 224, 224]), 'application/json'), 400, 'ERR_INPUT_SHAPE'],
      ['too much data', () => post('/v2/models/b0/infer', inferBody([...one, 1], [1, 3, 224, 224]), 'application/json'), 400, 'ERR_INPUT_SHAPE'],
      ['a string in the data', () => post('/v2/models/b0/infer', good.replace('"data":[', '"data":["a",'), 'application/json'), 400, 'ERR_BAD_REQUEST'],
      ['unknown output', () => post('/v2/models/b0/infer', inferBody(one, [1, 3, 224, 224], { outputs: [{ name: 'probs' }] }), 'application/json'), 400, 'ERR_BAD_REQUEST'],
      ['truncated binary data', () => bin(602112, 1000), 400, 'ERR_BAD_REQUEST'],
      ['wrong binary_data_size', () => bin(1000, 1000), 400, 'ERR_BAD_REQUEST'],
      ['header length past the body', () => bin(602112, 602112, '99999999'), 400, 'ERR_BAD_REQUEST'],
      ['header length not a number', () => bin(602112, 602112, 'ten'), 400, 'ERR_BAD_REQUEST'],
      ['batch over the limit', () => post('/v2/models/b0/infer', JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [65, 3, 224, 224], data: [] }] }), 'application/json'), 413, 'ERR_TOO_MANY_IMAGES'],
      ['unknown model', () => post('/v2/models/b9/infer', good, 'application/json'), 404, 'ERR_MODEL_NOT_FOUND'],
      ['unknown route', () => fetch(`${url}/v3/anything`), 404, 'ERR_NOT_FOUND'],
    ];
    for (const [what, send, status, code] of cases) {
      const res = await json(await send());
      expect([what, res.status, res.body.code]).toEqual([what, status, code]);
      expect(typeof res.body.error, what).toBe('string');
      const after = await post('/v2/models/b0/infer', good, 'application/json');
      expect(after.status, `a good request after: ${what}`).toBe(200);
      await after.arrayBuffer();
    }
  });

  it('a huge Content-Length is refused before the body is read', async () => {
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${url}/v2/models/b0/infer`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(2 ** 40) } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('{"inputs":');
      // No more is sent: an answer can only come from the declared length.
    });
    expect(status.status).toBe(413);
    expect(JSON.parse(status.body).code).toBe('ERR_BODY_TOO_LARGE');
  });
});

describe('image routes', () => {
  it('classify: one image body, ?top', async () => {
    const res = await json(await post('/v1/models/b0/classify?top=3', PHOTO, 'image/png'));
    expect(res.status).toBe(200);
    const [expected] = await model.classify(PHOTO, { topK: 3 });
    const got = res.body.predictions as { index: number; label: string; probability: number }[];
    expect(got.map((p) => [p.index, p.label])).toEqual(expected!.map((p) => [p.index, p.label]));
    got.forEach((p, i) => expect(Math.abs(p.probability - expected![i]!.probability)).toBeLessThan(1e-6));
    expect(res.body.model).toBe('b0');
    const five = await json(await post('/v1/models/b0/classify', PHOTO, 'application/octet-stream'));
    expect((five.body.predictions as unknown[]).length).toBe(5);
  });

  it('classify: several images as multipart, a bad one answered on its own', async () => {
    const form = new FormData();
    form.append('a', new Blob([PHOTO], { type: 'image/png' }), 'cat.png');
    form.append('b', new Blob([Buffer.from('not an image')], { type: 'image/png' }), 'broken.png');
    form.append('c', new Blob([PHOTO2], { type: 'image/png' }), 'coffee.png');
    form.append('note', 'form fields are ignored');
    const res = await json(await fetch(`${url}/v1/models/b0/classify?top=1`, { method: 'POST', body: form }));
    expect(res.status).toBe(200);
    const results = res.body.results as { name: string; predictions?: { index: number }[]; error?: { code: string } }[];
    expect(results.map((r) => r.name)).toEqual(['cat.png', 'broken.png', 'coffee.png']);
    expect(results[1]!.error!.code).toBe('ERR_IMAGE_DECODE');
    const expected = await model.classify([PHOTO, PHOTO2], { topK: 1 });
    expect(results[0]!.predictions![0]!.index).toBe(expected[0]![0]!.index);
    expect(results[2]!.predictions![0]!.index).toBe(expected[1]![0]!.index);
  });

  it('embed: the pooled features of embed()', async () => {
    const res = await json(await post('/v1/models/b0/embed', PHOTO, 'image/png'));
    expect(res.status).toBe(200);
    expect(res.body.dims).toEqual([1280]);
    expect(maxRelDiff(res.body.embedding as number[], (await model.embed(PHOTO)).data)).toBeLessThan(SAME);
  });

  it('bad image requests get coded errors', async () => {
    const cases: [string, () => Promise<Response>, number, string][] = [
      ['corrupt image', () => post('/v1/models/b0/classify', PHOTO.subarray(0, 200), 'image/png'), 400, 'ERR_IMAGE_DECODE'],
      ['image bomb', () => post('/v1/models/b0/classify', pngDeclaring(50000, 50000), 'image/png'), 413, 'ERR_IMAGE_TOO_LARGE'],
      ['empty body', () => post('/v1/models/b0/classify', Buffer.alloc(0), 'image/png'), 400, 'ERR_BAD_REQUEST'],
      ['text', () => post('/v1/models/b0/embed', 'hello', 'text/plain'), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['top 0', () => post('/v1/models/b0/classify?top=0', PHOTO, 'image/png'), 400, 'ERR_BAD_REQUEST'],
      ['top 1001', () => post('/v1/models/b0/classify?top=1001', PHOTO, 'image/png'), 400, 'ERR_BAD_REQUEST'],
      ['top abc', () => post('/v1/models/b0/classify?top=abc', PHOTO, 'image/png'), 400, 'ERR_BAD_REQUEST'],
      ['unknown model', () => post('/v1/models/b1/classify', PHOTO, 'image/png'), 404, 'ERR_MODEL_NOT_FOUND'],
    ];
    for (const [what, send, status, code] of cases) {
      const res = await json(await send());
      expect([what, res.status, res.body.code]).toEqual([what, status, code]);
    }
    expect((await post('/v1/models/b0/classify', PHOTO, 'image/png')).status).toBe(200);
  });

  it('good and bad requests at once: each gets its own answer', async () => {
    const sends = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0 ? post('/v1/models/b0/classify?top=1', PHOTO, 'image/png') : post('/v1/models/b0/classify', pngDeclaring(60000, 60000), 'image/png'),
    );
    const answers = await Promise.all(sends.map(async (p) => json(await p)));
    const [expected] = await model.classify(PHOTO, { topK: 1 });
    answers.forEach((a, i) => {
      if (i % 2 === 0) expect((a.body.predictions as { index: number }[])[0]!.index).toBe(expected![0]!.index);
      else expect([a.status, a.body.code]).toEqual([413, 'ERR_IMAGE_TOO_LARGE']);
    });
  });
});

describe('limits, timeouts and a full queue', () => {
  it('body, image count and pixel limits', async () => {
    const small = await startServer({ models: { b0: model }, limits: { bodyBytes: 64 * 1024, maxImages: 2, maxPixels: 100 * 100 } });
    try {
      const big = await json(await fetch(`${small.url}/v1/models/b0/classify`, { method: 'POST', body: Buffer.alloc(100 * 1024, 1), headers: { 'content-type': 'image/png' } }));
      expect([big.status, big.body.code]).toEqual([413, 'ERR_BODY_TOO_LARGE']);
      const form = new FormData();
      for (const name of ['1.png', '2.png', '3.png']) form.append('f', new Blob([pngDeclaring(8, 8)]), name);
      const many = await json(await fetch(`${small.url}/v1/models/b0/classify`, { method: 'POST', body: form }));
      expect([many.status, many.body.code]).toEqual([413, 'ERR_TOO_MANY_IMAGES']);
      const tensor = await json(await fetch(`${small.url}/v2/models/b0/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 3, 224, 224], data: [] }] }), headers: { 'content-type': 'application/json' } }));
      expect([tensor.status, tensor.body.code]).toEqual([413, 'ERR_TOO_MANY_IMAGES']);
      const pixels = await json(await fetch(`${small.url}/v1/models/b0/classify`, { method: 'POST', body: PHOTO.length < 64 * 1024 ? PHOTO : pngDeclaring(300, 300), headers: { 'content-type': 'image/png' } }));
      expect([pixels.status, pixels.body.code]).toEqual([413, 'ERR_IMAGE_TOO_LARGE']);
    } finally {
      await small.server.close();
    }
  });

  // A stand-in model whose answers the test decides: a run that never ends, a full queue, a bug.
  function fakeModel(classify: () => Promise<unknown>): EfficientNet {
    return {
      arch: model.arch,
      resolution: 224,
      numClasses: 1000,
      labels: model.labels,
      random: true,
      disposed: false,
      batchRuns: null,
      classify,
      embed: classify,
      run: classify,
    } as unknown as EfficientNet;
  }

  it('a request past the timeout is answered 504; a full queue 503 with Retry-After; a bug 500', async () => {
    const { server: s, url: u } = await startServer({
      timeoutMs: 50,
      models: {
        stuck: fakeModel(() => new Promise(() => undefined)),
        full: fakeModel(() => Promise.reject(new EfficientNetError('ERR_QUEUE_FULL', 'all 4 slots are busy'))),
        buggy: fakeModel(() => Promise.reject(new Error('a bug'))),
      },
    });
    try {
      const send = (name: string) => fetch(`${u}/v1/models/${name}/classify`, { method: 'POST', body: PHOTO, headers: { 'content-type': 'image/png' } });
      const stuck = await json(await send('stuck'));
      expect([stuck.status, stuck.body.code]).toEqual([504, 'ERR_TIMEOUT']);
      const fullRes = await send('full');
      expect(fullRes.headers.get('retry-after')).toBe('1');
      const full = await json(fullRes);
      expect([full.status, full.body.code]).toEqual([503, 'ERR_QUEUE_FULL']);
      const buggy = await json(await send('buggy'));
      expect([buggy.status, buggy.body.code]).toEqual([500, 'ERR_INTERNAL']);
      expect(buggy.body.error).not.toContain('a bug'); // internals stay in the server's log
      expect((await fetch(`${u}/v2/health/live`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('under load', () => {
  it('64 connections, 320 classify requests (autocannon): every one answered 200, runs merged across requests', async () => {
    // A fixed number of requests rather than a duration: what is checked is that nothing is lost,
    // refused or cut under load; the rate is bench/serve.mjs's business.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const autocannon = require('autocannon') as (o: Record<string, unknown>) => Promise<{ '2xx': number; non2xx: number; errors: number; timeouts: number; requests: { total: number } }>;
    const loaded = await EfficientNet.load({ variant: 'b0', queue: { max: 256, whenFull: 'reject' } });
    const { server: s, url: u } = await startServer({ models: { b0: loaded } });
    try {
      const r = await autocannon({ url: `${u}/v1/models/b0/classify`, method: 'POST', headers: { 'content-type': 'image/png' }, body: PHOTO, connections: 64, amount: 320 });
      expect({ ok: r['2xx'], other: r.non2xx, errors: r.errors, timeouts: r.timeouts }).toEqual({ ok: 320, other: 0, errors: 0, timeouts: 0 });
      const runs = loaded.batchRuns!;
      expect(runs.reduce((n, count, size) => n + count * size, 0)).toBe(320);
      expect(runs.slice(2).some((count) => count > 0)).toBe(true);
    } finally {
      await s.close();
      loaded.dispose();
    }
  });
});

describe('batching and metrics', () => {
  it('concurrent requests share runs, and /metrics reports requests, batch sizes, queue depth and images/s', async () => {
    // maxBatch 4 and a wait longer than any test: the four requests run together, in one run.
    const four = await EfficientNet.load({ variant: 'b0', batching: { maxBatch: 4, maxWaitMs: 10_000 } });
    const { server: s, url: u } = await startServer({ models: { four } });
    try {
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => fetch(`${u}/v1/models/four/classify?top=1`, { method: 'POST', body: PHOTO, headers: { 'content-type': 'image/png' } })),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      expect(four.batchRuns).toEqual([0, 0, 0, 0, 1]);
      await fetch(`${u}/v1/models/four/classify`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
      const metrics = await (await fetch(`${u}/metrics`)).text();
      expect(metrics).toContain('efficientnet_http_requests_total{route="/v1/models/:name/classify",method="POST",status="200"} 4');
      expect(metrics).toContain('efficientnet_http_requests_total{route="/v1/models/:name/classify",method="POST",status="415"} 1');
      expect(metrics).toMatch(/efficientnet_http_request_duration_seconds_count\{route="\/v1\/models\/:name\/classify",status="200"\} 4/);
      expect(metrics).toContain('efficientnet_batch_runs_total{model="four",size="4"} 1');
      expect(metrics).toContain('efficientnet_images_total{model="four",route="classify"} 4');
      expect(metrics).toContain('efficientnet_queue_depth{model="four"} 0');
      expect(metrics).toMatch(/efficientnet_images_per_second\{model="four"\} [0-9.]+/);
      expect(metrics).toContain('process_cpu_seconds_total');
    } finally {
      await s.close();
      four.dispose();
    }
  });
});
