// Nothing leaks: loads, runs, disposes and every error path repeated many times in a child process
// (with --expose-gc), RSS measured after a warm-up and after each of two equal phases; the growth
// is the smaller phase's (a leak grows both; allocator churn, seen up to ~38 MiB on a busy machine,
// lands in one). The bound is tight against a real leak: the small model's packed weights are
// ~3 MiB, so leaking them (or an arena) on each of 150 iterations would grow each phase by several
// hundred MiB; without a leak a phase moves by -5 to 20 MiB.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function growth(scenario: string, iterations: number): number {
  const script = path.join(__dirname, '..', 'helpers/leak-loop.cjs');
  const r = spawnSync(process.execPath, ['--expose-gc', script, scenario, String(iterations)], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const result = JSON.parse(r.stdout) as { growthMiB: number; phasesMiB: number[] };
  console.log(`${scenario}: RSS growth ${result.growthMiB.toFixed(1)} MiB per ${iterations} iterations (phases ${JSON.stringify(result.phasesMiB)})`);
  return result.growthMiB;
}

describe('no leaks', () => {
  it.each([
    ['lifecycle', 150],
    ['errors', 150],
    ['runs', 200],
    ['images', 60],
  ] as const)('%s', (scenario, iterations) => {
    expect(growth(scenario, iterations)).toBeLessThan(30);
  });
});
