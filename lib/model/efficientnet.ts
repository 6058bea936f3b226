/**
 * The public model: `EfficientNet.load()` turns a variant (or custom scaling) and a weight file
 * into a compiled native plan; `run()` computes logits off the JS thread, and `classify()`,
 * `classifyMany()`, `embed()`, `features()` and `cam()` take images (paths or bytes, preprocessed
 * with the model's policy) or already-preprocessed tensors. Every method goes through one internal
 * path, `#execute(plan, input, outputs)`.
 *
 * ONE plan serves run/classify/embed/cam: it exports logits, the pooled embedding and the head map
 * (the CAM input). Those two extra outputs cost no measurable arena (B0, RSS after the first run:
 * 6.0 MiB at batch 1 and 46.3 MiB at batch 8 with or without them). The stem and stage maps
 * (features()) do: exporting all of them keeps them alive to the end of the run and grows the
 * arena by 38% (8.3 / 64.6 MiB), more than every classify() should pay for a method most callers
 * never use. So features() gets a second plan, compiled on its first call (see #featurePlan).
 */
import { resolveArch, type ArchSpec, type PaddingMode } from '../arch';
import type { PlanOutput } from '../plan';
import { Batcher, resolveBatching, type ResolvedBatching } from './batcher';
import { camResults, renderCam, renderOverlay, type CamInputs } from './cam';
import { topIndices, topPredictions, type Prediction } from './classify';
import { defaultPolicy } from './default-policy';
import { EfficientNetError, checkNumber, invalidParameterError, is } from '../errors';
import { DEFAULT_FEATURE_STAGES, FeatureMap, checkStages, nhwcToNchw, stageOutput, stageStride } from './features';
import {
  policyResolution,
  preprocess,
  preprocessEach,
  preprocessWhole,
  validatePolicy,
  type ImageSource,
  type PreprocessOptions,
  type PreprocessPolicy,
} from '../image';
import { prepareInput, type Layout, type TensorLike } from './input';
import { resolveLabels } from '../labels';
import { wrapNativeError } from '../native';
import { orderedWindow } from '../ordered-window';
import { checkLoadOptions } from './load-options';
import { QueueLimit, resolveQueue, type ResolvedQueue } from './queue-limit';
import { compile, FEATURE_OUTPUTS, MAIN_OUTPUTS, type Compiled, type CompileChoices } from '../plan';
import { foldTensors, readTensors, type WeightsOrigin } from './read-weights';
import type {
  CamOptions,
  CamResult,
  ClassifyManyItem,
  ClassifyManyOptions,
  ClassifyOptions,
  FeaturesOptions,
  InputOptions,
  LoadOptions,
  ModelInput,
  RunOptions,
} from './options';
import { Tensor } from './tensor';

export type * from './options';
import {
  defaultBnEps,
  defaultsFromFileName,
  detectFormat,
  identifyVariant,
  numClassesOf,
  fetchWeightsShowingProgress,
  pretrainedSource,
  sourcePolicy,
  WEIGHT_FORMATS,
  type FoldedParams,
  type WeightFormat,
} from '../weights';


function checkOptions<T>(options: T, name: string, keys: readonly string[]): T & object {
  if (options === undefined) return {} as T & object;
  if (!is.plainObject(options)) throw invalidParameterError(name, 'an object', options);
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) throw invalidParameterError(name, `only ${keys.join(', ')}`, key, 'type');
  }
  return options;
}

function checkPreprocessOptions(value: unknown): PreprocessOptions {
  if (value === undefined) return {};
  if (!is.plainObject(value)) throw invalidParameterError('options.preprocess', 'an object', value);
  for (const key of ['layout', 'out']) {
    // The model decides both (it reads NHWC into its own buffer); silently ignoring them would lie.
    if (key in value) throw invalidParameterError('options.preprocess', `no ${key} (the model sets it)`, key, 'type');
  }
  return value as PreprocessOptions;
}

