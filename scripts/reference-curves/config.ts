/**
 * The config of a reference-curve run: the lab's DEFAULT experiment for the method (whatever the
 * defaults are when it runs; nothing of the recipe is pinned here), on wasm, at the signal report's
 * budget (scripts/signal.ts: round(budget / the method's counted FLOPs per step) steps, the budget
 * being the default run's steps of supervised training), probed 4 times (every ceil(steps / 4) steps
 * and after the last).
 */
import { defaultConfig, resolveConfig, type ExperimentConfig, type ExperimentInput } from '../../src/train/config';
import { flopsPerStep, supervisedBudget } from '../budget';
import { evalEveryFor } from '../../tooling/referenceCurves';

/** FLOPs of the default run's steps of supervised training (the signal report's budget). Needs a backend (it profiles a step). */
export async function signalBudget(extra: ExperimentInput = {}): Promise<{ budget: number; supervisedSteps: number }> {
  const base = defaultConfig({ ...extra, backend: 'wasm' });
  return { budget: await supervisedBudget({ ...extra, backend: 'wasm' }, base.steps), supervisedSteps: base.steps };
}

/** The run of `method` and `seed`: `steps` if given (short runs while developing), else the budget's steps. */
export async function referenceConfig(
  method: string,
  seed: number,
  opts: { budget?: number; steps?: number; extra?: ExperimentInput } = {},
): Promise<ExperimentConfig> {
  const extra = opts.extra ?? {};
  const input = { ...extra, backend: 'wasm' as const, method, seed, methodOptions: {} };
  let steps = opts.steps;
  if (steps === undefined) {
    const budget = opts.budget ?? (await signalBudget(extra)).budget;
    steps = Math.max(1, Math.round(budget / (await flopsPerStep(input))));
  }
  const evalEvery = evalEveryFor(steps);
  return resolveConfig({ ...input, steps, evalEvery, logEvery: evalEvery });
}
