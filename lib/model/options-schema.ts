/**
 * The one schema of the options that pick one of a list of values: per option its values, its
 * default and the notes of its values. Load-option checks (lib/model/load-options.ts), the CLI's
 * flag checks and help (lib/cli/model-flags.ts) and the option types are derived from it. The
 * value lists themselves are declared where their meaning lives (weight formats in lib/weights,
 * paddings in lib/arch, resamplers in lib/image, the core's choices in lib/native.ts).
 * To add such an option: docs/ARCHITECTURE.md, "Where do I add an option".
 */
import { PADDING_MODES } from '../arch/padding';
import { invalidParameterError, is } from '../errors';
import { RESIZE_MODES } from '../image';
import { DEVICES, KERNEL_SETS, PRECISIONS } from '../native';
import { WEIGHT_FORMATS } from '../weights';

/** One option with a fixed list of values. */
export interface ChoiceOption<V extends string = string> {
  readonly values: readonly V[];
  /** The value when the option is not given, or undefined when something else decides it. */
  readonly default: V | undefined;
  /** What decides when {@link default} is undefined (help text). */
  readonly otherwise?: string;
  /** A few words per value, for the help text. */
  readonly notes?: Partial<Record<V, string>>;
}

// Keeps each option's own value and default types (the CLI's parseArgs reads the default's type).
const choice = <V extends string, D extends V | undefined>(option: ChoiceOption<V> & { default: D }): ChoiceOption<V> & { default: D } =>
  option;

/** The choice options, by their API name. */
export const CHOICE_OPTIONS = {
  format: choice({ values: ['auto', ...WEIGHT_FORMATS], default: 'auto' }),
  padding: choice({
    values: PADDING_MODES,
    default: undefined,
    otherwise: 'default by weight source',
    notes: { symmetric: 'PyTorch-trained', same: 'TF-trained' },
  }),
  kernels: choice({ values: KERNEL_SETS, default: 'fast', notes: { reference: 'the scalar oracle, slow; for checking' } }),
  device: choice({ values: DEVICES, default: 'cpu', notes: { auto: 'the GPU when one is usable' } }),
  precision: choice({ values: PRECISIONS, default: 'fp32', notes: { fp16: 'cuda only', bf16: 'CPUs with AVX512_BF16 only' } }),
  resize: choice({ values: RESIZE_MODES, default: 'sharp', notes: { sharp: 'fast', pil: 'bit-exact torchvision resampling' } }),
} as const;

/** The name of a choice option. */
export type ChoiceName = keyof typeof CHOICE_OPTIONS;

/** The values of choice option `N`. */
export type ChoiceOf<N extends ChoiceName> = (typeof CHOICE_OPTIONS)[N]['values'][number];

/** "a, b or c" over `items`. */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** The values of an option as the API's errors quote them: "'cpu', 'cuda' or 'auto'". */
export function quotedChoices(name: ChoiceName): string {
  return orList(CHOICE_OPTIONS[name].values.map((v) => `'${v}'`));
}

/** The values of an option as the CLI names them: "cpu, cuda or auto". */
export function plainChoices(name: ChoiceName): string {
  return orList(CHOICE_OPTIONS[name].values);
}

/**
 * The help text of an option's values: "cpu (default), cuda or auto (the GPU when one is usable)".
 */
export function choicesHelp(name: ChoiceName): string {
  const option: ChoiceOption = CHOICE_OPTIONS[name];
  const words = option.values.map((v) => {
    const notes = [v === option.default ? 'default' : undefined, option.notes?.[v]].filter(is.defined);
    return notes.length > 0 ? `${v} (${notes.join(', ')})` : v;
  });
  return orList(words) + (option.otherwise ? `; ${option.otherwise}` : '');
}

/**
 * The API check of a choice option: its value, or its default when undefined.
 * @throws {TypeError} "Expected 'cpu', 'cuda' or 'auto' for options.device but received ..."
 */
export function checkChoice<N extends ChoiceName>(name: N, value: unknown): ChoiceOf<N> | undefined {
  const option: ChoiceOption = CHOICE_OPTIONS[name];
  if (value === undefined) return option.default as ChoiceOf<N> | undefined;
  if (!is.inArray(value, option.values)) throw invalidParameterError(`options.${name}`, quotedChoices(name), value);
  return value as ChoiceOf<N>;
}
