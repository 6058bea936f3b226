/**
 * onnxruntime-node, the engine `bench --compare onnxruntime` measures against. It is an optional
 * development dependency (its install script downloads CUDA libraries, which users of this
 * package should not pay for), so it is loaded at run time and typed here by the little we use,
 * rather than with its own declarations, which would make the build need it.
 */
import { BenchError } from './bench-error';

/** The parts of an onnxruntime tensor we read. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** The parts of an onnxruntime InferenceSession we use. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

interface OrtModule {
  InferenceSession: { create(path: string, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  env: { versions?: { node?: string; common?: string } };
}

/** How to install it offline; printed whenever it is missing. */
export const ONNXRUNTIME_INSTALL_HINT =
  'ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node@^1.30 ' +
  '(the variable stops its install script from downloading CUDA libraries)';

let cached: OrtModule | undefined;

/**
 * Loads onnxruntime-node.
 * @throws {BenchError} when it is not installed (with the install command) or fails to load
 */
export function loadOnnxRuntime(): OrtModule {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('onnxruntime-node') as OrtModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && /onnxruntime-node/.test(e.message)) {
      throw new BenchError(`--compare onnxruntime needs onnxruntime-node, which is not installed; install it with ${ONNXRUNTIME_INSTALL_HINT}`);
    }
    throw new BenchError(`onnxruntime-node is installed but does not load: ${e.message}`);
  }
  return cached;
}

/**
 * True when onnxruntime-node can be loaded (for tests that skip without it).
 * @throws never
 */
export function hasOnnxRuntime(): boolean {
  try {
    loadOnnxRuntime();
    return true;
  } catch {
    return false;
  }
}

/**
 * The version of onnxruntime-node.
 * @throws {BenchError} as {@link loadOnnxRuntime}
 */
export function onnxRuntimeVersion(): string {
  const v = loadOnnxRuntime().env.versions;
  return v?.node ?? v?.common ?? 'unknown';
}

/** The session options of the comparison, reported with the results. */
export interface OrtSettings {
  executionProvider: 'cpu';
  intraOpNumThreads: number;
  interOpNumThreads: 1;
  graphOptimizationLevel: 'all';
  allowSpinning: false;
}

/**
 * The settings for a thread count: the CPU execution provider with the same number of threads
 * as ours, one inter-op thread (the graph is a chain; parallel branches do not exist), every
 * graph optimisation (fusions included), and no spinning. By default onnxruntime's idle workers
 * spin for a while after each run; interleaved with our runs on the same cores that spinning
 * steals our CPU time (measured here on 2 cores: B0 batch 1 went from ~80 ms to ~110-160 ms),
 * and its own latency did not get worse without it.
 * @throws never
 */
export function ortSettings(threads: number): OrtSettings {
  return { executionProvider: 'cpu', intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', allowSpinning: false };
}

/**
 * Opens an ONNX model with {@link ortSettings}.
 * @param modelPath - the .onnx file
 * @param settings - from {@link ortSettings}
 * @returns the session and a function that makes a runner for one fixed input batch
 * @throws {BenchError} when onnxruntime-node is missing or cannot open the model
 */
export async function openOrtSession(
  modelPath: string,
  settings: OrtSettings,
): Promise<{ session: OrtSession; runnerFor(input: Float32Array, dims: readonly number[]): () => Promise<Float32Array> }> {
  const ort = loadOnnxRuntime();
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      executionProviders: [settings.executionProvider],
      intraOpNumThreads: settings.intraOpNumThreads,
      interOpNumThreads: settings.interOpNumThreads,
      graphOptimizationLevel: settings.graphOptimizationLevel,
      executionMode: 'sequential',
      extra: { session: { intra_op: { allow_spinning: settings.allowSpinning ? '1' : '0' } } },
    });
  } catch (err) {
    throw new BenchError(`onnxruntime cannot open ${modelPath}: ${(err as Error).message}`);
  }
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  return {
    session,
    runnerFor(input, dims) {
      // One tensor for every run: the input never changes, and wrapping it again each time would
      // add an allocation to onnxruntime's side that ours does not have.
      const feeds = { [inputName]: new ort.Tensor('float32', input, dims) };
      return async () => (await session.run(feeds))[outputName]!.data as Float32Array;
    },
  };
}
