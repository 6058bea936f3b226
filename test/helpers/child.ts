import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** What a child process left behind: its exit code (null when a signal ended it), signal and output. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of the scripts in test/helpers in its own Node process (which loads the built dist/),
 * so that a native crash shows as an exit code or signal here instead of taking the test runner
 * down.
 */
export function runHelper(script: string, args: readonly string[], timeoutMs = 120_000): ChildResult {
  const r = spawnSync(process.execPath, [path.join(__dirname, script), ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
