/**
 * The named experiments: each expands to the grid the paper's figure or table
 * needs (sizes asserted), every run config is valid, overrides apply without
 * changing the preset list, and an unknown name lists the valid ones.
 */
import { describe, expect, it } from 'vitest';
import { EXPERIMENT_PRESETS, experimentPreset, presetSpec } from '../src/experiments/presets';
import { expandSweep } from '../src/experiments/sweep';
import { METHOD_IDS } from '../src/methods/catalog';

const runsOf = (id: string) => expandSweep(presetSpec(experimentPreset(id)));

describe('experiment presets', () => {
  it('mirror the paper: Figure 1 is every method on JFT and ALIGN at four budgets; Figure 2 doubles the model axis; Table 1 is 4 SSL methods x 5 datasets; A.5 is 4 ratios x 2 decoders', () => {
    expect(runsOf('figure1')).toHaveLength(METHOD_IDS.length * 2 * 4);
    expect(new Set(runsOf('figure1').map((r) => r.dataset))).toEqual(new Set(['jft', 'align']));
    const f2 = runsOf('figure2');
    expect(f2).toHaveLength(METHOD_IDS.length * 2 * 4);
    expect(new Set(f2.map((r) => r.model))).toEqual(new Set(['toy-B', 'toy-L']));
    const t1 = runsOf('table1');
    expect(t1).toHaveLength(4 * 5);
    expect(new Set(t1.map((r) => r.method))).toEqual(new Set(['byol', 'simclr', 'mae', 'dino']));
    expect(new Set(t1.map((r) => r.budget)).size).toBe(1);
    const a5 = runsOf('a5');
    expect(a5.map((r) => `${String(r.options.maskRatio)}/${String(r.options.decoder)}`)).toEqual([
      '0.55/standard',
      '0.55/tiny',
      '0.65/standard',
      '0.65/tiny',
      '0.75/standard',
      '0.75/tiny',
      '0.85/standard',
      '0.85/tiny',
    ]);
  });

  it('every sweep preset expands to valid configs that probe once, at the budget’s end', () => {
    for (const p of EXPERIMENT_PRESETS.filter((x) => x.kind === 'sweep')) {
      const runs = runsOf(p.id);
      expect(runs.length, p.id).toBeGreaterThan(0);
      for (const r of runs) expect(r.input).toMatchObject({ evalEvery: 1_000_000, budgetFlops: r.budget });
    }
    expect(experimentPreset('figure3')).toMatchObject({ kind: 'profile', view: 'bars' });
  });

  it('seeds and backend overrides apply to every run; bad overrides and names are refused by name', () => {
    const runs = expandSweep(presetSpec(experimentPreset('smoke'), { seeds: 3, backend: 'wasm' }));
    expect(runs).toHaveLength(2 * 2 * 3);
    expect(new Set(runs.map((r) => r.seed))).toEqual(new Set([0, 1, 2]));
    expect(runs.every((r) => r.input.backend === 'wasm')).toBe(true);
    expect(experimentPreset('smoke').spec!.seeds).toBeUndefined(); // the preset itself is untouched
    expect(() => presetSpec(experimentPreset('smoke'), { seeds: 0 })).toThrow('seeds must be a whole number from 1 to 64, got 0');
    expect(() => presetSpec(experimentPreset('figure3'))).toThrow(/runs no sweep/);
    expect(() => experimentPreset('figure9')).toThrow("'figure9' is not an experiment preset (presets: smoke, figure1, figure2, table1, figure3, a5, talk)");
    expect(() => expandSweep(presetSpec(experimentPreset('smoke'), { backend: 'tpu' }))).toThrow(/backend/);
  });
});
