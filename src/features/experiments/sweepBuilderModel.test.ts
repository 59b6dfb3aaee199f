/** The custom sweep builder's form -> sweep spec: run counts, option combinations, and the first thing wrong named. */
import { describe, expect, it } from 'vitest';
import { buildSweep, combinations, parseBudgets, type BuilderState } from './sweepBuilderModel';

const FORM: BuilderState = {
  methods: ['supervised', 'mae'],
  datasets: ['imagenet-1k', 'align'],
  models: ['toy-B'],
  budgets: '2.5e10, 1e11',
  options: {},
  seeds: 2,
  base: { batchSize: 16 },
};

describe('sweep builder', () => {
  it('counts methods x option combinations x datasets x models x budgets x seeds', () => {
    const plain = buildSweep(FORM);
    expect(plain).toMatchObject({ ok: true, runs: 2 * 2 * 1 * 2 * 2 });
    const withOptions = buildSweep({ ...FORM, options: { mae: { maskRatio: '0.75, 0.85', decoder: 'standard,tiny', normPixLoss: '' } } });
    expect(withOptions).toMatchObject({ ok: true, runs: (1 + 4) * 2 * 2 * 2 });
    if (!withOptions.ok) throw new Error('unreachable');
    expect(withOptions.spec.variants!.mae).toEqual([
      { maskRatio: 0.75, decoder: 'standard' },
      { maskRatio: 0.75, decoder: 'tiny' },
      { maskRatio: 0.85, decoder: 'standard' },
      { maskRatio: 0.85, decoder: 'tiny' },
    ]);
    expect(withOptions.spec.seeds).toEqual([0, 1]);
    expect(withOptions.spec.base).toEqual({ batchSize: 16 });
  });

  it('names the first thing wrong', () => {
    expect(buildSweep({ ...FORM, methods: [] })).toEqual({ ok: false, error: 'methods: tick at least one method' });
    expect(buildSweep({ ...FORM, models: [] })).toEqual({ ok: false, error: 'models: tick at least one model' });
    expect(buildSweep({ ...FORM, budgets: '1e10, lots' })).toEqual({ ok: false, error: "budgets: 'lots' is not a positive number of FLOPs" });
    expect(buildSweep({ ...FORM, budgets: ' , ' })).toEqual({ ok: false, error: 'budgets: give at least one FLOP budget, e.g. 2.5e10, 1e11' });
    expect(buildSweep({ ...FORM, seeds: 0 })).toEqual({ ok: false, error: 'seeds: a whole number from 1 to 64' });
    const bad = buildSweep({ ...FORM, options: { mae: { maskRatio: '1.5' } } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^sweep run mae\|maskRatio=1.5\|.*methodOptions\.maskRatio: Too big/);
  });

  it('combinations and budgets parse as written', () => {
    expect(combinations({})).toEqual([{}]);
    expect(combinations({ a: [1, 2], b: ['x'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'x' },
    ]);
    expect(parseBudgets('1e9,2e9 , 4e9')).toEqual([1e9, 2e9, 4e9]);
    expect(parseBudgets('-1')).toBe("budgets: '-1' is not a positive number of FLOPs");
  });
});
