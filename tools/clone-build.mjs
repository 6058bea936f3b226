#!/usr/bin/env node
// Run by `prepare`, which npm runs in a clone (`npm ci` / `npm install` there) and never when the
// package is installed from the registry or a tarball. By then the install script
// (`node-gyp-build`) has loaded a prebuild or built the CPU addon from binding.gyp. When nvcc is
// found, this rebuilds with cmake-js so that a clone's addon also has the CUDA backend (binding.gyp
// has none); without nvcc the node-gyp build is already the whole addon.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nvcc = spawnSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' }).stdout.trim() ||
  (existsSync('/usr/local/cuda/bin/nvcc') ? '/usr/local/cuda/bin/nvcc' : '');
if (!nvcc) {
  console.log('efficientnet: no nvcc found, keeping the CPU build (see README: building with CUDA)');
  process.exit(0);
}
console.log(`efficientnet: ${nvcc} found, building the addon with its CUDA backend (cmake-js)`);
const r = spawnSync(path.join(root, 'node_modules', '.bin', 'cmake-js'), ['compile'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
