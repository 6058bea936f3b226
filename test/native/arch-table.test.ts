// The no-Node tools build their networks from native/test/arch_table.inc, generated from lib/arch
// by tools/plans/arch-table.mjs: the file must be what the generator writes now, or the tools would
// build another architecture than the library.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('native/test/arch_table.inc', () => {
  it('is what tools/plans/arch-table.mjs generates from lib/arch', () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, '../../tools/plans/arch-table.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});
