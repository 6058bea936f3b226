/** Running a compiled plan: the one path from a model's methods to the core. */
import type { Layout } from '../image';
import { wrapNativeError } from '../native';
import type { Compiled } from './compile';
import type { PlanOutput } from './lower';

/**
 * Runs `compiled` on a batch and copies out only the outputs asked for.
 * @param input - the batch in `layout` order: NHWC, or NCHW, which the core transposes as it
 *   copies the input (before this returns its promise, so the caller's array is free again)
 * @param stack - the caller's stack, for native errors
 * @returns per output asked, batch * h * w * c values (NHWC)
 * @throws {EfficientNetError} what the core reports (ERR_OUT_OF_MEMORY, ERR_DISPOSED, ...)
 */
export async function runPlan<K extends PlanOutput>(
  compiled: Compiled,
  input: Float32Array,
  batch: number,
  wanted: readonly K[],
  stack: Error,
  layout: Layout = 'nhwc',
): Promise<Record<K, Float32Array>> {
  const result = {} as Record<K, Float32Array>;
  const byId = new Map<number, Float32Array>();
  for (const name of wanted) {
    const { id, shape } = compiled.outputs.get(name)!;
    result[name] = new Float32Array(batch * shape.h * shape.w * shape.c);
    byId.set(id, result[name]);
  }
  try {
    await compiled.native.run(input, batch, compiled.order.map((id) => byId.get(id) ?? null), layout);
  } catch (err) {
    throw wrapNativeError(err, stack);
  }
  return result;
}
