// `efficientnet serve` as a process: its address line, a graceful SIGTERM while requests are in
// flight (every one answered, exit 0), and its usage errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { requireOptional, type OptionalPackage } from '../../lib/optional-dependency';
import { cli } from '../helpers/cli';
import { json, PHOTO } from './serve-helpers';

vi.setConfig({ testTimeout: 120_000 });

const CLI = path.join(__dirname, '../../dist/cli.js');

/** Starts the server; resolves with its address once it prints it. */
function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--random', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, url: m[1]!, stdout: () => out, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code} before listening: ${err}`)));
  });
}

/** Resolves once the server has logged `n` incoming requests to `route` (they are then in flight). */
async function waitForIncoming(stdout: () => string, route: string, n: number, child: ChildProcess): Promise<void> {
  const count = (): number =>
    stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; req?: { url?: string } })
      .filter((e) => e.msg === 'incoming request' && e.req?.url?.startsWith(route)).length;
  while (count() < n) await new Promise((r) => child.stdout!.once('data', r));
}

describe('efficientnet serve', () => {
  it('SIGTERM with requests in flight: each is answered, then it exits 0', async () => {
    const { child, url, stdout, stderr } = await startCli([]);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const route = '/v1/models/b0/classify';
    const requests = Array.from({ length: 6 }, () => fetch(`${url}${route}?top=1`, { method: 'POST', body: PHOTO, headers: { 'content-type': 'image/png' } }));
    await waitForIncoming(stdout, route, 6, child);
    child.kill('SIGTERM');
    const answers = await Promise.all(requests.map(async (r) => json(await r)));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect((a.body.predictions as unknown[]).length).toBe(1);
    }
    expect(await exited).toBe(0);
    expect(stderr()).toMatch(/SIGTERM: finishing the requests in flight[\s\S]*stopped/);
    await expect(fetch(`${url}/v2/health/live`)).rejects.toThrow();
  });

  it('-q: no request logs; several models by name', async () => {
    const { child, url, stdout } = await startCli(['-q', '--model', 'small=b0', '--model', 'b1']);
    try {
      const listed = await json(await fetch(`${url}/v1/models`));
      expect((listed.body.models as { name: string; variant: string }[]).map((m) => [m.name, m.variant])).toEqual([
        ['small', 'efficientnet_b0'],
        ['b1', 'efficientnet_b1'],
      ]);
      expect((await json(await fetch(`${url}/v2/models/b1`))).body.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 3, 240, 240] }]);
      expect(stdout()).toBe('');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
  });

  it('usage errors exit 2; a port in use exits 1', async () => {
    for (const args of [
      ['--model', 'b9'],
      ['--model', 'b0', '--model', 'b0'],
      ['--model', 'b0:'],
      ['--model', 'bad/name=b0'],
      ['--port', '70000'],
      ['--port', 'http'],
      ['--max-batch', '0'],
      ['--timeout', '-5'],
      ['--model', 'b0:w.safetensors'],
      ['--bogus'],
    ]) {
      const r = cli(['serve', '--random', ...args]);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(/^efficientnet: /);
    }
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = cli(['serve', '--random', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      blocker.close();
    }
  });

  it('a missing optional dependency is a coded error with the npm command', () => {
    let error: unknown;
    try {
      requireOptional('efficientnet-no-such-package' as OptionalPackage);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_MISSING_DEPENDENCY' });
    expect((error as Error).message).toContain('npm install efficientnet-no-such-package@');
  });
});
