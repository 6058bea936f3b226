#!/usr/bin/env node
// `npm run prebuilds` (also run by `prepack`, so `npm pack` ships them): builds the addon for each
// platform into prebuilds/<platform>-<arch>/efficientnet.napi.glibc.node, where node-gyp-build finds it.
//
//   linux-x64    every CPU kernel level in one binary (chosen at run time by cpuid); the CUDA
//                kernels too when nvcc is found (cudart linked statically)
//   linux-arm64  cross-compiled with g++-aarch64-linux-gnu, CPU only (NEON)
//
// Options: --arch x64,arm64 (default both). Installs the cross compiler with apt when it is
// missing and we are root. Prints each binary's size and the newest glibc symbol it needs.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAX_BYTES = 15 * 1024 * 1024;
const NAME = 'efficientnet.napi.glibc.node';

const TARGETS = {
  x64: { strip: 'strip', objdump: 'objdump', cmake: [] },
  arm64: {
    strip: 'aarch64-linux-gnu-strip',
    objdump: 'aarch64-linux-gnu-objdump',
    apt: ['g++-aarch64-linux-gnu', 'binutils-aarch64-linux-gnu'],
    compiler: 'aarch64-linux-gnu-g++',
    cmake: [
      '--arch', 'arm64',
      '--CDCMAKE_SYSTEM_NAME=Linux',
      '--CDCMAKE_SYSTEM_PROCESSOR=aarch64',
      '--CDCMAKE_C_COMPILER=aarch64-linux-gnu-gcc',
      '--CDCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++',
      '--CDWITH_CUDA=OFF',
    ],
  },
};

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: options.capture ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})${options.capture ? `\n${r.stderr}` : ''}`);
  }
  return r.stdout;
}

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function ensureTools(target) {
  if (!target.compiler || has(target.compiler)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${target.compiler} is missing: apt-get install ${target.apt.join(' ')}`);
  }
  console.log(`installing ${target.apt.join(' ')} ...`);
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', ...target.apt]);
}

/** The newest GLIBC_x.y symbol version the binary needs: its glibc floor. */
function glibcFloor(objdump, file) {
  const versions = [...run(objdump, ['-T', file], { capture: true }).matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return versions.length ? versions.at(-1).join('.') : 'none';
}

const archArg = process.argv.indexOf('--arch');
const arches = archArg > 0 ? process.argv[archArg + 1].split(',') : Object.keys(TARGETS);
const cmakeJs = path.join(root, 'node_modules', '.bin', 'cmake-js');
for (const arch of arches) {
  const target = TARGETS[arch];
  if (!target) throw new Error(`unknown --arch ${arch} (expected ${Object.keys(TARGETS).join(', ')})`);
  ensureTools(target);
  const out = path.join('build-prebuild', `linux-${arch}`);
  console.log(`== linux-${arch}`);
  run(cmakeJs, ['rebuild', '--out', out, ...target.cmake]);
  const dir = path.join(root, 'prebuilds', `linux-${arch}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, NAME);
  copyFileSync(path.join(root, out, 'Release', 'efficientnet.node'), file);
  run(target.strip, ['--strip-unneeded', file]);
  const size = statSync(file).size;
  console.log(`prebuilds/linux-${arch}/${NAME}: ${(size / 2 ** 20).toFixed(2)} MiB, needs glibc ${glibcFloor(target.objdump, file)}`);
  if (size > MAX_BYTES) throw new Error(`linux-${arch} prebuild is ${size} bytes, over the ${MAX_BYTES} limit`);
}
