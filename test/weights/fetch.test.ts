// Fetching pretrained weights into the cache, against a loopback HTTP server started here: only
// verified files ever appear under their cached name, whatever the server does.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archForVariant } from '../../lib/arch';
import { EfficientNet } from '../../lib/model/efficientnet';
import { policyResolution, timmTfPolicy, torchvisionPolicy } from '../../lib/image';
import {
  cachedWeightsPath,
  fetchWeights,
  findWeightSource,
  seededStateDict,
  sourcePolicy,
  terminalProgress,
  weightsCacheDir,
  WEIGHT_SOURCES,
  writeSafetensors,
  type WeightSource,
} from '../../lib/weights';
import { expectCode } from '../helpers/errors';

const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251));
const sha256 = createHash('sha256').update(body).digest('hex');
const source = (name: string, hash = sha256): WeightSource => ({ ...WEIGHT_SOURCES[0]!, id: `test:${name}`, fileName: name, sha256: hash });

let server: http.Server;
let base: string;
const stalled: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const name = (req.url ?? '').slice(1);
    if (name === 'good.pth' || name === 'other.pth') {
      res.writeHead(200, { 'content-length': body.length });
      res.end(name === 'good.pth' ? body : Buffer.from(body).reverse());
    } else if (name === 'slow.pth') {
      // Sent in 20 pieces, each after the event loop turns: two clients' downloads interleave.
      res.writeHead(200, { 'content-length': body.length });
      let i = 0;
      const step = (): void => {
        if (i === 20) {
          res.end();
          return;
        }
        res.write(body.subarray((i * body.length) / 20, ((i + 1) * body.length) / 20), () => setImmediate(step));
        i++;
      };
      step();
    } else if (name === 'redirect.pth') {
      res.writeHead(302, { location: '/good.pth' });
      res.end();
    } else if (name === 'drop.pth') {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000), () => res.socket?.destroy());
    } else if (name === 'stall.pth') {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000));
      stalled.push(res);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of stalled) res.socket?.destroy();
  await new Promise((resolve) => server.close(resolve));
});

