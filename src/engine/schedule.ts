/**
 * Learning-rate schedules, precomputed per step as the MAE/DINO code does.
 * Linear warm-up to `lr` (step warmup - 1 reaches it), then cosine decay towards
 * `minLr` over progress (step - warmup) / (total - warmup), MAE's
 * lr_sched.adjust_learning_rate: the peak rate is used twice (steps warmup - 1 and
 * warmup), and the last step (total - 1) still runs slightly above `minLr`
 * (cosine progress (total - 1 - warmup) / (total - warmup)), as in MAE.
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

/**
 * Warm-up + polynomial decay, the segmentation fine-tuning schedule (paper A.4:
 * mmsegmentation's `lr_config = dict(policy='poly', power=1.0, min_lr=0.0,
 * warmup='linear', ...)`). The polynomial factor runs over the whole run,
 * warm-up included, as mmcv's PolyLrUpdaterHook does:
 *   poly(step) = (lr - minLr) * (1 - step / total)^power + minLr,
 * so the last step (total - 1) still trains at poly = (lr - minLr) / total^power + minLr.
 * During warm-up the poly value is scaled linearly by (step + 1) / warmup. mmcv
 * starts its ramp at warmup_ratio (1e-6) x lr on iteration 0; we start at
 * 1 / warmup, like warmupCosine above, so no step of a 100-step toy run is spent
 * at a learning rate of about zero.
 */
export function warmupPoly(step: number, total: number, lr: number, warmup: number, power = 1, minLr = 0): number {
  const progress = Math.min(1, Math.max(0, step / Math.max(1, total)));
  const poly = (lr - minLr) * Math.pow(1 - progress, power) + minLr;
  if (warmup > 0 && step < warmup) return (poly * (step + 1)) / warmup;
  return poly;
}
