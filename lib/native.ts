/**
 * The typed face of the compiled addon (native/binding). The only module that loads the .node;
 * everything else imports {@link getNative}. Native errors are re-thrown as
 * {@link EfficientNetError} carrying the caller's stack (see {@link wrapNativeError}).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import load from 'node-gyp-build';
import { EfficientNetError, ERROR_CODES, type ErrorCode } from './errors';
import type { Plan } from './plan/types';

/** Pillow's filters, as the binding names them. */
export type NativeFilter = 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos';

/** Arguments of `resampleImage`; see native/binding/image_ops.h. */
export interface ResampleImageParams {
  srcWidth: number;
  srcHeight: number;
  channels: number;
  dstWidth: number;
  dstHeight: number;
  filter: NativeFilter;
  /** Pillow's `box` (source region, float32). */
  box?: readonly [number, number, number, number];
  /** Part of the dstWidth x dstHeight output to compute. */
  window?: { x: number; y: number; width: number; height: number };
}

/** The kernel sets the core compiles with: the fast ones, or the scalar oracle (for tests). */
export const KERNEL_SETS = ['fast', 'reference'] as const;
/** Where the core runs a model ('auto': the GPU when usable). */
export const DEVICES = ['cpu', 'cuda', 'auto'] as const;
/**
 * What a model computes in: 'fp32' everywhere; 'fp16' (CUDA only: fp16 feature maps and 1x1 weights);
 * 'bf16' (CPUs with AVX512_BF16 only: the 1x1 convolutions multiply bf16 inputs and weights with
 * fp32 sums; everything else stays fp32).
 */
export const PRECISIONS = ['fp32', 'fp16', 'bf16'] as const;
/** One of {@link PRECISIONS}. */
export type Precision = (typeof PRECISIONS)[number];

/** The precision a native model's kernel level computes in ('cuda-fp16 sm_90', 'avx512-bf16', 'avx512'). */
export function precisionOfKernelLevel(level: string): Precision {
  return level.startsWith('cuda-fp16') ? 'fp16' : level.endsWith('-bf16') ? 'bf16' : 'fp32';
}

/** Options for compiling a plan (the one declaration of the compile options; the model's are derived). */
export interface NativeCompileOptions {
  /** Worker threads for this model; 0 = one per core. */
  threads?: number;
  /** 'fast' (default) or the scalar 'reference' kernels (the oracle, for tests). */
  kernels?: (typeof KERNEL_SETS)[number];
  /** Force a CPU kernel level: 'scalar' | 'generic' | 'avx2' | 'avx512' | 'neon', or 'avx512-8x2' | 'avx512-8x3' (avx512 with its GEMM tile pinned). */
  cpuLevel?: string;
  /** 'cpu' (default), 'cuda' or 'auto' (the GPU when usable). */
  device?: (typeof DEVICES)[number];
  /** 'fp32' (default), 'fp16' (CUDA only) or 'bf16' (CPUs with AVX512_BF16 only). */
  precision?: (typeof PRECISIONS)[number];
}

/** The CUDA backend's state on this machine. */
export interface CudaInfo {
  /** This binary has the CUDA kernels (built where nvcc was found). */
  compiled: boolean;
  /** A usable GPU and driver were found. */
  available: boolean;
  /** Why not available (the CUDA error), '' when available. */
  reason: string;
  deviceName: string;
  deviceCount: number;
  /** major * 10 + minor, e.g. 90 */
  computeCapability: number;
}

/** A compiled plan in the native core. */
export interface NativeModel {
  /**
   * Runs a batch: input in `layout` order (default 'nhwc'; 'nchw' is transposed as the core copies
   * it, before this returns), outputs preallocated in plan.outputs order (null: not wanted this
   * time). Settles off the JS thread.
   */
  run(input: Float32Array, batch: number, outputs: Array<Float32Array | null>, layout?: 'nhwc' | 'nchw'): Promise<void>;
  /**
   * `runs` runs of the batch as run() does them, with a clock read around each step (CPU only:
   * ERR_INVALID_OPTION on other backends). Settles off the JS thread.
   */
  profile(input: Float32Array, batch: number, runs: number): Promise<NativeRunProfile>;
  dispose(): void;
  readonly kernels: string | null;
  readonly threads: number | null;
  readonly disposed: boolean;
}

/** One step of a profiled run (native/include/effnet/model.h, StepTime). */
export interface NativeStepTime {
  /** The step's plan ops: [firstOp, firstOp + opCount); two when expand and depthwise run fused. */
  firstOp: number;
  opCount: number;
  /** Median over the runs. */
  ms: number;
  /** For the whole batch: 2 x multiply-adds, and the least bytes moved (native/core/op_cost.h). */
  flops: number;
  bytes: number;
  /** The part of `flops` done by the packed GEMM (bf16 pair dots under precision 'bf16'). */
  gemmFlops: number;
}

/** A profiled run: its steps, the median whole run, and how many steps ran one image per thread. */
export interface NativeRunProfile {
  steps: NativeStepTime[];
  runMs: number;
  bandSteps: number;
}

/** Result of one op case from the core's op table (the test addon's checkOpCase, native/test/). */
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
  /** The GEMM register tile of cpuKernels, rows x vectors (e.g. '8x3'); '' for the plain C++ levels. */
  cpuGemmTile: string;
  /** Every fast kernel level this CPU can run (values for `cpuLevel`). */
  cpuLevels: string[];
  /** Every fast kernel level this binary has kernels for (some may need a newer CPU). */
  cpuLevelsCompiled: string[];
  hardwareThreads: number;
  /** Precision 'bf16' runs here (AVX-512 with AVX512_BF16). */
  bf16: boolean;
  cuda: CudaInfo;
}

