/**
 * The catalog is the one declaration of every method's options: config
 * validation, defaults and the page's controls all come from it. Checked over
 * the whole catalog (not method by method), and by adding a throwaway seventh
 * method from one file plus one catalog entry.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMethod, CATALOG, defaultOptions, listMethods, METHOD_IDS, methodIds } from '../src/methods/catalog';
import { defineMethod, optionControls, optionProblem, type OptionControl } from '../src/methods/spec';
import { resolveConfig, validateConfig } from '../src/train/config';
import { createTrainer } from '../src/train/trainer';
import { comparisonVariants } from '../src/experiments/variants';
import { throwawayOptions } from './fixtures/throwawayMethod';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

/** A value the option must refuse: past its range, outside its choices, or of the wrong type. */
function outOfRange(o: OptionControl): unknown {
  if (o.kind === 'boolean') return 'yes';
  if (o.kind === 'choice') return 'no-such-choice';
  if (o.max !== undefined) return o.max + 1;
  if (o.min !== undefined) return o.min - 1;
  throw new Error(`option ${o.key} has no range to break`);
}

const problemsOf = (input: unknown): string[] => {
  const v = validateConfig(input);
  return v.ok ? [] : v.error.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('method options as schemas', () => {
  it.each(METHOD_IDS)('%s: an unknown key and each out-of-range value are refused with the option path', (id) => {
    expect(problemsOf({ method: id, methodOptions: { tempreature: 0.2 } })).toEqual([
      expect.stringMatching(new RegExp(`^methodOptions\\.tempreature: not a ${id} option \\(options: `)),
    ]);
    const controls = optionControls(CATALOG[id].options);
    expect(controls.length).toBeGreaterThan(0);
    for (const o of controls) {
      const problems = problemsOf({ method: id, methodOptions: { [o.key]: outOfRange(o) } });
      expect(problems, `${id}.${o.key}`).toHaveLength(1);
      expect(problems[0].startsWith(`methodOptions.${o.key}: `), problems[0]).toBe(true);
      // The page's per-field check says the same as the config check.
      expect(optionProblem(CATALOG[id].options, o.key, outOfRange(o))).toBe(problems[0].slice(`methodOptions.${o.key}: `.length));
    }
  });

  it.each(METHOD_IDS)('%s: defaults come from the schema, fill a resolved config, and every option is documented', (id) => {
    const defaults = defaultOptions(id);
    expect(resolveConfig({ method: id }).methodOptions).toEqual(defaults);
    const controls = optionControls(CATALOG[id].options);
    expect(Object.fromEntries(controls.map((o) => [o.key, o.default]))).toEqual(defaults);
    for (const o of controls) {
      expect(o.label, `${id}.${o.key}`).toMatch(/\S/);
      expect(o.help, `${id}.${o.key}`).toMatch(/\S/);
      expect(o.paper, `${id}.${o.key}`).toMatch(/\S/);
    }
    // A partial override keeps the other defaults.
    const [first] = controls;
    const value = first.kind === 'boolean' ? !first.default : first.kind === 'choice' ? first.choices!.at(-1) : first.default;
    expect(resolveConfig({ method: id, methodOptions: { [first.key]: value } }).methodOptions).toEqual({ ...defaults, [first.key]: value });
  });

  it('names an unknown method with the list of methods', () => {
    expect(problemsOf({ method: 'moco' })).toEqual([`method: 'moco' is not a method (methods: ${methodIds().join(', ')})`]);
  });

  it('checks rules that need the model: MAE must keep a patch, DINO local crops sit on the patch grid', () => {
    expect(problemsOf({ method: 'mae', model: 'toy-B', methodOptions: { maskRatio: 0.95 } })).toEqual([
      'methodOptions.maskRatio: 0.95 keeps 0 of 16 patches; it must keep at least one and hide at least one',
    ]);
    expect(problemsOf({ method: 'dino', model: 'toy-B', methodOptions: { localSize: 12 } })).toEqual([
      'methodOptions.localSize: 12 must be a multiple of the patch size 8 and at most the image size 32 (0 = auto)',
    ]);
    expect(problemsOf({ method: 'dino', model: 'toy-B', methodOptions: { localSize: 16 } })).toEqual([]);
  });

  it('the comparison grid comes from the swept options: MAE at each mask ratio with both decoders', () => {
    const mae = comparisonVariants().filter((v) => v.method === 'mae');
    expect(mae.map((v) => v.key)).toEqual([
      'mae-0.55-standard',
      'mae-0.65-standard',
      'mae-0.75-standard',
      'mae-0.85-standard',
      'mae-0.55-tiny',
      'mae-0.65-tiny',
      'mae-0.75-tiny',
      'mae-0.85-tiny',
    ]);
    expect(mae.map((v) => v.label).slice(2, 6)).toEqual(['MAE 75%', 'MAE 85%', 'MAE 55% tiny decoder', 'MAE 65% tiny decoder']);
  });
});

describe('adding a method: one file plus one catalog entry', () => {
  beforeAll(() =>
    addMethod(
      'throwaway',
      defineMethod({
        label: 'Throwaway colour regression',
        paper: 'https://example.org/none',
        summary: 'Regresses mean colour; a test of the method contract.',
        atLabScale: 'not measured',
        options: throwawayOptions,
        load: () => import('./fixtures/throwawayMethod').then((m) => m.throwaway),
      }),
    ),
  );

  it('is listed with its options, validated, and in the comparison', () => {
    const info = listMethods().find((m) => m.id === 'throwaway');
    expect(info?.options.map((o) => [o.key, o.default, o.advanced])).toEqual([
      ['weight', 1, false],
      ['flipP', 0.5, true],
    ]);
    expect(problemsOf({ method: 'throwaway', methodOptions: { weight: 0 } })).toEqual(['methodOptions.weight: Too small: expected number to be >0']);
    expect(problemsOf({ method: 'throwaway', methodOptions: { wieght: 2 } })).toEqual([
      'methodOptions.wieght: not a throwaway option (options: weight, flipP)',
    ]);
    expect(comparisonVariants().map((v) => v.key)).toContain('throwaway');
  });

  it('trains for two steps on cpu with finite losses, counted FLOPs and no leaked tensors', async () => {
    const trainer = await createTrainer({
      method: 'throwaway',
      model: 'tiny',
      batchSize: 4,
      steps: 2,
      backend: 'cpu',
      dataset: { preset: 'shapes', size: 64 },
    });
    expect(trainer.config.methodOptions).toEqual({ weight: 1, flipP: 0.5 });
    let before = 0;
    for (const step of [0, 1]) {
      // The optimiser's moments appear at the first step; from then on nothing may accumulate.
      if (step === 1) before = tf.memory().numTensors;
      const { loss, counts } = trainer.step(step);
      expect(Number.isFinite((await loss.data())[0])).toBe(true);
      expect(counts.byComponent.encoder).toBeGreaterThan(0);
      expect(counts.byComponent.head).toBeGreaterThan(0);
      loss.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });
});
