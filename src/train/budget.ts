/**
 * A run's length as a FLOP budget (paper A.3): the step count follows from the
 * counted FLOPs of one training step (every step of a run costs the same: fixed
 * shapes), and the schedule is laid out over those steps, so it ends at the
 * budget rather than being a truncation of a longer run.
 */
import { resolveConfig, type ExperimentConfig } from './config';

/** Steps a budget buys: the nearest whole number of steps, at least one. */
export function stepsForBudget(budgetFlops: number, flopsPerStep: number): number {
  if (!(budgetFlops > 0) || !(flopsPerStep > 0)) throw new Error(`a FLOP budget needs positive FLOPs (budget ${budgetFlops}, per step ${flopsPerStep})`);
  return Math.max(1, Math.round(budgetFlops / flopsPerStep));
}

/**
 * The config with `steps` set from its `budgetFlops` (unchanged without one),
 * validated again: a probe interval or transfer checkpoint past the budget's
 * last step is refused by name.
 */
export function applyBudget(config: ExperimentConfig, flopsPerStep: number): ExperimentConfig {
  if (config.budgetFlops === undefined) return config;
  return resolveConfig({ ...config, steps: stepsForBudget(config.budgetFlops, flopsPerStep) });
}
