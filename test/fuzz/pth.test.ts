// Seeded mutations of the .pth fixtures, parsed in a child process (test/fuzz/pth-runner.cjs, on
// the built dist/): every case either parses or fails with an EfficientNetError carrying a code;
// no other error type, no crash (the child exits 0 with its summary), no hang (the child's time
// limit). Replay a case with `node test/fuzz/pth-runner.cjs SEED COUNT`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const RUNNER = path.join(__dirname, 'pth-runner.cjs');
const CASES = 600;

describe('fuzzed .pth files', () => {
  it.each([[1], [2]])(`seed %i: ${CASES} mutations end in success or a coded EfficientNetError`, (seed) => {
    const r = spawnSync(process.execPath, [RUNNER, String(seed), String(CASES)], { encoding: 'utf8', timeout: 240_000 });
    expect(r.signal, `the child was killed (hang or crash): ${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { cases: number; ok: number; codes: Record<string, number>; other: unknown[] };
    console.log(`seed ${seed}: ${summary.cases} cases, ${summary.ok} parsed, errors ${JSON.stringify(summary.codes)}`);
    expect(summary.other).toEqual([]);
    expect(summary.cases).toBe(CASES);
    // The mutations must reach the checks: most cases are refused, with the format code.
    expect(summary.codes.ERR_WEIGHTS_FORMAT ?? 0).toBeGreaterThan(CASES / 4);
  });
});
