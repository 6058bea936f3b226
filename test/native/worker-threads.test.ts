// The addon in worker threads: the main thread and two workers running at once agree bit for bit;
// workers terminated while their runs (or classify() calls, whose images go through the native
// resampler, or profiles) are queued and running take nothing down (30 times, with the main thread running
// throughout); a worker calling process.exit() ends only itself. Each scenario
// runs in a child process (test/helpers/worker-child.cjs) so a crash is a failed exit code.
import { describe, expect, it } from 'vitest';
import { runHelper } from '../helpers/child';

function scenario(name: string, ...args: string[]): Record<string, unknown> {
  const r = runHelper('worker-child.cjs', [name, ...args], 300_000);
  expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 0, signal: null });
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('worker threads', () => {
  it('main thread and two workers at once give identical results', () => {
    expect(scenario('parallel')).toEqual({ identical: true });
  });

  it.each(['run', 'classify', 'profile'])('30 workers terminated mid-%s: no crash, the main thread keeps exact results', (work) => {
    const r = scenario('terminate', '30', work);
    expect(r.terminations).toBe(30);
    expect(r.latenciesMs).toHaveLength(30);
    expect(r.mainStillExact).toBe(true);
  });

  it('a worker calling process.exit(7) with runs in flight ends with code 7, alone', () => {
    expect(scenario('worker-exit')).toEqual({ workerExitCode: 7 });
  });
});
