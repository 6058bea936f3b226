/**
 * The public model: `EfficientNet.load()` turns a variant (or custom scaling) and a weight file
 * into a compiled native plan; `run()` computes logits off the JS thread.
 */
import { promises as fs } from 'node:fs';
import { resolveArch, lowerToPlan, type ArchSpec, type CustomScaling, type PaddingMode, type VariantName } from './arch';
import { EfficientNetError, checkNumber, invalidParameterError, is } from './errors';
import { prepareInput, type Layout, type TensorLike } from './input';
import { getNative, wrapNativeError, type NativeModel } from './native';
import { Tensor } from './tensor';
import {
  defaultBnEps,
  detectFormat,
  foldBatchNorm,
  numClassesOf,
  parseSafetensors,
  resolveParams,
  seededStateDict,
  type WeightFormat,
} from './weights';

/** Options of {@link EfficientNet.load}. */
export interface LoadOptions {
  /** 'b0' … 'b7' (also 'b8', 'l2'), or a custom scaling `{ width, depth, resolution }` / `{ phi }`. Default 'b0'. */
  variant?: VariantName | CustomScaling;
  /**
   * A .safetensors file: its path or its bytes. Omitted: a seeded deterministic random init
   * (`model.random` is then true: useful for tests and benchmarks, useless for predictions).
   */
  weights?: string | Uint8Array;
  /** Key naming of the file: 'torchvision', 'timm', or 'auto' (default) to detect it. */
  format?: 'auto' | WeightFormat;
  /**
   * Convolution padding: 'symmetric' (PyTorch-trained weights, the default) or 'same'
   * (TF "SAME", for TF-trained weights such as timm's tf_efficientnet_*).
   */
  padding?: PaddingMode;
  /** Batch-norm epsilon; default by weight source (1e-5 PyTorch-trained, 1e-3 TF-trained). */
  bnEps?: number;
  /** Worker threads for inference; default one per core. */
  threads?: number;
  /** Classifier width; default taken from the weights (1000 without weights). */
  numClasses?: number;
  /** Input resolution (square); default the variant's native one. */
  resolution?: number;
  /** Seed of the random init when no weights are given. Default 0. */
  seed?: number;
  /** Kernels: 'fast' (default) or the scalar 'reference' ones (slow; for checking). */
  kernels?: 'fast' | 'reference';
}

/** Options of {@link EfficientNet.run}. */
export interface RunOptions {
  /** Memory order of the input: 'nchw' (default, as PyTorch) or 'nhwc'. */
  layout?: Layout;
}

const LOAD_KEYS = new Set([
  'variant', 'weights', 'format', 'padding', 'bnEps', 'threads', 'numClasses', 'resolution', 'seed', 'kernels',
]);

