#!/usr/bin/env node
// `npm test`: type-checks and builds dist/ (the CLI tests run it), runs the vitest suite, then
// prints the closing line `vitest: N passed, N failed, N skipped` derived from vitest's JSON report
// (vitest itself prints no such line) and exits non-zero on any failure.
// Extra arguments go to vitest, e.g. `npm test -- test/npy.test.ts`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

// dist/ is rebuilt from scratch: tsc never deletes outputs, and a module moved from lib/x.ts to
// lib/x/index.ts would leave a stale dist/x.js that require('./x') resolves before the folder.
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = spawnSync(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('tsc failed');
  console.log('vitest: 0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

const dir = mkdtempSync(path.join(tmpdir(), 'efficientnet-vitest-'));
const report = path.join(dir, 'report.json');
const run = spawnSync(
  bin('vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);

let summary;
try {
  summary = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  summary = undefined;
}
rmSync(dir, { recursive: true, force: true });

if (!summary) {
  console.log('vitest: 0 passed, 1 failed, 0 skipped');
  console.error(`vitest wrote no JSON report (exit ${run.status ?? run.signal})`);
  process.exit(1);
}
const passed = summary.numPassedTests ?? 0;
// A test file that fails to load has no failed test in it, but it is a failure all the same.
const brokenFiles = (summary.testResults ?? []).filter(
  (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
).length;
const failed = (summary.numFailedTests ?? 0) + brokenFiles;
const skipped = (summary.numPendingTests ?? 0) + (summary.numTodoTests ?? 0);
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
