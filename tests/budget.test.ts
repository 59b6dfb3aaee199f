/**
 * A run's length as a FLOP budget: the steps it buys follow from the counted
 * FLOPs of one step, the total lands within half a step of the budget, and the
 * schedule is laid out over those steps (it ends at the budget; a smaller
 * budget is not a truncation of a larger one).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendInfo } from '../src/engine/backendIds';
import { warmupCosine } from '../src/engine/schedule';
import { applyBudget, stepsForBudget } from '../src/train/budget';
import { defaultConfig, type ExperimentInput } from '../src/train/config';
import { profileStep } from '../src/train/profile';
import { runExperiment } from '../src/train/runner';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const cpu: BackendInfo = { name: 'cpu', reason: 'test', isSoftware: false, timestampQuery: false };
const tiny = (overrides: ExperimentInput = {}) =>
  defaultConfig({
    model: 'tiny',
    batchSize: 4,
    logEvery: 1,
    probe: { kind: 'none' },
    backend: 'cpu',
    dataset: { preset: 'shapes', size: 64 },
    optim: { warmupSteps: 2 },
    ...overrides,
  });

describe('FLOP budgets', () => {
  it('buys the nearest whole number of steps, at least one, and refuses a non-positive budget', () => {
    expect(stepsForBudget(1000, 300)).toBe(3);
    expect(stepsForBudget(1050, 300)).toBe(4);
    expect(stepsForBudget(100, 300)).toBe(1);
    expect(() => stepsForBudget(0, 300)).toThrow(/positive/);
  });

  it('a budgeted run takes the steps its budget buys, lands within half a step of it, and its schedule ends there', async () => {
    const perStep = (await profileStep(tiny())).totalFlops;
    const small = await runExperiment(tiny({ budgetFlops: 6.2 * perStep }), cpu);
    expect(small.config.steps).toBe(6);
    expect(small.records.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Math.abs(small.records.at(-1)!.flops - 6.2 * perStep)).toBeLessThanOrEqual(perStep / 2);
    const o = small.config.optim;
    small.records.forEach((r) => expect(r.lr).toBeCloseTo(warmupCosine(r.step - 1, 6, o.lr, o.warmupSteps, o.minLr), 12));
    // Twice the budget: its own, longer schedule, not the smaller run continued.
    const large = await runExperiment(tiny({ budgetFlops: 12.2 * perStep }), cpu);
    expect(large.config.steps).toBe(12);
    expect(large.records[5].lr).toBeGreaterThan(small.records[5].lr);
  });

  it('refuses, by name, a transfer checkpoint past the steps the budget buys', async () => {
    const perStep = (await profileStep(tiny())).totalFlops;
    const config = tiny({ steps: 50, budgetFlops: 3 * perStep, transfer: { at: [40] } });
    expect(() => applyBudget(config, perStep)).toThrow("transfer.at.0: checkpoint step 40 is after the run's last step (3)");
  });
});
