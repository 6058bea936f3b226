// The parent side of the fuzz harness (test/fuzz/runner.cjs runs the cases in a child process,
// so a native crash or a hang fails the test instead of taking vitest down).
// Replay a failing run with `node test/fuzz/runner.cjs TARGET SEED COUNT` after `npm run build:ts`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';

const RUNNER = path.join(__dirname, 'runner.cjs');

/** What the child reports. */
export interface FuzzSummary {
  cases: number;
  ok: number;
  codes: Record<string, number>;
  other: unknown[];
  slow: unknown[];
}

/**
 * Runs `count` seeded mutations of a target (test/fuzz/targets/NAME.cjs) in a child process and
 * checks the contract: the child ends by itself within `timeoutMs`, and every case either succeeds
 * or throws an EfficientNetError with a code, none slower than the runner's per-case limit.
 * @returns the summary, for target-specific checks
 */
export function runFuzz(target: string, seed: number, count: number, timeoutMs = 240_000): FuzzSummary {
  const r = spawnSync(process.execPath, [RUNNER, target, String(seed), String(count)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const lastCase = r.stderr.trimEnd().split('\n').filter((l) => l.startsWith('case ')).pop();
  const replay = `replay: node test/fuzz/runner.cjs ${target} ${seed} ${count}`;
  expect(r.signal, `the child was killed (crash or hang) at ${lastCase}; ${replay}`).toBeNull();
  expect(r.status, `the child failed at ${lastCase}; ${replay}\n${r.stderr.slice(-2000)}`).toBe(0);
  const summary = JSON.parse(r.stdout) as FuzzSummary;
  expect(summary.other, `errors without a code (seed ${seed}); ${replay}`).toEqual([]);
  expect(summary.slow, `cases over the time limit (seed ${seed}); ${replay}`).toEqual([]);
  expect(summary.cases).toBeGreaterThanOrEqual(count);
  return summary;
}
