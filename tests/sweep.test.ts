/**
 * Sweeps: the grid expands to validated run configs with stable keys; shards
 * cover every run exactly once and merge back to the unsharded order; the
 * Pareto frontier of hand-made points.
 */
import { describe, expect, it } from 'vitest';
import { expandSweep, mergeShards, paretoFrontier, shardOf, type SweepSpec } from '../src/experiments/sweep';

const SPEC: SweepSpec = {
  base: { batchSize: 16, probe: { trainSize: 64, testSize: 64 } },
  methods: ['supervised', 'mae'],
  datasets: ['imagenet-1k', 'align'],
  models: ['toy-B', 'toy-L'],
  budgets: [1e10, 3e10],
  variants: { mae: [{ maskRatio: 0.75 }, { maskRatio: 0.55, decoder: 'tiny' }] },
  seeds: [0, 1],
};

describe('sweeps', () => {
  it('expands methods x variants x datasets x models x budgets x seeds into validated configs with unique keys', () => {
    const runs = expandSweep(SPEC);
    // supervised: 1 variant; mae: 2. Each x 2 datasets x 2 models x 2 budgets x 2 seeds.
    expect(runs).toHaveLength((1 + 2) * 2 * 2 * 2 * 2);
    expect(new Set(runs.map((r) => r.key)).size).toBe(runs.length);
    expect(runs[0].key).toBe('supervised|imagenet-1k|toy-B|1.000e+10|s0');
    const tiny = runs.find((r) => r.key === 'mae|decoder=tiny,maskRatio=0.55|align|toy-L|3.000e+10|s1')!;
    expect(tiny.input).toMatchObject({
      method: 'mae',
      methodOptions: { maskRatio: 0.55, decoder: 'tiny' },
      dataset: { preset: 'align' },
      model: 'toy-L',
      budgetFlops: 3e10,
      seed: 1,
      batchSize: 16,
    });
  });

  it('names the run and field of a bad entry, and refuses an empty list or a runaway grid', () => {
    expect(() => expandSweep({ ...SPEC, variants: { mae: [{ maskRatio: 2 }] } })).toThrow(/^sweep run mae\|maskRatio=2\|.*: methodOptions\.maskRatio: Too big/);
    expect(() => expandSweep({ ...SPEC, methods: [] })).toThrow(/methods/);
    expect(() => expandSweep({ ...SPEC, methods: ['moco'] })).toThrow(/method: 'moco' is not a method/);
    expect(() =>
      expandSweep({ ...SPEC, seeds: Array.from({ length: 64 }, (_, i) => i), budgets: Array.from({ length: 40 }, (_, i) => 1e9 * (i + 1)) }),
    ).toThrow(/more than 2000 runs/);
  });

  it('shards cover every run exactly once, and merging them restores the unsharded result', () => {
    const runs = expandSweep(SPEC);
    for (const count of [1, 3, 7, 48, 50]) {
      const shards = Array.from({ length: count }, (_, i) => shardOf(runs, i, count));
      expect(
        shards
          .flat()
          .map((r) => r.key)
          .sort(),
      ).toEqual(runs.map((r) => r.key).sort());
      expect(
        mergeShards(
          [...shards].reverse(),
          runs.map((r) => r.key),
        ),
      ).toEqual(runs);
    }
    expect(() => shardOf(runs, 3, 3)).toThrow(/0\.\.2/);
    const halves = [shardOf(runs, 0, 2), shardOf(runs, 1, 2)];
    expect(() =>
      mergeShards(
        [halves[0], halves[0]],
        runs.map((r) => r.key),
      ),
    ).toThrow(/appears in two shards/);
    expect(() =>
      mergeShards(
        [halves[0]],
        runs.map((r) => r.key),
      ),
    ).toThrow(/missing from the shards/);
  });

  it('the Pareto frontier keeps the points no cheaper-or-equal point beats, in order of compute', () => {
    const p = (name: string, x: number, y: number) => ({ name, x, y });
    const points = [p('a', 1, 0.2), p('b', 2, 0.5), p('c', 3, 0.4), p('d', 4, 0.7), p('e', 4, 0.6), p('f', 0.5, 0.1), p('g', 5, 0.7), p('nan', 6, Number.NaN)];
    expect(paretoFrontier(points).map((q) => q.name)).toEqual(['f', 'a', 'b', 'd']);
    expect(paretoFrontier([])).toEqual([]);
  });
});
