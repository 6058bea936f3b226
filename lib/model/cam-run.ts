/**
 * CAM assembly: from cam()'s checked options to results, through the model's main plan (the
 * centre crop) or a plan of the photo's own size (`full: true`). The maths and rendering are
 * lib/model/cam.ts.
 */
import { EfficientNetError } from '../errors';
import { preprocessWhole, type ImageSource, type PreprocessOptions, type PreprocessPolicy } from '../image';
import type { Compiled } from '../plan';
import { camResults, renderCam, renderOverlay, type CamInputs } from './cam';
import { topIndices } from './classify';
import type { CamResult } from './options';

/** What CAM needs of a model. */
export interface CamModel {
  resolution: number;
  preprocessing: PreprocessPolicy;
  labels: readonly string[];
  /** The classifier's weight rows, [classes, head]. */
  classifier: Float32Array;
  /** Runs a plan on a batch of one and returns its logits and head map. */
  run(plan: Compiled, nhwc: Float32Array): Promise<{ logits: Float32Array; head_map: Float32Array }>;
}

// What camResults needs of one run: the classes chosen (`classes`: the asked list or topK), their rows, the labels.
function camInputs(model: CamModel, plan: Compiled, nhwc: Float32Array, classes: number | number[]): Promise<CamInputs> {
  return model.run(plan, nhwc).then((out) => {
    const { h, w } = plan.outputs.get('head_map')!.shape;
    const chosen = typeof classes === 'number' ? topIndices(out.logits, classes) : classes;
    return { logits: out.logits, headMap: out.head_map, h, w, classes: chosen, classifier: model.classifier, labels: model.labels };
  });
}

/**
 * CAM of one preprocessed image through the main plan; maps at the model's resolution.
 * @throws {EfficientNetError} ERR_INPUT_SHAPE for a batch other than 1
 */
export async function camOfInput(
  model: CamModel,
  main: Compiled,
  input: { nhwc: Float32Array; batch: number },
  classes: number | number[],
  alpha: number,
): Promise<CamResult[]> {
  const { nhwc, batch } = input;
  if (batch !== 1) {
    throw new EfficientNetError('ERR_INPUT_SHAPE', `Expected one image for cam() but received a batch of ${batch}`);
  }
  const size = model.resolution;
  const canvas = { input: nhwc, size, mean: model.preprocessing.mean, std: model.preprocessing.std };
  return camResults(await camInputs(model, main, nhwc, classes), size, size, (map) => renderCam(canvas, map, alpha));
}

/**
 * cam(..., { full: true }): the whole photo through a plan of its own size (`planFor`), the map over
 * the photo at its own size and orientation.
 */
export async function camOfPhoto(
  model: CamModel,
  image: ImageSource,
  options: PreprocessOptions,
  planFor: (height: number, width: number) => Promise<Compiled>,
  classes: number | number[],
  alpha: number,
): Promise<CamResult[]> {
  const whole = await preprocessWhole(image, model.preprocessing, options);
  const plan = await planFor(whole.height, whole.width);
  const { width, height } = whole.original;
  return camResults(await camInputs(model, plan, whole.nhwc, classes), width, height, (map) => renderOverlay(whole.original, map, alpha));
}
