// `efficientnet weights`, `convert`, and the model commands' pretrained default, run as the built
// CLI with its own cache directory and an unreachable weights URL (nothing leaves the machine).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { archForVariant } from '../../lib/arch';
import { findWeightSource, parseSafetensors, seededStateDict, writeSafetensors } from '../../lib/weights';

const CLI = path.join(__dirname, '..', '../dist/cli.js');
const cache = mkdtempSync(path.join(tmpdir(), 'efficientnet-cli-cache-'));
const out = mkdtempSync(path.join(tmpdir(), 'efficientnet-cli-out-'));
afterAll(() => {
  rmSync(cache, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});
// Port 9 (discard) on loopback: connection refused, immediately and offline.
const env = { ...process.env, EFFICIENTNET_CACHE: cache, EFFICIENTNET_WEIGHTS_URL: 'http://127.0.0.1:9/mirror' };
const image = path.join(__dirname, '..', 'fixtures', 'images');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('efficientnet weights', () => {
  it('lists every source, none cached yet', () => {
    const r = run(['weights', 'list', '--json']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; cached: boolean });
    expect(rows.map((x) => x.id)).toContain('timm:tf_efficientnet_b3');
    expect(rows.length).toBe(24);
    expect(rows.every((x) => !x.cached)).toBe(true);
  });

  it('path names the cache file; fetch offline fails naming the URL and that path', () => {
    const p = run(['weights', 'path', 'torchvision:b3']);
    const src = findWeightSource('torchvision:b3')!;
    expect(p.stdout.trim()).toBe(path.join(cache, src.fileName));
    const f = run(['weights', 'fetch', 'torchvision:b3']);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain('ERR_WEIGHTS_DOWNLOAD');
    expect(f.stderr).toContain(`http://127.0.0.1:9/mirror/${src.fileName}`);
    expect(f.stderr).toContain(path.join(cache, src.fileName));
  });

  const usage: [string, string[]][] = [
    ['an unknown id', ['weights', 'path', 'torchvision:b9']],
    ['an unknown action', ['weights', 'frob']],
    ['pretrained weights for a variant without any', ['classify', '--variant', 'b8', 'coffee-square.png']],
  ];
  it.each(usage)('%s is a usage error', (_name, args) => {
    expect(run(args).code).toBe(2);
  });
});

describe('model commands default to pretrained weights', () => {
  it('classify without --weights fetches the variant\'s weights first (and says so on stderr)', () => {
    const r = run(['classify', path.join(image, 'coffee-square.png')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fetching pretrained weights torchvision:b0 \(first use\)/);
    expect(r.stderr).toContain('ERR_WEIGHTS_DOWNLOAD');
  });

  it('classify uses them from the cache once there', () => {
    const src = findWeightSource('torchvision:b0')!;
    mkdirSync(cache, { recursive: true });
    writeFileSync(path.join(cache, src.fileName), writeSafetensors(seededStateDict(archForVariant('b0'), 3, 'torchvision')));
    const r = run(['classify', '--top', '1', '--threads', '1', path.join(image, 'coffee-square.png')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/coffee-square\.png\t/);
    expect(r.stderr).toMatch(/pretrained weights torchvision:b0 \(/);
    expect(r.stderr).not.toMatch(/fetching/);
    expect(r.stderr).not.toMatch(/--random weights/);
  });
});

describe('efficientnet convert', () => {
  it('writes the tensors of a .pth as safetensors, equal to the reference', () => {
    const dest = path.join(out, 'zip.safetensors');
    const r = run(['convert', path.join(__dirname, '..', 'fixtures', 'pth', 'zip.pth'), dest]);
    expect(r.code, r.stderr).toBe(0);
    const ours = parseSafetensors(readFileSync(dest));
    const ref = parseSafetensors(readFileSync(path.join(__dirname, '..', 'fixtures', 'pth', 'reference.safetensors')));
    expect([...ours.keys()]).toEqual([...ref.keys()]);
    for (const [k, t] of ref) expect(Buffer.from(ours.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
  });

  it('refuses a hostile file with ERR_WEIGHTS_FORMAT', () => {
    const r = run(['convert', path.join(__dirname, '..', 'fixtures', 'pth', 'hostile-os-system.pth'), path.join(out, 'x.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_WEIGHTS_FORMAT');
  });
});