function isTensorInput(input: unknown): input is Float32Array | TensorLike {
  if (ArrayBuffer.isView(input)) return !(input instanceof Uint8Array); // a Buffer is image bytes
  return is.plainObject(input) && 'data' in input && 'dims' in input;
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
  /** Class names by index. */
  readonly labels: readonly string[];
  /** How images are preprocessed for this model (its size equals {@link resolution}). */
  readonly preprocessing: PreprocessPolicy;
  /** Dynamic batching of classify calls, or null when off. */
  readonly batching: Readonly<ResolvedBatching> | null;
  /** The bound on calls in flight, see {@link LoadOptions.queue}. */
  readonly queue: Readonly<ResolvedQueue>;
  #main: Compiled | undefined;
  #features: Promise<Compiled> | undefined;
  #whole: { key: string; plan: Promise<Compiled> } | undefined;
  #disposed = false;
  readonly #batcher: Batcher | undefined;
  readonly #limit: QueueLimit;
  readonly #compileOptions: CompileChoices;
  // The BN-folded layers the main plan was compiled from: features() and cam({ full }) compile
  // their plans from them, never reading the weights again. Dropped by dispose().
  #folded: FoldedParams | undefined;
  // The classifier as the weights hold it (never BN-folded): CAM needs its rows in TS. [classes, head]
  readonly #classifier: { weight: Float32Array; bias: Float32Array };

  private constructor(init: {
    arch: ArchSpec;
    resolution: number;
    weightsSource: WeightsOrigin['kind'];
    format: WeightFormat;
    padding: PaddingMode;
    bnEps: number;
    labels: readonly string[];
    preprocessing: PreprocessPolicy;
    batching: ResolvedBatching | null;
    queue: ResolvedQueue;
    main: Compiled;
    folded: FoldedParams;
    compileOptions: CompileChoices;
  }) {
    this.arch = init.arch;
    this.resolution = init.resolution;
    this.weightsSource = init.weightsSource;
    this.format = init.format;
    this.padding = init.padding;
    this.bnEps = init.bnEps;
    this.labels = init.labels;
    this.preprocessing = init.preprocessing;
    this.batching = init.batching;
    this.queue = init.queue;
    this.#limit = new QueueLimit(init.queue);
    this.#main = init.main;
    this.#folded = init.folded;
    this.#classifier = init.folded.get('classifier')!;
    this.#compileOptions = init.compileOptions;
    if (init.batching) {
      const perImage = 3 * init.resolution * init.resolution;
      const main = init.main;
      this.#batcher = new Batcher(
        async (input, batch) => (await this.#execute(main, input, batch, ['logits'])).logits,
        perImage,
        init.arch.numClasses,
        init.batching,
        // Every slot held: no request can join the queue before this batch runs, so it goes now.
        () => this.#limit.held >= init.queue.max,
      );
    }
  }

  /**
   * Builds the network, reads and checks the weights, folds batch norm and compiles the plan.
   * @throws {TypeError | RangeError} for invalid options (labels of the wrong length: RangeError;
   *   a preprocessing policy whose size differs from `resolution`: RangeError)
   * @throws {EfficientNetError} ERR_WEIGHTS_FORMAT (unreadable file), ERR_WEIGHTS_MISSING /
   *   ERR_WEIGHTS_UNEXPECTED / ERR_WEIGHTS_SHAPE / ERR_WEIGHTS_VARIANT (tensors that do not fit the
   *   variant), ERR_OUT_OF_MEMORY, ERR_NATIVE_LOAD (no addon for this platform)
   */
  static async load(options: LoadOptions = {}): Promise<EfficientNet> {
    const stack = new Error();
    const { format, kernels, device, precision, threads, seed } = checkLoadOptions(options);
    let variant = options.variant ?? 'b0';
    const source = pretrainedSource(options.weights, options.variant);
    // Known weights bring the preprocessing (and so the resolution) they were evaluated with.
    const policy = options.preprocessing !== undefined
      ? validatePolicy(options.preprocessing)
      : source && options.resolution === undefined ? sourcePolicy(source) : undefined;
    const batching = resolveBatching(options.batching, 'options.batching');
    const queue = resolveQueue(options.queue, 'options.queue', batching?.maxBatch);
    const resolution =
      options.resolution ?? (policy ? policyResolution(policy) : undefined);
    if (policy && resolution !== policyResolution(policy)) {
      throw invalidParameterError('options.preprocessing', `a policy producing ${resolution}x${resolution} (options.resolution)`,
        policyResolution(policy), 'range');
    }

    const weights = source ? await fetchWeightsShowingProgress(source) : options.weights;
    let arch = resolveArch(source?.variant ?? variant, { numClasses: options.numClasses });
    const origin: WeightsOrigin =
      weights === undefined
        ? { kind: 'random', seed }
        : typeof weights === 'string'
          ? { kind: 'file', path: weights }
          : { kind: 'buffer', bytes: weights };
    let weightFormat: WeightFormat = format === 'auto' ? 'torchvision' : format;
    const tensors = await readTensors(arch, origin, weightFormat);
    if (origin.kind !== 'random') {
      if (format === 'auto') weightFormat = source?.format ?? detectFormat([...tensors.keys()]);
      // No variant asked for: the weights say which one they are (B0 when they are none of B0-B7).
      const found = options.variant === undefined && !source ? identifyVariant(tensors, weightFormat, options.numClasses) : undefined;
      if (found !== undefined && found !== variant) {
        variant = found;
        arch = resolveArch(variant, { numClasses: options.numClasses });
      }
      if (options.numClasses === undefined) {
        const fromFile = numClassesOf(tensors, weightFormat);
        if (fromFile !== undefined && fromFile !== arch.numClasses) {
          arch = resolveArch(variant, { numClasses: fromFile });
        }
      }
    }
    const labels = resolveLabels(arch.numClasses, options.labels);
    // TF-ported weights need TF SAME padding and eps 1e-3: known from the source, the file name
    // (timm's tf_efficientnet_*) or the naming (lukemelas' are all TF ports).
    const implied = source ?? (typeof weights === 'string' ? defaultsFromFileName(weights) : undefined);
    const padding = options.padding ?? implied?.padding ?? (weightFormat === 'lukemelas' ? 'same' : 'symmetric');
    const bnEps = options.bnEps ?? implied?.bnEps ?? defaultBnEps(arch.variant, weightFormat);
    const folded = foldTensors(arch, tensors, weightFormat, bnEps);
    const size = resolution ?? arch.resolution;
    const compileOptions: CompileChoices = { threads, kernels, device, precision };
    const main = compile(arch, folded, { padding, resolution: size, outputs: MAIN_OUTPUTS }, compileOptions, stack);
    return new EfficientNet({
      arch,
      resolution: size,
      weightsSource: origin.kind,
      format: weightFormat,
      padding,
      bnEps,
      labels,
      preprocessing: policy ?? defaultPolicy(arch, weightFormat, padding, size),
      batching,
      queue,
      main,
      folded,
      compileOptions,
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

  /** Where the model runs ('cpu' or 'cuda'), or null once disposed. */
  get device(): 'cpu' | 'cuda' | null {
    const level = this.kernelLevel;
    return level === null ? null : level.startsWith('cuda') ? 'cuda' : 'cpu';
  }

  /** The storage precision of activations and weights ('fp16' only on CUDA), or null once disposed. */
  get precision(): 'fp32' | 'fp16' | null {
    const level = this.kernelLevel;
    return level === null ? null : level.startsWith('cuda-fp16') ? 'fp16' : 'fp32';
  }

  /** The kernel level in use: a CPU level (e.g. "avx512") or "cuda-fp16 sm_90"; null once disposed. */
  get kernelLevel(): string | null {
    return this.#main?.native.kernels ?? null;
  }

  /**
   * The same as {@link kernelLevel}.
   * @deprecated Use {@link kernelLevel}: the `kernels` load option picks 'fast' or 'reference'
   *   kernels, while this getter reports the level in use; the two shared a name.
   */
  get kernels(): string | null {
    return this.kernelLevel;
  }

  /** Worker threads used per inference, or null once disposed. */
  get threads(): number | null {
    return this.#main?.native.threads ?? null;
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Computes the logits of a batch. Runs on the core's threads; many calls may be in flight at
   * once (they queue in the core, up to {@link queue}.max; beyond it they wait for a slot or
   * reject with ERR_QUEUE_FULL, see {@link LoadOptions.queue}).
   * @param input - float32 pixels, normalized as the weights expect: a Float32Array in NCHW
   *   (batch inferred) or `{ data, dims }` with dims [N, 3, H, W] (or [N, H, W, 3] with layout 'nhwc')
   * @returns logits, dims [N, numClasses]
   * @throws {EfficientNetError} ERR_DISPOSED, ERR_INPUT_DTYPE, ERR_INPUT_SHAPE, ERR_OUT_OF_MEMORY,
   *   ERR_QUEUE_FULL
   */
  async run(input: Float32Array | TensorLike, options: RunOptions = {}): Promise<Tensor> {
    const stack = new Error();
    const main = this.#live();
    const { layout } = checkOptions(options, 'options', ['layout']);
    const order = this.#layout(layout, 'options.layout');
    return this.#limit.with(async () => {
      const { nhwc, batch } = prepareInput(input, order, this.resolution);
      const { logits } = await this.#execute(main, nhwc, batch, ['logits'], stack);
      return new Tensor(logits, [batch, this.arch.numClasses]);
    });
  }

  /**
   * Classifies images: the top-k classes of each, with softmax probabilities. Concurrent calls are
   * merged into shared native runs when batching is on (the default).
   *
   * @param images - one or many image paths or encoded bytes (preprocessed with
   *   {@link preprocessing}), or an already-preprocessed float32 batch as run() takes it
   * @param options - topK (default 5), preprocess options, inputLayout for tensors
   * @returns per image, its top-k predictions, most probable first
   * @throws {TypeError | RangeError} for bad arguments
   * @throws {EfficientNetError} all or nothing: the first image that fails to load rejects the
   *   call, naming the image (ERR_IMAGE_DECODE, ERR_IMAGE_TOO_LARGE, ERR_IMAGE_NOT_FOUND);
   *   ERR_INPUT_SHAPE / ERR_INPUT_DTYPE for tensors; ERR_DISPOSED; ERR_QUEUE_FULL
   * @example
   * ```ts
   * const [top] = await model.classify('cat.jpg');
   * console.log(top[0].label, top[0].probability);
   * ```
   */
  async classify(images: ModelInput, options: ClassifyOptions = {}): Promise<Prediction[][]> {
    const stack = new Error();
    this.#live();
    const o = checkOptions(options, 'options', ['topK', 'preprocess', 'inputLayout']);
    const k = this.#topK(o.topK, 5);
    const { logits, batch } = await this.#limit.with(async () => {
      const { nhwc, batch } = await this.#input(images, o);
      return { logits: await this.#logits(nhwc, batch, stack), batch };
    });
    const n = this.arch.numClasses;
    return Array.from({ length: batch }, (_, i) => topPredictions(logits.subarray(i * n, (i + 1) * n), k, this.labels));
  }

  /**
   * Classifies a stream of images with bounded memory: up to `concurrency` images are decoded and
   * in flight at once (decoding on sharp's threads overlaps the native runs, which batching
   * merges), and results come out in input order. A bad image yields an item with `error`
   * (its code says why) and the others carry on.
   *
   * @param sources - paths or encoded bytes, as an iterable or async iterable (e.g. a directory walk)
   * @param options - topK (default 5), concurrency, preprocess options
   * @returns an async iterable of `{ index, source, result }` or `{ index, source, error }`
   * @throws {TypeError | RangeError} for bad options (at the call) or a source that is neither a
   *   path nor bytes (ends the iteration at that item)
   * @example
   * ```ts
   * for await (const item of model.classifyMany(files)) {
   *   if (item.error) console.error(item.source, item.error.code);
   *   else console.log(item.source, item.result[0].label);
   * }
   * ```
   */
  classifyMany(
    sources: Iterable<ImageSource> | AsyncIterable<ImageSource>,
    options: ClassifyManyOptions = {},
  ): AsyncIterable<ClassifyManyItem> {
    const stack = new Error();
    this.#live();
    if (!is.defined(sources) || !(Symbol.iterator in Object(sources) || Symbol.asyncIterator in Object(sources))) {
      throw invalidParameterError('sources', 'an iterable or async iterable of image paths or bytes', sources);
    }
    const o = checkOptions(options, 'options', ['topK', 'concurrency', 'preprocess']);
    const k = this.#topK(o.topK, 5);
    const window =
      o.concurrency === undefined
        ? Math.min(this.batching ? 2 * this.batching.maxBatch : 4, this.queue.max)
        : checkNumber('options.concurrency', o.concurrency, 1, 4096, true);
    const preprocessOptions = { ...checkPreprocessOptions(o.preprocess), layout: 'nhwc' as const, concurrency: 1 };
    // Each item holds a slot like any call, waiting for it even with whenFull 'reject' (the window
    // already bounds what the stream asks for, and a stream has no caller to hand an error to).
    // Items of a window wider than queue.max wait for a slot before decoding: they hold nothing.
    const one = (source: ImageSource, index: number): Promise<ClassifyManyItem> =>
      this.#limit.with(() => classifyOne(source, index), true);
    const classifyOne = async (source: ImageSource, index: number): Promise<ClassifyManyItem> => {
      const image = await preprocessEach([source], this.preprocessing, preprocessOptions);
      const status = image.results[0];
      if (!status.ok) return { index, source, error: status.error };
      try {
        const logits = await this.#logits(image.data, 1, stack);
        return { index, source, result: topPredictions(logits, k, this.labels) };
      } catch (err) {
        const error = err instanceof EfficientNetError ? err : new EfficientNetError('ERR_INTERNAL', String(err), { cause: err });
        return { index, source, error };
      }
    };
    return orderedWindow(sources, window, one);
  }

  /**
   * The pooled features the classifier reads (global average of the post-swish head map).
   *
   * @param images - as {@link classify}
   * @param options - preprocess options, inputLayout for tensors
   * @returns dims [N, arch.head] (1280 for B0)
   * @throws as {@link classify}
   */
  async embed(images: ModelInput, options: InputOptions = {}): Promise<Tensor> {
    const stack = new Error();
    const main = this.#live();
    const o = checkOptions(options, 'options', ['preprocess', 'inputLayout']);
    return this.#limit.with(async () => {
      const { nhwc, batch } = await this.#input(images, o);
      const { embedding } = await this.#execute(main, nhwc, batch, ['embedding'], stack);
      return new Tensor(embedding, [batch, this.arch.head]);
    });
  }

  /**
   * Multi-scale feature maps: the output of the stem (stage 0) or of the last block of a stage,
   * like timm's `features_only`. The first call compiles a second plan that exports these maps,
   * from the weights load() folded (the weight file is not read again).
   *
   * @param images - as {@link classify}
   * @param options - stages (default [1, 2, 3, 5, 7]: strides 2, 4, 8, 16, 32), layout of the
   *   result ('nchw' default, 'nhwc'), preprocess options, inputLayout for tensors
   * @returns one {@link FeatureMap} per stage, in the order asked, each with its stride
   * @throws as {@link classify}
   */
  async features(images: ModelInput, options: FeaturesOptions = {}): Promise<FeatureMap[]> {
    const stack = new Error();
    this.#live();
    const o = checkOptions(options, 'options', ['stages', 'layout', 'preprocess', 'inputLayout']);
    const stages = checkStages(o.stages ?? DEFAULT_FEATURE_STAGES);
    const layout = this.#layout(o.layout, 'options.layout');
    const compiled = await this.#featurePlan(stack);
    const names = stages.map(stageOutput);
    const { maps, batch } = await this.#limit.with(async () => {
      const { nhwc, batch } = await this.#input(images, o);
      return { maps: await this.#execute(compiled, nhwc, batch, names, stack), batch };
    });
    return stages.map((stage, i) => {
      const { h, w, c } = compiled.outputs.get(names[i])!.shape;
      const stride = stageStride(this.arch, stage);
      return layout === 'nhwc'
        ? new FeatureMap(maps[names[i]], [batch, h, w, c], stage, stride, 'nhwc')
        : new FeatureMap(nhwcToNchw(maps[names[i]], batch, h, w, c), [batch, c, h, w], stage, stride, 'nchw');
    });
  }

  /**
   * Class activation maps of one image: where in the image the evidence for a class lies,
   * CAM_c(x, y) = sum_k W[c, k] f_k(x, y) over the post-swish head map f (Zhou et al. 2016).
   *
   * @param image - one image path or encoded bytes, or a preprocessed tensor of batch 1
   * @param options - classIndex (one or several) or topK (default 1: the most probable class),
   *   alpha of the overlay, preprocess options, inputLayout for tensors
   * @returns one result per class, in the order asked (by probability for topK)
   * @throws {TypeError | RangeError} for bad arguments (including a class index out of range, or
   *   both classIndex and topK)
   * @throws {EfficientNetError} as {@link classify}; ERR_INPUT_SHAPE for a tensor of batch > 1
   */
  async cam(image: ImageSource | Float32Array | TensorLike, options: CamOptions = {}): Promise<CamResult[]> {
    const stack = new Error();
    const main = this.#live();
    const o = checkOptions(options, 'options', ['classIndex', 'topK', 'alpha', 'full', 'preprocess', 'inputLayout']);
    if (Array.isArray(image)) throw invalidParameterError('image', 'one image (cam explains a single image)', image);
    if (o.full !== undefined && typeof o.full !== 'boolean') throw invalidParameterError('options.full', 'a boolean', o.full);
    if (o.full === true && typeof image !== 'string' && !(image instanceof Uint8Array)) {
      throw invalidParameterError('image', 'an image path or encoded bytes (full: true preprocesses the whole photo itself)', image);
    }
    if (o.classIndex !== undefined && o.topK !== undefined) {
      throw invalidParameterError('options', 'either classIndex or topK', 'both', 'type');
    }
    const n = this.arch.numClasses;
    const asked =
      o.classIndex === undefined
        ? undefined
        : (Array.isArray(o.classIndex) ? (o.classIndex as number[]) : [o.classIndex as number]).map((c, i) =>
            checkNumber(Array.isArray(o.classIndex) ? `options.classIndex[${i}]` : 'options.classIndex', c, 0, n - 1, true),
          );
    const k = this.#topK(o.topK, 1);
    const alpha = o.alpha === undefined ? 0.5 : checkNumber('options.alpha', o.alpha, 0, 1);
    const classes = asked ?? k;
    return this.#limit.with(() =>
      o.full === true ? this.#camWhole(image as ImageSource, o, classes, alpha, stack) : this.#cam(main, image as ModelInput, o, classes, alpha, stack),
    );
  }

  // cam() once its options are checked and it holds a slot: `classes` is the asked list or topK.
  async #cam(
    main: Compiled,
    image: ModelInput,
    o: InputOptions,
    classes: number | number[],
    alpha: number,
    stack: Error,
  ): Promise<CamResult[]> {
    const { nhwc, batch } = await this.#input(image, o);
    if (batch !== 1) {
      throw new EfficientNetError('ERR_INPUT_SHAPE', `Expected one image for cam() but received a batch of ${batch}`);
    }
    const out = await this.#execute(main, nhwc, 1, ['logits', 'head_map'], stack);
    const { h, w } = main.outputs.get('head_map')!.shape;
    const canvas = { input: nhwc, size: this.resolution, mean: this.preprocessing.mean, std: this.preprocessing.std };
    return camResults(this.#camInputs(out, h, w, classes), this.resolution, this.resolution, (map) => renderCam(canvas, map, alpha));
  }

  // What camResults needs of one run and this model: the classes chosen, their rows, the labels.
  #camInputs(out: Record<string, Float32Array>, h: number, w: number, classes: number | number[]): CamInputs {
    const chosen = typeof classes === 'number' ? topIndices(out.logits, classes) : classes;
    return { logits: out.logits, headMap: out.head_map, h, w, classes: chosen, classifier: this.#classifier.weight, labels: this.labels };
  }

  // cam(..., { full: true }): the whole photo through a plan of its own size, the map over the
  // photo at its own size and orientation.
  async #camWhole(image: ImageSource, o: InputOptions, classes: number | number[], alpha: number, stack: Error): Promise<CamResult[]> {
    const whole = await preprocessWhole(image, this.preprocessing, checkPreprocessOptions(o.preprocess));
    const plan = await this.#wholePlan(whole.height, whole.width, stack);
    const out = await this.#execute(plan, whole.nhwc, 1, ['logits', 'head_map'], stack);
    const { h, w } = plan.outputs.get('head_map')!.shape;
    const { width, height } = whole.original;
    return camResults(this.#camInputs(out, h, w, classes), width, height, (map) => renderOverlay(whole.original, map, alpha));
  }

  /**
   * Frees the native model (packed weights and arenas). Runs already in flight finish first.
   * Idempotent. After it, every method rejects with ERR_DISPOSED.
   */
  dispose(): void {
    this.#disposed = true;
    this.#main?.native.dispose();
    this.#main = undefined;
    // Extra plans still compiling are disposed once they exist.
    for (const extra of [this.#features, this.#whole?.plan]) extra?.then((c) => c.native.dispose(), () => undefined);
    this.#features = undefined;
    this.#whole = undefined;
    this.#folded = undefined;
  }

  #live(): Compiled {
    if (this.#main === undefined) {
      throw new EfficientNetError('ERR_DISPOSED', 'This model has been disposed; load it again to run it');
    }
    return this.#main;
  }

  #layout(value: unknown, name: string): Layout {
    if (value === undefined) return 'nchw';
    if (!is.inArray(value, ['nchw', 'nhwc'] as const)) throw invalidParameterError(name, "'nchw' or 'nhwc'", value);
    return value;
  }

  #topK(value: unknown, fallback: number): number {
    return value === undefined ? fallback : checkNumber('options.topK', value, 1, this.arch.numClasses, true);
  }

  // Images -> preprocessed with the model's policy (all or nothing); tensors -> checked and copied.
  async #input(input: ModelInput, options: InputOptions): Promise<{ nhwc: Float32Array; batch: number }> {
    if (isTensorInput(input)) {
      return prepareInput(input, this.#layout(options.inputLayout, 'options.inputLayout'), this.resolution);
    }
    const preprocessOptions = checkPreprocessOptions(options.preprocess);
    const batch = await preprocess(input, this.preprocessing, { ...preprocessOptions, layout: 'nhwc' });
    return { nhwc: batch.data, batch: batch.dims[0] };
  }

  // Logits of a batch: through the batcher when batching is on.
  async #logits(nhwc: Float32Array, batch: number, stack: Error): Promise<Float32Array> {
    const main = this.#live();
    if (this.#batcher === undefined) return (await this.#execute(main, nhwc, batch, ['logits'], stack)).logits;
    try {
      return await this.#batcher.submit(nhwc, batch);
    } catch (err) {
      throw wrapNativeError(err, stack);
    }
  }

  // The one path to the core: runs a compiled plan and copies out only the outputs asked for.
  async #execute<K extends PlanOutput>(
    compiled: Compiled,
    nhwc: Float32Array,
    batch: number,
    wanted: readonly K[],
    stack: Error = new Error(),
  ): Promise<Record<K, Float32Array>> {
    if (this.#disposed) throw new EfficientNetError('ERR_DISPOSED', 'This model has been disposed; load it again to run it');
    const result = {} as Record<K, Float32Array>;
    const byId = new Map<number, Float32Array>();
    for (const name of wanted) {
      const { id, shape } = compiled.outputs.get(name)!;
      result[name] = new Float32Array(batch * shape.h * shape.w * shape.c);
      byId.set(id, result[name]);
    }
    try {
      await compiled.native.run(nhwc, batch, compiled.order.map((id) => byId.get(id) ?? null));
    } catch (err) {
      throw wrapNativeError(err, stack);
    }
    return result;
  }

  // The stage-map plan, compiled once on first use (see the module comment for why not at load).
  #featurePlan(stack: Error): Promise<Compiled> {
    this.#features ??= this.#extraPlan('features()', { resolution: this.resolution, outputs: FEATURE_OUTPUTS }, stack);
    const pending = this.#features;
    // A failed compile (changed file, out of memory) is not cached: the next call tries again.
    pending.catch(() => {
      if (this.#features === pending) this.#features = undefined;
    });
    return pending;
  }

  // The plan of cam(..., { full: true }) for one input size. The last size is kept: a folder of
  // photos from one camera shares it; another size replaces it (runs in flight finish first).
  #wholePlan(height: number, width: number, stack: Error): Promise<Compiled> {
    const key = `${height}x${width}`;
    if (this.#whole?.key !== key) {
      const previous = this.#whole?.plan;
      const plan = this.#extraPlan('cam() with full', { resolution: [height, width], outputs: ['logits', 'head_map'] }, stack);
      this.#whole = { key, plan };
      previous?.then((c) => c.native.dispose(), () => undefined);
      plan.catch(() => {
        if (this.#whole?.plan === plan) this.#whole = undefined;
      });
    }
    return this.#whole!.plan;
  }

  // A second plan from the layers load() folded: the weights are not read again (the file may have
  // changed or gone, the caller's buffer may have been reused).
  async #extraPlan(
    purpose: string,
    lower: { resolution: number | readonly [number, number]; outputs: PlanOutput[] },
    stack: Error,
  ): Promise<Compiled> {
    const folded = this.#folded;
    if (folded === undefined) {
      throw new EfficientNetError('ERR_DISPOSED', `This model has been disposed; load it again to run ${purpose}`);
    }
    const compiled = compile(this.arch, folded, { padding: this.padding, ...lower }, this.#compileOptions, stack);
    if (this.#disposed) {
      compiled.native.dispose();
      throw new EfficientNetError('ERR_DISPOSED', 'This model has been disposed; load it again to run it');
    }
    return compiled;
  }
}
