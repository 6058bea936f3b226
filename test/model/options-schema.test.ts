// The one option schema: API checks, CLI checks and help are all derived from it.
import { describe, expect, it } from 'vitest';
import { EfficientNet } from '../../lib';
import { IMAGE_FLAGS_HELP, MODEL_FLAGS_HELP } from '../../lib/cli/model-flags';
import { CHOICE_OPTIONS, checkChoice, choicesHelp, plainChoices, quotedChoices, type ChoiceName } from '../../lib/model/options-schema';

const names = Object.keys(CHOICE_OPTIONS) as ChoiceName[];

describe('option schema', () => {
  it.each(names)('%s: its default is one of its values, and its notes name only its values', (name) => {
    const option = CHOICE_OPTIONS[name];
    const values: readonly string[] = option.values;
    if (option.default !== undefined) expect(values).toContain(option.default);
    else expect('otherwise' in option && option.otherwise).toBeTruthy();
    for (const key of Object.keys('notes' in option ? option.notes : {})) expect(values).toContain(key);
  });

  it('words the lists for the API and the CLI', () => {
    expect(quotedChoices('device')).toBe("'cpu', 'cuda' or 'auto'");
    expect(plainChoices('precision')).toBe('fp32, fp16 or bf16');
    expect(choicesHelp('device')).toBe('cpu (default), cuda or auto (the GPU when one is usable)');
    expect(choicesHelp('padding')).toBe('symmetric (PyTorch-trained) or same (TF-trained); default by weight source');
  });

  it('checks a value against the schema, with the default for undefined', () => {
    expect(checkChoice('kernels', undefined)).toBe('fast');
    expect(checkChoice('padding', undefined)).toBeUndefined();
    expect(checkChoice('format', 'timm')).toBe('timm');
    expect(() => checkChoice('precision', 'fp8')).toThrow(TypeError);
    expect(() => checkChoice('precision', 'fp8')).toThrow(/'fp32', 'fp16' or 'bf16' for options\.precision/);
  });

  it('the CLI help shows every model and image choice from the schema', () => {
    for (const name of ['format', 'padding', 'device', 'precision'] as const) expect(MODEL_FLAGS_HELP).toContain(choicesHelp(name));
    expect(IMAGE_FLAGS_HELP).toContain(choicesHelp('resize'));
  });

  it('load() rejects a value the schema does not have, naming the allowed ones', async () => {
    await expect(EfficientNet.load({ device: 'tpu' as never })).rejects.toThrow(/Expected 'cpu', 'cuda' or 'auto' for options\.device/);
  });
});
