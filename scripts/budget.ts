/** FLOP budgets for the scripts: a run's length as the counted FLOPs of some steps of supervised training. */
import { resolveConfig } from '../src/train/config';
import { profileStep } from '../src/train/profile';

/** Counted FLOPs of one training step of the config `input` describes. */
export function flopsPerStep(input: Record<string, unknown>): number {
  return profileStep(resolveConfig({ ...input, steps: 1 })).totalFlops;
}

/** FLOPs of `steps` steps of supervised training on the model, batch and data of `input` (method and its options replaced). */
export function supervisedBudget(input: Record<string, unknown>, steps: number): number {
  return flopsPerStep({ ...input, method: 'supervised', methodOptions: {} }) * steps;
}
