/**
 * The public model: `EfficientNet.load()` turns a variant (or custom scaling) and a weight file
 * into a compiled native plan; `run()` computes logits off the JS thread, and `classify()`,
 * `classifyMany()`, `embed()`, `features()` and `cam()` take images (paths or bytes, preprocessed
 * with the model's policy) or already-preprocessed tensors. Every method goes through one internal
 * path, `#execute(plan, input, outputs)`. Loading is lib/model/load.ts, option checks
 * lib/model/call-options.ts and cam-options.ts, the plans compiled on first use extra-plans.ts.
 * One plan serves run/classify/embed/cam; features() gets its own (why, with the measurements:
 * docs/ARCHITECTURE.md, "One plan, and the extra ones").
 */
import type { ArchSpec, PaddingMode } from '../arch';
import { EfficientNetError, checkNumber } from '../errors';
import { preprocessEach, type ImageSource, type PreprocessPolicy } from '../image';
import { getNative, precisionOfKernelLevel, wrapNativeError, type Precision } from '../native';
import { orderedWindow } from '../ordered-window';
import { runPlan, type Compiled, type PlanOutput } from '../plan';
import type { WeightFormat } from '../weights';
import { Batcher, DEFAULT_BATCHING, type ResolvedBatching } from './batcher';
import { checkCamOptions } from './cam-options';
import { camOfInput, camOfPhoto } from './cam-run';
import { checkLayout, checkOptions, checkPreprocessOptions, checkStreamOptions, checkTopK } from './call-options';
import { topPredictions, type Prediction } from './classify';
import { ExtraPlans } from './extra-plans';
import { DEFAULT_FEATURE_STAGES, checkStages, featureMaps, stageOutput, type FeatureMap } from './features';
import { checkInput, type Layout, type PreparedInput, type TensorLike } from './input';
import { InputPool } from './input-pool';
import { profileCompiled, type ModelProfile } from './profile';
import { readInput } from './read-input';
import { loadModel, type LoadedModel } from './load';
import { QueueLimit, type ResolvedQueue } from './queue-limit';
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
  #disposed = false;
  readonly #batcher: Batcher | undefined;
  readonly #limit: QueueLimit;
  readonly #pool: InputPool;
  // Input floats per image (3 x resolution^2): the pool's buffers, the batcher's and profile()'s inputs.
  readonly #perImage: number;
  readonly #extra: ExtraPlans;
  // The classifier as the weights hold it (never BN-folded): CAM needs its rows in TS. [classes, head]
  readonly #classifier: { weight: Float32Array; bias: Float32Array };

  private constructor(init: LoadedModel) {
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
    this.#perImage = 3 * init.resolution * init.resolution;
    // Free buffers for two batches: one batch's calls give theirs back while the next ones read.
    this.#pool = new InputPool(this.#perImage, 2 * (init.batching ?? DEFAULT_BATCHING).maxBatch);
    this.#main = init.main;
    this.#classifier = init.folded.get('classifier')!;
    this.#extra = new ExtraPlans(init.arch, init.padding, init.resolution, init.compileOptions, init.folded);
    if (init.batching) {
      const main = init.main;
      this.#batcher = new Batcher(
        async (input, batch) => (await this.#execute(main, input, batch, ['logits'])).logits,
        this.#perImage,
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
    return new EfficientNet(await loadModel(options, new Error()));
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

  /** What the model computes in ('fp16' only on CUDA, 'bf16' only on the CPU), or null once disposed. */
  get precision(): Precision | null {
    const level = this.kernelLevel;
    return level === null ? null : precisionOfKernelLevel(level);
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

  /**
   * The merged native runs since load, counted by size: element i is the number of runs that
   * computed i images together (element 0 is always 0); null when batching is off. A server
   * exports it as its batch-size distribution.
   */
  get batchRuns(): readonly number[] | null {
    return this.#batcher?.runsBySize() ?? null;
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Computes the logits of a batch. Runs on the core's threads; many calls may be in flight at
   * once (they queue in the core, up to {@link queue}.max; beyond it they wait for a slot or
   * reject with ERR_QUEUE_FULL, see {@link LoadOptions.queue}). The batch runs as given, never
   * merged with other calls: no waiting for company, so a lone caller gets the core's latency.
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
    const order = checkLayout(layout, 'options.layout');
    return this.#limit.with(async () => {
      // The core copies the caller's array (transposing NCHW) before #execute's first await.
      const { data, batch } = checkInput(input, order, this.resolution);
      const { logits } = await this.#execute(main, data, batch, ['logits'], stack, order);
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
    const k = checkTopK(o.topK, 5, this.arch.numClasses);
    const { logits, batch } = await this.#limit.with(() =>
      this.#withInput(images, o, async (nhwc, batch) => ({ logits: await this.#logits(nhwc, batch, stack), batch })),
    );
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
    const defaultWindow = Math.min(this.batching ? 2 * this.batching.maxBatch : 4, this.queue.max);
    const { topK: k, window, preprocess } = checkStreamOptions(sources, options, this.arch.numClasses, defaultWindow);
    const preprocessOptions = { ...preprocess, layout: 'nhwc' as const, concurrency: 1 };
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
    return this.#limit.with(() =>
      this.#withInput(images, o, async (nhwc, batch) => {
        const { embedding } = await this.#execute(main, nhwc, batch, ['embedding'], stack);
        return new Tensor(embedding, [batch, this.arch.head]);
      }),
    );
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
    const layout = checkLayout(o.layout, 'options.layout');
    const compiled = await this.#extra.features(stack);
    const { maps, batch } = await this.#limit.with(async () => {
      const { nhwc, batch } = await this.#input(images, o);
      return { maps: await this.#execute(compiled, nhwc, batch, stages.map(stageOutput), stack), batch };
    });
    return featureMaps(this.arch, compiled, maps, stages, batch, layout);
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
    const { input, classes, alpha, full } = checkCamOptions(image, options, this.arch.numClasses);
    const model = {
      resolution: this.resolution,
      preprocessing: this.preprocessing,
      labels: this.labels,
      classifier: this.#classifier.weight,
      run: (plan: Compiled, nhwc: Float32Array) => this.#execute(plan, nhwc, 1, ['logits', 'head_map'], stack),
    };
    return this.#limit.with(async () =>
      full
        ? camOfPhoto(model, image as ImageSource, checkPreprocessOptions(input.preprocess), (h, w) => this.#extra.whole(h, w, stack), classes, alpha)
        : camOfInput(model, main, await this.#input(image as ModelInput, input), classes, alpha),
    );
  }

  /**
   * Where the time of a run goes: `runs` runs of a batch exactly as run() does them (same fused
   * steps, same per-image band), with a clock read around each step; each step's median time,
   * FLOPs and bytes, named after its plan ops and op class. What `efficientnet bench --profile`
   * prints. The CPU backend only.
   * @param options - batch (default 1), runs (default 20, after one warm-up run)
   * @throws {TypeError | RangeError} for bad options
   * @throws {EfficientNetError} ERR_DISPOSED; ERR_INVALID_OPTION on the CUDA backend
   */
  async profile(options: { batch?: number; runs?: number } = {}): Promise<ModelProfile> {
    const stack = new Error();
    const main = this.#live();
    const o = checkOptions(options, 'options', ['batch', 'runs']);
    const batch = o.batch === undefined ? 1 : checkNumber('options.batch', o.batch, 1, getNative().maxBatch, true);
    const runs = o.runs === undefined ? 20 : checkNumber('options.runs', o.runs, 1, 10000, true);
    return this.#limit.with(() => profileCompiled(main, this.#perImage, batch, runs, stack));
  }

  /**
   * Frees the native model (packed weights and arenas). Runs already in flight finish first.
   * Idempotent. After it, every method rejects with ERR_DISPOSED.
   */
  dispose(): void {
    // Calls already made finish: what waits in the batcher is handed to the core before it closes.
    if (!this.#disposed) this.#batcher?.drain();
    this.#disposed = true;
    this.#main?.native.dispose();
    this.#main = undefined;
    this.#extra.dispose();
    this.#pool.clear();
  }

  #live(): Compiled {
    if (this.#main === undefined) {
      throw new EfficientNetError('ERR_DISPOSED', 'This model has been disposed; load it again to run it');
    }
    return this.#main;
  }

  #input(input: ModelInput, options: InputOptions): Promise<PreparedInput> {
    return readInput(input, options, this.preprocessing, this.resolution);
  }

  // Reads the input into a pooled buffer where it can (one image), runs `use`, and gives the
  // buffer back once `use` is done with it (the core copied it when its run started).
  async #withInput<T>(input: ModelInput, options: InputOptions, use: (nhwc: Float32Array, batch: number) => Promise<T>): Promise<T> {
    const { nhwc, batch, pooled } = await readInput(input, options, this.preprocessing, this.resolution, this.#pool);
    try {
      return await use(nhwc, batch);
    } finally {
      if (pooled) this.#pool.give(nhwc);
    }
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

  // The one path to the core (runPlan), refused once disposed.
  async #execute<K extends PlanOutput>(
    compiled: Compiled,
    input: Float32Array,
    batch: number,
    wanted: readonly K[],
    stack: Error = new Error(),
    layout: Layout = 'nhwc',
  ): Promise<Record<K, Float32Array>> {
    if (this.#disposed) throw new EfficientNetError('ERR_DISPOSED', 'This model has been disposed; load it again to run it');
    return runPlan(compiled, input, batch, wanted, stack, layout);
  }
}