async function readWeights(weights: string | Uint8Array): Promise<Uint8Array> {
  if (typeof weights !== 'string') return weights;
  try {
    return await fs.readFile(weights);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EfficientNetError(
      'ERR_WEIGHTS_FORMAT',
      `Cannot read weights file ${weights}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      { cause: err },
    );
  }
}

/** An EfficientNet compiled for this machine. */
export class EfficientNet {
  /** The architecture (channels, repeats, resolution, classes). */
  readonly arch: ArchSpec;
  /** Input height and width. */
  readonly resolution: number;
  /** Where the weights came from. */
  readonly weightsSource: 'file' | 'buffer' | 'random';
  /** Key naming of the weights. */
  readonly format: WeightFormat;
  /** Padding used by every strided conv. */
  readonly padding: PaddingMode;
  /** Batch-norm epsilon folded into the weights. */
  readonly bnEps: number;
  #native: NativeModel | undefined;
  readonly #logitsValue: number;
  readonly #plan: { outputs: number[] };

  private constructor(init: {
    arch: ArchSpec;
    resolution: number;
    weightsSource: 'file' | 'buffer' | 'random';
    format: WeightFormat;
    padding: PaddingMode;
    bnEps: number;
    native: NativeModel;
    outputs: number[];
    logitsValue: number;
  }) {
    this.arch = init.arch;
    this.resolution = init.resolution;
    this.weightsSource = init.weightsSource;
    this.format = init.format;
    this.padding = init.padding;
    this.bnEps = init.bnEps;
    this.#native = init.native;
    this.#plan = { outputs: init.outputs };
    this.#logitsValue = init.logitsValue;
  }

  /**
   * Builds the network, reads and checks the weights, folds batch norm and compiles the plan.
   * @throws {TypeError | RangeError} for invalid options
   * @throws {EfficientNetError} ERR_WEIGHTS_FORMAT (unreadable file), ERR_WEIGHTS_MISSING /
   *   ERR_WEIGHTS_UNEXPECTED / ERR_WEIGHTS_SHAPE / ERR_WEIGHTS_VARIANT (tensors that do not fit the
   *   variant), ERR_OUT_OF_MEMORY, ERR_NATIVE_LOAD (no addon for this platform)
   */
  static async load(options: LoadOptions = {}): Promise<EfficientNet> {
    const stack = new Error();
    if (!is.plainObject(options)) throw invalidParameterError('options', 'an object', options);
    for (const key of Object.keys(options)) {
      if (!LOAD_KEYS.has(key)) throw invalidParameterError('options', `only ${[...LOAD_KEYS].join(', ')}`, key, 'type');
    }
    const variant = options.variant ?? 'b0';
    const format = options.format ?? 'auto';
    if (!is.inArray(format, ['auto', 'torchvision', 'timm'] as const)) {
      throw invalidParameterError('options.format', "'auto', 'torchvision' or 'timm'", format);
    }
    const padding = options.padding ?? 'symmetric';
    if (!is.inArray(padding, ['symmetric', 'same'] as const)) {
      throw invalidParameterError('options.padding', "'symmetric' or 'same'", padding);
    }
    const kernels = options.kernels ?? 'fast';
    if (!is.inArray(kernels, ['fast', 'reference'] as const)) {
      throw invalidParameterError('options.kernels', "'fast' or 'reference'", kernels);
    }
    const threads = options.threads === undefined ? 0 : checkNumber('options.threads', options.threads, 1, 1024, true);
    const seed = options.seed === undefined ? 0 : checkNumber('options.seed', options.seed, 0, 2 ** 32 - 1, true);
    if (options.bnEps !== undefined) checkNumber('options.bnEps', options.bnEps, 0, 1);
    const weights = options.weights;
    if (weights !== undefined && typeof weights !== 'string' && !(weights instanceof Uint8Array)) {
      throw invalidParameterError('options.weights', 'a file path or a Uint8Array/Buffer', weights);
    }

    let arch = resolveArch(variant, { numClasses: options.numClasses });
    let tensors;
    let weightFormat: WeightFormat;
    if (weights === undefined) {
      weightFormat = format === 'auto' ? 'torchvision' : format;
      tensors = seededStateDict(arch, seed, weightFormat);
    } else {
      tensors = parseSafetensors(await readWeights(weights));
      weightFormat = format === 'auto' ? detectFormat([...tensors.keys()]) : format;
      if (options.numClasses === undefined) {
        const fromFile = numClassesOf(tensors, weightFormat);
        if (fromFile !== undefined && fromFile !== arch.numClasses) {
          arch = resolveArch(variant, { numClasses: fromFile });
        }
      }
    }
    const params = resolveParams(arch, tensors, weightFormat);
    tensors.clear(); // the raw copies can go before packing doubles the memory
    const bnEps = options.bnEps ?? defaultBnEps(arch.variant, weightFormat);
    const folded = foldBatchNorm(arch, params, { eps: bnEps });
    params.clear();
    const resolution = options.resolution ?? arch.resolution;
    const { plan, outputs } = lowerToPlan(arch, folded, { padding, resolution, outputs: ['logits'] });
    let native: NativeModel;
    try {
      native = new (getNative().Model)(plan, { threads, kernels });
    } catch (err) {
      throw wrapNativeError(err, stack);
    }
    return new EfficientNet({
      arch,
      resolution,
      weightsSource: weights === undefined ? 'random' : typeof weights === 'string' ? 'file' : 'buffer',
      format: weightFormat,
      padding,
      bnEps,
      native,
      outputs: plan.outputs,
      logitsValue: outputs.logits,
    });
  }

  /** True when the weights are the seeded random init (no weights were given). */
  get random(): boolean {
    return this.weightsSource === 'random';
  }

  /** Number of classes the classifier outputs. */
  get numClasses(): number {
    return this.arch.numClasses;
  }

  /** The CPU kernel level in use (e.g. "generic", "avx512"), or null once disposed. */
  get kernels(): string | null {
    return this.#native?.kernels ?? null;
  }

  /** Worker threads used per inference, or null once disposed. */
  get threads(): number | null {
    return this.#native?.threads ?? null;
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.#native === undefined;
  }

  /**
   * Computes the logits of a batch. Runs on the core's threads; many calls may be in flight at
   * once (they queue in the core).
   * @param input - float32 pixels, normalized as the weights expect: a Float32Array in NCHW
   *   (batch inferred) or `{ data, dims }` with dims [N, 3, H, W] (or [N, H, W, 3] with layout 'nhwc')
   * @returns logits, dims [N, numClasses]
   * @throws {EfficientNetError} ERR_DISPOSED, ERR_INPUT_DTYPE, ERR_INPUT_SHAPE, ERR_OUT_OF_MEMORY
   */
  async run(input: Float32Array | TensorLike, options: RunOptions = {}): Promise<Tensor> {
    const stack = new Error();
    const native = this.#native;
    if (native === undefined) {
      throw new EfficientNetError('ERR_DISPOSED', 'This model has been disposed; load it again to run it');
    }
    if (!is.plainObject(options)) throw invalidParameterError('options', 'an object', options);
    const layout = options.layout ?? 'nchw';
    if (!is.inArray(layout, ['nchw', 'nhwc'] as const)) {
      throw invalidParameterError('options.layout', "'nchw' or 'nhwc'", layout);
    }
    const { nhwc, batch } = prepareInput(input, layout, this.resolution);
    const logits = new Float32Array(batch * this.arch.numClasses);
    const outputs = this.#plan.outputs.map((id) => (id === this.#logitsValue ? logits : null));
    try {
      await native.run(nhwc, batch, outputs);
    } catch (err) {
      throw wrapNativeError(err, stack);
    }
    return new Tensor(logits, [batch, this.arch.numClasses]);
  }

  /**
   * Frees the native model (packed weights and arenas). Runs already in flight finish first.
   * Idempotent. After it, run() rejects with ERR_DISPOSED.
   */
  dispose(): void {
    this.#native?.dispose();
    this.#native = undefined;
  }
}
