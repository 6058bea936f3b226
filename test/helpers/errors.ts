import { expect } from 'vitest';
import { EfficientNetError, type ErrorCode } from '../../lib/errors';

/** Awaits `promise` (or calls `fn`) and asserts it fails with an EfficientNetError of `code`. */
export async function expectCode(
  action: Promise<unknown> | (() => unknown),
  code: ErrorCode,
  message?: RegExp,
): Promise<EfficientNetError> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(EfficientNetError);
  const e = caught as EfficientNetError;
  expect(e.code).toBe(code);
  if (message) expect(e.message).toMatch(message);
  return e;
}