/** The addon's exports. */
export interface NativeBinding {
  /** Hash of the native sources the addon was built from (native/fingerprint.js). */
  fingerprint: string;
  Model: new (plan: Plan, options?: NativeCompileOptions) => NativeModel;
  info(): NativeInfo;
  /** The most images one run may hold (the core's kMaxBatch, core/plan_check.h). */
  maxBatch: number;
  savePlan(plan: Plan, file: string): void;
  /** Pillow-exact resize of interleaved 8-bit pixels (native/image), on libuv's pool. */
  resampleImage(src: Uint8Array, params: ResampleImageParams): Promise<Uint8Array>;
  /** This machine's FMA peak and memory bandwidth (native/core/peak.h); blocks for about `seconds`. */
  measurePeak(seconds: number): MachinePeak;
}

/** What {@link NativeBinding.measurePeak} measured. */
export interface MachinePeak {
  /** The SIMD level of the FMA probe ('' when the CPU runs none: no FMA figures then). */
  level: string;
  lanes: number;
  chains: number;
  gflopsOneThread: number[];
  /** One thread alone, best trial. */
  gflopsPerCore: number;
  /** Threads of the all-core run (one per hardware thread). */
  threads: number;
  gflopsAll: number;
  /** The bf16 pair-dot peak of precision 'bf16' (4 flops per lane per instruction): 0 without AVX512_BF16. */
  bf16GflopsPerCore: number;
  bf16GflopsAll: number;
  readGBs: number;
  copyGBs: number;
  bufferBytes: number;
}

/** The package root: dist/ and lib/ both sit one level below it. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..');

/** Where the loaded addon came from. */
export interface NativeOrigin {
  /** Absolute path of the .node file. */
  path: string;
  /** 'prebuild' (shipped in prebuilds/) or 'local build' (build/Release, compiled on this machine). */
  kind: 'prebuild' | 'local build';
}

let binding: NativeBinding | undefined;
let origin: NativeOrigin | undefined;

const REBUILD_HINT =
  'Build it from source: in a project that depends on it, `npm install-scripts approve efficientnet && ' +
  'npm rebuild efficientnet` (npm 11 runs a dependency\'s install script only when approved), or ' +
  '`npm run build:native` in a clone; that needs Python 3, make and a C++17 compiler (node-gyp, the CPU ' +
  'build), and cmake 3.19+ for `build:native` (cmake-js, with CUDA when nvcc is found).';

function prebuildPlatforms(): string[] {
  try {
    return readdirSync(path.join(PACKAGE_ROOT, 'prebuilds')).filter((d) => !d.startsWith('.'));
  } catch {
    return [];
  }
}

/** Turns a failure to find or dlopen the addon into advice a user can act on. */
function explainLoadFailure(err: Error): string {
  const platform = `${process.platform}-${process.arch}`;
  const message = err.message;
  const glibc = /GLIBC_(\d+\.\d+)' not found/.exec(message);
  if (glibc) {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    const have = report?.header?.glibcVersionRuntime ?? 'an older one';
    return (
      `The efficientnet binary for ${platform} needs glibc ${glibc[1]} or newer, but this system has ${have}. ` +
      `${REBUILD_HINT} (${message})`
    );
  }
  if (/No native build was found/.test(message)) {
    const have = prebuildPlatforms();
    return (
      `No efficientnet binary for ${platform} (Node ${process.versions.node}): ` +
      `${have.length ? `prebuilt binaries exist for ${have.join(', ')} (glibc Linux)` : 'no prebuilt binaries are installed'}, ` +
      `and there is no local build. ${REBUILD_HINT}`
    );
  }
  return `Could not load the efficientnet addon for ${platform} (Node ${process.versions.node}): ${message}. ${REBUILD_HINT}`;
}

/**
 * Loads the addon once, and checks it was built from this package's native sources.
 * @throws {EfficientNetError} ERR_NATIVE_LOAD when no binary for this platform loads (with the
 *   reason: no prebuild for the platform, glibc too old, ...) or when the binary is stale
 */
export function getNative(): NativeBinding {
  if (binding === undefined) {
    let file: string;
    let loaded: NativeBinding;
    try {
      file = load.resolve(PACKAGE_ROOT);
      loaded = load(PACKAGE_ROOT) as NativeBinding;
    } catch (err) {
      throw new EfficientNetError('ERR_NATIVE_LOAD', explainLoadFailure(err as Error), { cause: err });
    }
    const kind = path.relative(PACKAGE_ROOT, file).startsWith('prebuilds') ? 'prebuild' : 'local build';
    const expected = sourceFingerprint();
    if (expected !== undefined && loaded.fingerprint !== expected) {
      throw new EfficientNetError(
        'ERR_NATIVE_LOAD',
        `The efficientnet ${kind} at ${file} was built from other native sources than this package's ` +
          `(fingerprint ${loaded.fingerprint}, sources ${expected}): ` +
          (kind === 'local build'
            ? 'the local build is stale. Rebuild it with `npm rebuild efficientnet` (in a project that ' +
              'depends on it) or `npm run build:native` (in a clone).'
            : 'the prebuild does not belong to this version. Reinstall the package, or ' + REBUILD_HINT),
      );
    }
    binding = loaded;
    origin = { path: file, kind };
  }
  return binding;
}

/** Where the addon was loaded from (loads it if needed). */
export function nativeOrigin(): NativeOrigin {
  getNative();
  return origin!;
}

/**
 * The fingerprint of the package's native sources, or undefined when they are not there to hash
 * (a package trimmed of its sources: then the check cannot be made).
 */
function sourceFingerprint(): string | undefined {
  const script = path.join(PACKAGE_ROOT, 'native', 'fingerprint.js');
  if (!existsSync(script)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(script) as { fingerprint: () => string }).fingerprint();
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