let cache: string;
const saved = { cache: process.env.EFFICIENTNET_CACHE, url: process.env.EFFICIENTNET_WEIGHTS_URL };
beforeEach(() => {
  cache = mkdtempSync(path.join(tmpdir(), 'efficientnet-cache-'));
  process.env.EFFICIENTNET_CACHE = cache;
  process.env.EFFICIENTNET_WEIGHTS_URL = base;
});
afterEach(() => {
  rmSync(cache, { recursive: true, force: true });
  for (const [k, v] of [['EFFICIENTNET_CACHE', saved.cache], ['EFFICIENTNET_WEIGHTS_URL', saved.url]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('fetchWeights', () => {
  it('downloads, verifies the full sha256 and caches; a redirect is followed', async () => {
    for (const name of ['good.pth', 'redirect.pth']) {
      const progress: number[] = [];
      const file = await fetchWeights(source(name), { onProgress: (p) => progress.push(p.received) });
      expect(file).toBe(path.join(cache, name));
      expect(readFileSync(file).equals(body)).toBe(true);
      expect(progress.at(-1)).toBe(body.length);
    }
    expect(readdirSync(cache).sort()).toEqual(['good.pth', 'redirect.pth']);
  });

  it('checks an 8-digit prefix as torch.hub does', async () => {
    await fetchWeights(source('good.pth', sha256.slice(0, 8)));
    await expectCode(fetchWeights(source('other.pth', sha256.slice(0, 8))), 'ERR_WEIGHTS_DOWNLOAD', /sha256/);
  });

  const failures: [string, WeightSource, RegExp][] = [
    ['a wrong hash', source('other.pth'), /expected [0-9a-f]{64}/],
    ['a connection dropped mid-body', source('drop.pth'), /closed after|received/],
    ['a 404', source('missing.pth'), /HTTP 404/],
    ['a stalled server', source('stall.pth'), /no data for 300 ms/],
  ];
  it.each(failures)('%s is ERR_WEIGHTS_DOWNLOAD, naming the URL and the cache path, and leaves nothing', async (_name, src, reason) => {
    const e = await expectCode(fetchWeights(src, { idleTimeoutMs: 300 }), 'ERR_WEIGHTS_DOWNLOAD', reason);
    expect(e.message).toContain(`${base}/${src.fileName}`);
    expect(e.message).toContain(path.join(cache, src.fileName));
    expect(readdirSync(cache)).toEqual([]);
  });

  it('draws a progress line with bytes, rate and ETA, and ends it', () => {
    const writes: string[] = [];
    const stream = { write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const bar = terminalProgress('good.pth', stream);
    bar.onProgress({ received: 2_000_000, total: 8_000_000 });
    bar.onProgress({ received: 8_000_000, total: 8_000_000 });
    bar.done();
    expect(writes[0]).toMatch(/^\rgood\.pth \[#{6}\.{18}\] 2\.0\/8\.0 MB [\d.]+ MB\/s ETA \d+s/);
    expect(writes.at(-2)).toMatch(/\[#{24}\] 8\.0\/8\.0 MB/);
    expect(writes.at(-1)).toBe('\n');
  });

  it('two concurrent fetches of one file both get the verified file', async () => {
    const [a, b] = await Promise.all([fetchWeights(source('good.pth')), fetchWeights(source('good.pth'))]);
    expect(a).toBe(b);
    expect(readFileSync(a).equals(body)).toBe(true);
    expect(readdirSync(cache)).toEqual(['good.pth']);
  });

  it('two processes fetching one file at once both end with the verified file', async () => {
    const script = `require(${JSON.stringify(path.join(__dirname, '..', '../dist/weights'))}).fetchWeights(JSON.parse(process.argv[1])).then((p) => console.log(p))`;
    const child = (): Promise<{ code: number | null; out: string }> =>
      new Promise((resolve) => {
        const c = spawn(process.execPath, ['-e', script, JSON.stringify(source('slow.pth'))], { env: process.env });
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.stderr.on('data', (d: Buffer) => (out += d.toString()));
        c.on('close', (code) => resolve({ code, out }));
      });
    const results = await Promise.all([child(), child()]);
    for (const r of results) {
      expect(r.code, r.out).toBe(0);
      expect(r.out.trim()).toBe(path.join(cache, 'slow.pth'));
    }
    expect(readFileSync(path.join(cache, 'slow.pth')).equals(body)).toBe(true);
    expect(readdirSync(cache)).toEqual(['slow.pth']);
  });

  it('an unreachable mirror names the URL and where to put a manual download', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    process.env.EFFICIENTNET_WEIGHTS_URL = `http://127.0.0.1:${port}/mirror/`;
    const src = findWeightSource('torchvision:b3')!;
    const e = await expectCode(fetchWeights(src), 'ERR_WEIGHTS_DOWNLOAD');
    expect(e.message).toContain(`http://127.0.0.1:${port}/mirror/${src.fileName}`);
    expect(e.message).toContain(cachedWeightsPath(src));
  });
});

describe('weights ids in load()', () => {
  it('uses a file already in the cache without the network (offline after the first fetch)', async () => {
    process.env.EFFICIENTNET_WEIGHTS_URL = 'http://127.0.0.1:9/unreachable';
    const src = findWeightSource('imagenet', 'b0')!;
    expect(src.id).toBe('torchvision:b0');
    mkdirSync(weightsCacheDir(), { recursive: true });
    writeFileSync(cachedWeightsPath(src), writeSafetensors(seededStateDict(archForVariant('b0'), 5, 'torchvision')));
    const model = await EfficientNet.load({ weights: 'imagenet', threads: 1 });
    expect([model.arch.variant, model.format, model.random, model.padding]).toEqual(['b0', 'torchvision', false, 'symmetric']);
    expect(model.preprocessing).toEqual(torchvisionPolicy('b0'));
    model.dispose();
  });

  const ids: [string, string, string, number][] = [
    ['torchvision:b3', 'torchvision:b3', 'symmetric', 1e-5],
    ['torchvision:b6', 'torchvision:b6', 'symmetric', 1e-3],
    ['timm:tf_efficientnet_b3', 'timm:tf_efficientnet_b3', 'same', 1e-3],
    ['timm:b3', 'timm:tf_efficientnet_b3', 'same', 1e-3],
    ['lukemelas:efficientnet-b3', 'lukemelas:efficientnet-b3', 'same', 1e-3],
    ['lukemelas:b3', 'lukemelas:efficientnet-b3', 'same', 1e-3],
  ];
  it.each(ids)('%s names %s (padding %s, eps %s)', (id, expected, padding, eps) => {
    const s = findWeightSource(id)!;
    expect([s.id, s.padding, s.bnEps]).toEqual([expected, padding, eps]);
    expect(s.url.endsWith(`/${s.fileName}`)).toBe(true);
    expect(s.fileName).toMatch(new RegExp(`-${s.sha256}\\.pth$`));
  });

  it('each source brings the preprocessing its table entry names', () => {
    for (const s of WEIGHT_SOURCES) {
      const expected = s.policy === 'torchvision-v1' ? torchvisionPolicy(s.variant) : timmTfPolicy(s.variant);
      expect(sourcePolicy(s), s.id).toEqual(expected);
    }
    // torchvision evaluates B2 at 288, not the paper's 260: the model is compiled at that size.
    expect(policyResolution(sourcePolicy(findWeightSource('torchvision:b2')!))).toBe(288);
  });

  it('refuses an unknown id and an id of another variant', async () => {
    await expect(EfficientNet.load({ weights: 'torchvision:b9' })).rejects.toThrow(RangeError);
    await expect(EfficientNet.load({ variant: 'b0', weights: 'torchvision:b3' })).rejects.toThrow(/'b3'/);
  });
});
