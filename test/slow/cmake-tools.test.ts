// The native core and native/tools build as a plain CMake project with no Node (as on a GPU
// machine without Node), and their own checks pass: the core self-test and the op table at every
// CPU level (ctest).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Builds from scratch: minutes on 2 busy cores (packing alone is ~80 s idle), so the suite's
// 120 s per test is too short here; each build command also has its own time limit.
vi.setConfig({ testTimeout: 900_000 });

const root = path.join(__dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'effnet-cmake-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
  expect(r.status, `${cmd} ${args.join(' ')}\n${(r.stdout + r.stderr).slice(-4000)}`).toBe(0);
  return r.stdout + r.stderr;
}

describe('plain CMake build (no Node)', () => {
  it('configures, builds warning-free and passes ctest', () => {
    run('cmake', ['-S', root, '-B', dir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release']);
    expect(run('cmake', ['--build', dir])).not.toMatch(/warning:/);
    expect(run('ctest', ['--test-dir', dir, '--output-on-failure'])).toMatch(/100% tests passed/);
  });
});
