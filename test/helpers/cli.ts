import { spawnSync } from 'node:child_process';
import path from 'node:path';

const CLI = path.join(__dirname, '../../dist/cli.js');

/**
 * Runs the built CLI (npm test builds dist/ first) and returns its exit code and output.
 * `env` adds to (or overrides) this process's environment.
 */
export function cli(
  args: string[],
  input?: Buffer,
  env?: Record<string, string>,
): { code: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input,
    maxBuffer: 256 * 1024 * 1024,
    env: env ? { ...process.env, ...env } : process.env,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}
