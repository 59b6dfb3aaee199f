/** FLOP budgets for the scripts: a run's length as the counted FLOPs of some steps of supervised training. */
import { resolveConfig } from '../src/train/config';
import { profileStep } from '../src/train/profile';

/** Counted FLOPs of one training step of the config `input` describes. */
export async function flopsPerStep(input: Record<string, unknown>): Promise<number> {
  return (await profileStep(resolveConfig({ ...input, steps: 1 }))).totalFlops;
}

/** FLOPs of `steps` steps of supervised training on the model, batch and data of `input` (method and its options replaced). */
export async function supervisedBudget(input: Record<string, unknown>, steps: number): Promise<number> {
  return (await flopsPerStep({ ...input, method: 'supervised', methodOptions: {} })) * steps;
}
