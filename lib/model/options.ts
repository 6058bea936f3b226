/** The options and results of the EfficientNet methods (lib/model/efficientnet.ts). */
import type { CustomScaling, PaddingMode, VariantName } from '../arch';
import type { BatchingOptions } from './batcher';
import type { ImageSource, PreprocessOptions, PreprocessPolicy } from '../image';
import type { Layout, TensorLike } from './input';
import type { Prediction } from './classify';
import type { EfficientNetError } from '../errors';
import type { QueueOptions } from './queue-limit';
import type { ChoiceOf } from './options-schema';

/** Options of {@link EfficientNet.load}. */
export interface LoadOptions {
  /**
   * 'b0' … 'b7' (also 'b8', 'l2'), or a custom scaling `{ width, depth, resolution }` / `{ phi }`.
   * Default: the variant the weights are (from their shapes; an id's own variant), else 'b0'.
   */
  variant?: VariantName | CustomScaling;
  /**
   * The weights: a .safetensors or PyTorch .pth file (path or bytes; read without running code),
   * or pretrained ImageNet weights by id, fetched into the cache on first use: 'imagenet' (the
   * variant's torchvision weights), 'torchvision:b3', 'timm:tf_efficientnet_b3',
   * 'lukemelas:efficientnet-b3' (see WEIGHT_SOURCES / `efficientnet weights list`). Omitted: a
   * seeded deterministic random init (`model.random` is then true: useful for tests and
   * benchmarks, useless for predictions).
   */
  weights?: string | Uint8Array;
  /** Key naming of the file: 'torchvision', 'timm', 'lukemelas', or 'auto' (default) to detect it. */
  format?: ChoiceOf<'format'>;
  /**
   * Convolution padding: 'symmetric' (PyTorch-trained weights) or 'same' (TF "SAME", for TF-trained
   * weights). Default: 'same' for TF ports (a timm tf_ id or a file named tf_efficientnet_*,
   * lukemelas ids and lukemelas-named files), else 'symmetric'.
   */
  padding?: PaddingMode;
  /** Batch-norm epsilon; default by weight source (1e-5 PyTorch-trained, 1e-3 TF-trained, as for padding). */
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
  kernels?: ChoiceOf<'kernels'>;
  /**
   * Where to run: 'cpu' (default), 'cuda' (an NVIDIA GPU; ERR_CUDA_UNAVAILABLE with the reason when
   * there is none), or 'auto' (the GPU when one is usable, else the CPU).
   */
  device?: ChoiceOf<'device'>;
  /** 'fp32' (default) or 'fp16' (CUDA only: fp16 storage, tensor cores, fp32 accumulation). */
  precision?: ChoiceOf<'precision'>;
  /**
   * Class names, one per class (a custom head). Default: torchvision's ImageNet names when the
   * model has 1000 classes, else `class_0`, `class_1`, …
   */
  labels?: readonly string[];
  /**
   * How images become input for classify/embed/features/cam. Default: see `defaultPolicy` in
   * docs/API.md (torchvision's for torchvision B0–B7 weights, timm's for timm `tf_` weights, a
   * scaled 256/224 resize + crop otherwise). Without `resolution`, the model is compiled at the
   * policy's size.
   */
  preprocessing?: PreprocessPolicy;
  /** Dynamic batching of concurrent classify() calls; false runs each call on its own. */
  batching?: BatchingOptions | false;
  /**
   * Backpressure: how many calls may hold an input at once (default 2 x batching.maxBatch, at
   * least 16) and what a call beyond that gets ('wait' for a slot, the default, or 'reject' with
   * ERR_QUEUE_FULL).
   */
  queue?: QueueOptions;
}

/** Images (paths or encoded bytes, one or many) or an already-preprocessed float32 batch. */
export type ModelInput = ImageSource | readonly ImageSource[] | Float32Array | TensorLike;

/** Options shared by the methods that take {@link ModelInput}. */
export interface InputOptions {
  /** For image inputs: the resampler and decoding options of lib/image (not layout/out). */
  preprocess?: Omit<PreprocessOptions, 'layout' | 'out'>;
  /** For tensor inputs: their memory order, 'nchw' (default) or 'nhwc', as run()'s `layout`. */
  inputLayout?: Layout;
}

/** Options of {@link EfficientNet.classify}. */
export interface ClassifyOptions extends InputOptions {
  /** Classes per image, most probable first (default 5). */
  topK?: number;
}

/** Options of {@link EfficientNet.classifyMany}. */
export interface ClassifyManyOptions {
  /** Classes per image (default 5). */
  topK?: number;
  /**
   * Images in flight (decoding or waiting for their batch); default 2 x maxBatch (4 without
   * batching), capped at queue.max. Each holds a queue slot while it decodes and runs; items
   * beyond queue.max wait for one (even with queue.whenFull 'reject') and hold nothing meanwhile.
   */
  concurrency?: number;
  /** Resampler and decoding options of lib/image (not layout/out). */
  preprocess?: Omit<PreprocessOptions, 'layout' | 'out'>;
}

/** One image's outcome in {@link EfficientNet.classifyMany}, in input order. */
export type ClassifyManyItem =
  | { index: number; source: ImageSource; result: Prediction[]; error?: undefined }
  | { index: number; source: ImageSource; result?: undefined; error: EfficientNetError };

/** Options of {@link EfficientNet.features}. */
export interface FeaturesOptions extends InputOptions {
  /** Stages whose last map to return: 0 (stem) … 7. Default [1, 2, 3, 5, 7] (strides 2 … 32). */
  stages?: readonly number[];
  /** Memory order of the returned maps: 'nchw' (default, as PyTorch) or 'nhwc' (as computed). */
  layout?: Layout;
}

/** Options of {@link EfficientNet.cam}. */
export interface CamOptions extends InputOptions {
  /** The class(es) to explain; default the topK most probable. */
  classIndex?: number | readonly number[];
  /** How many of the most probable classes to explain when classIndex is not given (default 1). */
  topK?: number;
  /** Weight of the colour map over the image in `png`, 0..1 (default 0.5). */
  alpha?: number;
  /**
   * Explain the whole photo instead of the model's centre crop: it is resized so its shorter side
   * is the model's resolution and its longer side keeps the proportion (to a multiple of 32), runs
   * through the network uncropped (a plan compiled for that size, kept for the next photo of the
   * same size), and `map`/`png` are the photo's own size and orientation. Takes an image path or
   * encoded bytes, not a tensor. Default false.
   */
  full?: boolean;
}

/** The class activation map of one class, see {@link EfficientNet.cam}. */
export interface CamResult {
  classIndex: number;
  label: string;
  /** Softmax probability of the class. */
  probability: number;
  /** The class logit (= mean of raw + the classifier bias). */
  logit: number;
  /** Size of `map` and `png`: the preprocessed input's (the model resolution), or with `full` the photo's. */
  width: number;
  height: number;
  /** width * height values in [0, 1]: the map upsampled bilinearly and min-max normalized. */
  map: Float32Array;
  /** rawWidth * rawHeight values, un-normalized: sum_k W[c, k] f_k(x, y) over the head map. */
  raw: Float32Array;
  rawWidth: number;
  rawHeight: number;
  /** The map in turbo colours blended over the preprocessed image (with `full`: the photo), as PNG. */
  png: Buffer;
}

/** Options of {@link EfficientNet.run}. */
export interface RunOptions {
  /** Memory order of the input: 'nchw' (default, as PyTorch) or 'nhwc'. */
  layout?: Layout;
}
