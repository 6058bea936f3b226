// Every way a program ends gives exactly Node's exit code once the addon is loaded: process.exit()
// (with runs queued or not, the model disposed or not), process.exit(130) from a SIGINT handler,
// an uncaught exception and an unhandled rejection (1), the natural end of the event loop, and
// process.reallyExit() (exit() without the 'exit' event, left to the addon's atexit handler). Each
// case runs in a child process (test/helpers/exit-child.cjs) so an abort is seen as a wrong code.
import { describe, expect, it } from 'vitest';
import { runHelper } from '../helpers/child';

const ENDINGS = [
  ['exit0', 0],
  ['exit3', 3],
  ['sigint130', 130],
  ['uncaught', 1],
  ['rejection', 1],
  ['natural', 0],
  ['reallyExit', 5],
] as const;

const CASES = ENDINGS.flatMap(([ending, code]) =>
  [0, 8].flatMap((inflight) => (['keep', 'dispose'] as const).map((model) => [ending, inflight, model, code] as const)),
);

describe('exit codes with the addon loaded', () => {
  it.each(CASES)('%s with %i runs in flight (%s the model) exits %i', (ending, inflight, model, code) => {
    const r = runHelper('exit-child.cjs', [ending, String(inflight), model]);
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code, signal: null });
    expect(r.stderr).not.toMatch(/terminate called/);
  });
});
