// binding.gyp builds a working addon from the same source list as CMake (native/sources.json):
// build it (the addon and the test addon) from scratch in a temporary copy and run the whole op
// table through them.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Builds from scratch: minutes on 2 busy cores (packing alone is ~80 s idle), so the suite's
// 120 s per test is too short here; each build command also has its own time limit.
vi.setConfig({ testTimeout: 900_000 });

const root = path.join(__dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'effnet-gyp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('node-gyp build', () => {
  it('builds from binding.gyp and passes the op table', () => {
    for (const p of ['native', 'binding.gyp', 'package.json']) cpSync(path.join(root, p), path.join(dir, p), { recursive: true });
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    const build = spawnSync('npm', ['run', 'build:gyp'], { cwd: dir, encoding: 'utf8' });
    expect(build.status, build.stderr.slice(-4000)).toBe(0);
    expect(build.stdout + build.stderr).not.toMatch(/warning:/);
    const check = spawnSync(
      process.execPath,
      [
        '-e',
        `const b = require(${JSON.stringify(path.join(dir, 'build/Release/efficientnet.node'))});
         const t = require(${JSON.stringify(path.join(dir, 'build/Release/efficientnet_test.node'))});
         if ('opCases' in b) throw new Error('the shipped addon carries the op table');
         let failed = 0, n = 0;
         for (const level of b.info().cpuLevels) for (const id of t.opCases()) { n++; if (!t.checkOpCase(id, { cpuLevel: level }).passed) { failed++; console.error(level, id); } }
         console.log(JSON.stringify({ n, failed }));`,
      ],
      { encoding: 'utf8' },
    );
    expect(check.status, check.stderr).toBe(0);
    const r = JSON.parse(check.stdout) as { n: number; failed: number };
    expect(r.n).toBeGreaterThan(100);
    expect(r.failed).toBe(0);
  });
});
