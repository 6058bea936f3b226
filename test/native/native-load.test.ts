// Loading the addon as a user's install would: a copy of the package (dist/, native/, a binary) in
// a temporary folder, loaded in a child process. A binary built from other sources than the
// package's native/ (a stale local build, a prebuild of another version) is refused with a message
// that says how to rebuild; a platform with no binary at all is explained.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A package copy; `binary` decides where (or whether) the built addon goes. */
function packageCopy(binary: 'local build' | 'prebuild' | 'none'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'effnet-load-'));
  dirs.push(dir);
  for (const p of ['dist', 'native', 'package.json']) cpSync(path.join(root, p), path.join(dir, p), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  const built = path.join(root, 'build/Release/efficientnet.node');
  if (binary === 'local build') {
    mkdirSync(path.join(dir, 'build/Release'), { recursive: true });
    cpSync(built, path.join(dir, 'build/Release/efficientnet.node'));
  } else if (binary === 'prebuild') {
    mkdirSync(path.join(dir, 'prebuilds/linux-x64'), { recursive: true });
    cpSync(built, path.join(dir, 'prebuilds/linux-x64/efficientnet.napi.glibc.node'));
  }
  return dir;
}

function load(dir: string): { ok: boolean; code?: string; message?: string; kind?: string } {
  const script = `
    const { getNative, nativeOrigin } = require(${JSON.stringify(path.join(dir, 'dist/native.js'))});
    try { getNative(); console.log(JSON.stringify({ ok: true, kind: nativeOrigin().kind })); }
    catch (e) { console.log(JSON.stringify({ ok: false, code: e.code, message: e.message })); }`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('loading the native addon', () => {
  it('loads a local build made from the same sources', () => {
    expect(load(packageCopy('local build'))).toEqual({ ok: true, kind: 'local build' });
  });

  it('loads a prebuild when there is no local build', () => {
    expect(load(packageCopy('prebuild'))).toEqual({ ok: true, kind: 'prebuild' });
  });

  it('refuses a stale local build and says how to rebuild', () => {
    const dir = packageCopy('local build');
    appendFileSync(path.join(dir, 'native/core/plan.cc'), '\n// edited after the build\n');
    const r = load(dir);
    expect(r.ok).toBe(false);
    expect(r.code).toBe('ERR_NATIVE_LOAD');
    expect(r.message).toMatch(/local build .* was built from other native sources.*stale.*npm run build:native/);
  });

  it('refuses a prebuild of other sources', () => {
    const dir = packageCopy('prebuild');
    appendFileSync(path.join(dir, 'native/include/effnet/plan.h'), '\n// another version\n');
    const r = load(dir);
    expect(r.code).toBe('ERR_NATIVE_LOAD');
    expect(r.message).toMatch(/prebuild .* does not belong to this version.*Reinstall/);
  });

  it('explains a platform with no binary', () => {
    const r = load(packageCopy('none'));
    expect(r.code).toBe('ERR_NATIVE_LOAD');
    expect(r.message).toMatch(/No efficientnet binary for linux-x64.*no prebuilt binaries are installed.*npm install-scripts approve efficientnet && npm rebuild efficientnet/);
  });
});
