#!/usr/bin/env node
// `npm run prebuilds` (also run by `prepack`, so `npm pack` ships them): builds the addon for each
// platform into prebuilds/<platform>-<arch>/efficientnet.napi.glibc.node, where node-gyp-build finds it.
//
//   linux-x64    every CPU kernel level in one binary (chosen at run time by cpuid); the CUDA
//                kernels too when nvcc is found (cudart linked statically)
//   linux-arm64  cross-compiled with g++-aarch64-linux-gnu, CPU only (NEON)
//   win32-x64    cross-compiled with MinGW-w64 (g++-mingw-w64-x86-64, posix threads), CPU only with
//                every kernel level; N-API is imported from node.exe through an import library
//                made from node-api-headers' node_api.def, libstdc++/libgcc/winpthread are static
//                (CMakeLists.txt, the MINGW blocks). Written as efficientnet.napi.node (no libc tag).
//
// Options: --arch x64,arm64,win32-x64 (default all). Installs the cross compiler with apt when it is
// missing and we are root. Prints each binary's size and the newest glibc symbol it needs.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAX_BYTES = 15 * 1024 * 1024;

const TARGETS = {
  x64: { platform: 'linux-x64', name: 'efficientnet.napi.glibc.node', strip: 'strip', objdump: 'objdump', cmake: [] },
  arm64: {
    platform: 'linux-arm64',
    name: 'efficientnet.napi.glibc.node',
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
  'win32-x64': {
    platform: 'win32-x64',
    name: 'efficientnet.napi.node',
    strip: 'x86_64-w64-mingw32-strip',
    objdump: 'x86_64-w64-mingw32-objdump',
    apt: ['g++-mingw-w64-x86-64', 'binutils-mingw-w64-x86-64'],
    // The posix-threads flavour: the win32 one of GCC 12 has no std::thread.
    compiler: 'x86_64-w64-mingw32-g++-posix',
    cmake: [
      '--CDCMAKE_SYSTEM_NAME=Windows',
      '--CDCMAKE_SYSTEM_PROCESSOR=AMD64',
      '--CDCMAKE_C_COMPILER=x86_64-w64-mingw32-gcc-posix',
      '--CDCMAKE_CXX_COMPILER=x86_64-w64-mingw32-g++-posix',
      '--CDWITH_CUDA=OFF',
    ],
  },
};

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: options.capture ? 'pipe' : 'inherit', encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
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

/** The DLLs a Windows binary imports: Windows' own and NODE.EXE only, never a MinGW runtime DLL. */
function windowsImports(objdump, file) {
  const dlls = [...run(objdump, ['-p', file], { capture: true }).matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]);
  const foreign = dlls.filter((d) => !/^(KERNEL32\.dll|msvcrt\.dll|NODE\.EXE)$/i.test(d));
  if (foreign.length) throw new Error(`${file} imports ${foreign.join(', ')}: link them statically`);
  return dlls.join(', ');
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
  const out = path.join('build-prebuild', target.platform);
  console.log(`== ${target.platform}`);
  run(cmakeJs, ['rebuild', '--out', out, ...target.cmake]);
  const dir = path.join(root, 'prebuilds', target.platform);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, target.name);
  // cmake-js points the library output at Release/; a Windows DLL is a runtime output and lands
  // in the build folder itself.
  const built = [path.join(out, 'Release', 'efficientnet.node'), path.join(out, 'efficientnet.node')]
    .map((f) => path.join(root, f))
    .find((f) => existsSync(f));
  if (!built) throw new Error(`${target.platform}: cmake-js produced no efficientnet.node under ${out}`);
  copyFileSync(built, file);
  run(target.strip, ['--strip-unneeded', file]);
  const size = statSync(file).size;
  const needs = target.platform.startsWith('win32')
    ? `imports ${windowsImports(target.objdump, file)}`
    : `needs glibc ${glibcFloor(target.objdump, file)}`;
  console.log(`prebuilds/${target.platform}/${target.name}: ${(size / 2 ** 20).toFixed(2)} MiB, ${needs}`);
  if (size > MAX_BYTES) throw new Error(`${target.platform} prebuild is ${size} bytes, over the ${MAX_BYTES} limit`);
}
