// Lowering (lib/plan/lower.ts): an architecture and its folded weights to the fused-op plan.
import { describe, expect, it } from 'vitest';
import { archForVariant } from '../../lib/arch';
import { EfficientNetError } from '../../lib/errors';
import { lowerToPlan } from '../../lib/plan';
import { foldBatchNorm, resolveParams, seededStateDict } from '../../lib/weights';

describe('lowering', () => {
  const arch = archForVariant('b0');
  const folded = foldBatchNorm(arch, resolveParams(arch, seededStateDict(arch, 3)));
  it('B0 value shapes: input 224x224x3, ... 7x7x320 -> 7x7x1280 head map, 1280 embedding, 1000 logits', () => {
    const { plan, outputs } = lowerToPlan(arch, folded, { padding: 'symmetric', outputs: ['logits', 'embedding', 'head_map'] });
    expect(plan.values[plan.input]).toEqual({ h: 224, w: 224, c: 3 });
    expect(plan.values[plan.ops[0]!.y]).toEqual({ h: 112, w: 112, c: 32 });
    const head = plan.ops.find((o) => o.op === 'head_pool')!;
    expect(plan.values[head.x]).toEqual({ h: 7, w: 7, c: 320 });
    expect(plan.values[outputs.head_map!]).toEqual({ h: 7, w: 7, c: 1280 });
    expect(plan.values[outputs.embedding!]).toEqual({ h: 1, w: 1, c: 1280 });
    expect(plan.values[outputs.logits!]).toEqual({ h: 1, w: 1, c: 1000 });
    expect(plan.outputs).toEqual([outputs.logits, outputs.embedding, outputs.head_map]);
  });
  it('op counts and wiring', () => {
    const { plan } = lowerToPlan(arch, folded, { padding: 'symmetric' });
    const count = (op: string): number => plan.ops.filter((o) => o.op === op).length;
    expect(count('conv_bn_act')).toBe(1);
    expect(count('dwconv_bn_act')).toBe(16);
    expect(count('se_gate')).toBe(16);
    expect(count('pwconv_bn_act')).toBe(16 + 15);
    expect(count('head_pool')).toBe(1);
    expect(count('linear')).toBe(1);
    expect(plan.ops).toHaveLength(66);
    expect(plan.ops.filter((o) => o.residual !== undefined)).toHaveLength(9);
    // every op reads values produced before it; the se_gate reads the dw sums; project reads the gate
    const produced = new Set([plan.input]);
    for (const [i, o] of plan.ops.entries()) {
      for (const v of [o.x, o.gate, o.residual]) if (v !== undefined) expect(produced.has(v), `${o.name} input ${v}`).toBe(true);
      if (o.op === 'se_gate') {
        const dw = plan.ops[i - 1]!;
        expect(o.x).toBe(dw.sums);
        expect(o.spatial).toBe(plan.values[dw.y]!.h * plan.values[dw.y]!.w);
        expect(plan.ops[i + 1]!.gate).toBe(o.y);
        expect(o.weight2).toBeInstanceOf(Float32Array);
      }
      if (o.op === 'pwconv_bn_act') {
        const cin = plan.values[o.x]!.c;
        const cout = plan.values[o.y]!.c;
        expect(o.weight.length).toBe(cin * cout);
        expect(o.act).toBe(o.name.endsWith('.project') ? 'none' : 'swish');
      }
      for (const v of [o.y, o.sums, o.map]) if (v !== undefined) produced.add(v);
    }
    expect(plan.outputs).toEqual([plan.ops.at(-1)!.y]);
  });
  it('TF SAME padding shows up per conv; symmetric by default', () => {
    const same = lowerToPlan(arch, folded, { padding: 'same' }).plan;
    expect(same.ops[0]!.pad).toEqual([0, 0, 1, 1]);
    const dw = same.ops.filter((o) => o.op === 'dwconv_bn_act');
    expect(dw.find((o) => o.name === 'blocks.2.0.dw')!.pad).toEqual([1, 1, 2, 2]); // k5 s2 on 56
    expect(dw.find((o) => o.name === 'blocks.0.0.dw')!.pad).toEqual([1, 1, 1, 1]);
    const sym = lowerToPlan(arch, folded, { padding: 'symmetric' }).plan;
    expect(sym.ops[0]!.pad).toEqual([1, 1, 1, 1]);
    expect(sym.ops.find((o) => o.name === 'blocks.2.0.dw')!.pad).toEqual([2, 2, 2, 2]);
  });
  it('other resolutions', () => {
    const { plan, outputs } = lowerToPlan(arch, folded, { padding: 'same', resolution: 257, outputs: ['embedding'] });
    expect(plan.values[plan.input]).toEqual({ h: 257, w: 257, c: 3 });
    expect(plan.ops.at(-1)!.op).toBe('head_pool');
    expect(plan.values[plan.ops.at(-1)!.x]).toEqual({ h: 9, w: 9, c: 320 });
    expect(Object.keys(outputs)).toEqual(['embedding']);
  });
  it('rejects bad options and missing layers', () => {
    expect(() => lowerToPlan(arch, folded, { padding: 'valid' as never })).toThrow(/'symmetric' or 'same' for options.padding/);
    expect(() => lowerToPlan(arch, folded, { padding: 'same', resolution: 0 })).toThrow(RangeError);
    expect(() => lowerToPlan(arch, folded, { padding: 'same', outputs: ['probs' as never] })).toThrow(/options.outputs/);
    const partial = new Map(folded);
    partial.delete('blocks.3.1.dw');
    expect(() => lowerToPlan(arch, partial, { padding: 'same' })).toThrow(EfficientNetError);
    expect(() => lowerToPlan(arch, partial, { padding: 'same' })).toThrow(/blocks.3.1.dw is missing/);
  });
});
