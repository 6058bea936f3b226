/**
 * onnxruntime-node, the engine `bench --compare onnxruntime` measures against. It is not a
 * dependency of this package at all (its install script downloads CUDA libraries nobody asked
 * for, and fails offline): the comparison installs one pinned version on demand into the cache
 * (`<cache>/peers/onnxruntime-node@<version>`, the cache of lib/weights/cache.ts) with its install
 * script off (the CPU binary ships inside the npm package; the script only fetches GPU extras).
 * It is loaded at run time and typed here by the little we use.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { weightsCacheDir } from '../weights/cache';
import { BenchError } from './bench-error';

/** The one version the comparison uses (results name it). */
export const ONNXRUNTIME_VERSION = '1.30.0';

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

/**
 * Where the comparison's onnxruntime-node lives (an npm prefix; read from the environment on
 * every call, like the weights cache).
 * @returns the directory (not created here)
 * @throws never
 */
export function onnxRuntimeDir(): string {
  return join(weightsCacheDir(), 'peers', `onnxruntime-node@${ONNXRUNTIME_VERSION}`);
}

/** How to install it by hand; printed when the automatic install fails. */
export const ONNXRUNTIME_INSTALL_HINT =
  `npm install --prefix <cache>/peers/onnxruntime-node@${ONNXRUNTIME_VERSION} --ignore-scripts onnxruntime-node@${ONNXRUNTIME_VERSION}`;

let cached: OrtModule | undefined;

function requireFrom(dir: string): OrtModule | undefined {
  const manifest = join(dir, 'package.json');
  if (!existsSync(join(dir, 'node_modules', 'onnxruntime-node', 'package.json'))) return undefined;
  try {
    return createRequire(manifest)('onnxruntime-node') as OrtModule;
  } catch (err) {
    throw new BenchError(`onnxruntime-node in ${dir} does not load: ${(err as Error).message}`);
  }
}

/**
 * Loads the comparison's onnxruntime-node from the cache, installing it there first when asked.
 * @param install - when it is missing: install it (saying so through `log`), or fail
 * @param log - progress lines (stderr in the CLI)
 * @throws {BenchError} when it is missing and not to be installed, when npm fails (offline, no
 *   registry), or when the installed copy does not load
 */
export function loadOnnxRuntime(install = false, log: (line: string) => void = () => {}): OrtModule {
  if (cached) return cached;
  const dir = onnxRuntimeDir();
  let ort = requireFrom(dir);
  if (!ort) {
    if (!install) throw new BenchError(`onnxruntime-node@${ONNXRUNTIME_VERSION} is not installed in ${dir}`);
    log(`installing onnxruntime-node@${ONNXRUNTIME_VERSION} into ${dir} for the comparison (install script off: no GPU download) ...`);
    mkdirSync(dir, { recursive: true });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(
      npm,
      ['install', '--prefix', dir, '--ignore-scripts', '--no-audit', '--no-fund', '--no-save', `onnxruntime-node@${ONNXRUNTIME_VERSION}`],
      { encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } },
    );
    if (r.status !== 0) {
      const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').slice(-3).join(' ');
      throw new BenchError(`could not install onnxruntime-node@${ONNXRUNTIME_VERSION} (${why.slice(0, 300)}); install it by hand with ${ONNXRUNTIME_INSTALL_HINT}`);
    }
    ort = requireFrom(dir);
    if (!ort) throw new BenchError(`npm installed nothing into ${dir}; install it by hand with ${ONNXRUNTIME_INSTALL_HINT}`);
  }
  cached = ort;
  return cached;
}

/**
 * The version of onnxruntime-node.
 * @throws {BenchError} as {@link loadOnnxRuntime}
 */
export function onnxRuntimeVersion(): string {
  const v = loadOnnxRuntime().env.versions;
  return v?.node ?? v?.common ?? 'unknown';
}

/** How the comparison's onnxruntime runs, reported with the results. */
export interface OrtSettings {
  /** The same thread count as ours; the one session option the comparison sets. */
  intraOpNumThreads: number;
  /**
   * 'default': onnxruntime as its users get it, every other session option at its default
   * (intra-op spinning on, all graph optimisations). 'off': the labelled tuned row, intra-op
   * spinning turned off (what the old in-process harness used; slower when onnxruntime runs alone).
   */
  spinning: 'default' | 'off';
}

/**
 * The settings for a thread count: onnxruntime's defaults but the thread count.
 * @throws never
 */
export function ortSettings(threads: number, spinning: OrtSettings['spinning'] = 'default'): OrtSettings {
  return { intraOpNumThreads: threads, spinning };
}

/**
 * The session options object passed to InferenceSession.create: the thread count, and the
 * spinning flag only for the labelled spinning-off row. Nothing else, so every other option is
 * onnxruntime's default.
 * @throws never
 */
export function ortSessionOptions(settings: OrtSettings): Record<string, unknown> {
  return {
    intraOpNumThreads: settings.intraOpNumThreads,
    ...(settings.spinning === 'off' ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
}

/**
 * Opens an ONNX model with {@link ortSessionOptions}.
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
    session = await ort.InferenceSession.create(modelPath, ortSessionOptions(settings));
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
