/**
 * Learning-rate schedules, precomputed per step as the MAE/DINO code does.
 * Linear warm-up from `minLr` to `lr`, then cosine decay back to `minLr` at the
 * last step (the paper's "warm-up cosine decay").
 */
export function warmupCosine(step: number, total: number, lr: number, warmup: number, minLr = 0): number {
  if (warmup > 0 && step < warmup) return minLr + ((lr - minLr) * (step + 1)) / warmup;
  const decaySteps = Math.max(1, total - warmup);
  const progress = Math.min(1, Math.max(0, (step - warmup) / decaySteps));
  return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
}

/** Cosine ramp from `base` to `final` over training (BYOL/DINO EMA momentum). */
export function cosineRamp(step: number, total: number, base: number, final: number): number {
  const progress = Math.min(1, Math.max(0, step / Math.max(1, total - 1)));
  return final - (final - base) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
