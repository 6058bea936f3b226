/**
 * The typed face of the compiled addon (native/binding). The only module that loads the .node;
 * everything else imports {@link getNative}. Native errors are re-thrown as
 * {@link EfficientNetError} carrying the caller's stack (see {@link wrapNativeError}).
 */
import path from 'node:path';
import load from 'node-gyp-build';
import { EfficientNetError, ERROR_CODES, type ErrorCode } from './errors';
import type { Plan } from './plan';
import type { ResampleImageParams } from './image/native-image';

/** Options for compiling a plan. */
export interface NativeCompileOptions {
  /** Worker threads for this model; 0 = one per core. */
  threads?: number;
  /** 'fast' (default) or the scalar 'reference' kernels (the oracle, for tests). */
  kernels?: 'fast' | 'reference';
  /** Force a CPU kernel level: 'scalar' | 'generic' | 'avx2' | 'avx512'. */
  cpuLevel?: string;
}

/** A compiled plan in the native core. */
export interface NativeModel {
  /**
   * Runs a batch: input NHWC, outputs preallocated in plan.outputs order (null: not wanted this
   * time). Settles off the JS thread.
   */
  run(input: Float32Array, batch: number, outputs: Array<Float32Array | null>): Promise<void>;
  dispose(): void;
  readonly kernels: string | null;
  readonly threads: number | null;
  readonly disposed: boolean;
}

/** Result of one op case from the core's op table. */
export interface OpCheckResult {
  maxAbsDiff: number;
  nmse: number;
  maxAbsRef: number;
  count: number;
  seed: string;
  /** Which code ran, e.g. "avx2/generic" (a level inherits the ops it has no kernel of its own for). */
  kernel: string;
  /** Within the core's documented tolerance (kOpCaseMaxNmse, kOpCaseMaxAbs). */
  passed: boolean;
}

/** What the native core reports about this machine. */
export interface NativeInfo {
  cpuFeatures: string[];
  cpuKernels: string;
  /** Every fast kernel level this CPU can run (values for `cpuLevel`). */
  cpuLevels: string[];
  hardwareThreads: number;
}

/** The addon's exports. */
export interface NativeBinding {
  Model: new (plan: Plan, options?: NativeCompileOptions) => NativeModel;
  info(): NativeInfo;
  opCases(): string[];
  checkOpCase(id: string, options?: NativeCompileOptions): OpCheckResult;
  savePlan(plan: Plan, file: string): void;
  /** Pillow-exact resize of interleaved 8-bit pixels (native/image), on libuv's pool. */
  resampleImage(src: Uint8Array, params: ResampleImageParams): Promise<Uint8Array>;
}

/** The package root: dist/ and lib/ both sit one level below it. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..');

let binding: NativeBinding | undefined;

/**
 * Loads the addon once.
 * @throws {EfficientNetError} ERR_NATIVE_LOAD when no binary for this platform can be loaded.
 */
export function getNative(): NativeBinding {
  if (binding === undefined) {
    try {
      binding = load(PACKAGE_ROOT) as NativeBinding;
    } catch (err) {
      throw new EfficientNetError(
        'ERR_NATIVE_LOAD',
        `Could not load the efficientnet native addon for ${process.platform}-${process.arch} ` +
          `(Node ${process.versions.node}): ${(err as Error).message}. ` +
          'Rebuild it from source with `npm run build:native` (needs cmake and a C++17 compiler).',
        { cause: err },
      );
    }
  }
  return binding;
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

/**
 * Turns an error thrown by the addon into an {@link EfficientNetError} with the given stack
 * (captured before the native call, so it points at the user's code, not at ours).
 * TypeErrors and RangeErrors from argument checks pass through unchanged.
 */
export function wrapNativeError(err: unknown, stackFrom?: Error): unknown {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof EfficientNetError) return err;
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    const wrapped = new EfficientNetError(isErrorCode(code) ? code : 'ERR_INTERNAL', err.message, { cause: err });
    if (stackFrom?.stack) {
      wrapped.stack = `EfficientNetError: ${err.message}\n${stackFrom.stack.split('\n').slice(1).join('\n')}`;
    }
    return wrapped;
  }
  return err;
}
