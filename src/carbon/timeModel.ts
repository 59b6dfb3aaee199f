/**
 * Step time against step FLOPs, the paper's approach in A.1: measure the time
 * of a training step for methods of different cost on one device and fit a
 * power law, time = a * FLOPs^b, by least squares on log time vs log FLOPs.
 * The fit's R^2 (in log space) says how well FLOPs alone predict time on that
 * device: launch-bound small models give b well below 1.
 */
export interface TimedStep {
  flops: number;
  ms: number;
}

export interface PowerLawFit {
  /** ms = a * flops^b */
  a: number;
  b: number;
  /** Coefficient of determination of the log-log fit. */
  r2: number;
  n: number;
}

/** Least-squares power law through positive points; null with fewer than 2 distinct FLOP values. */
export function fitPowerLaw(points: readonly TimedStep[]): PowerLawFit | null {
  const usable = points.filter((p) => p.flops > 0 && p.ms > 0 && Number.isFinite(p.flops) && Number.isFinite(p.ms));
  const xs = usable.map((p) => Math.log(p.flops));
  const ys = usable.map((p) => Math.log(p.ms));
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (sxx === 0) return null;
  const b = sxy / sxx;
  const logA = my - b * mx;
  const residual = ys.reduce((s, y, i) => s + (y - (logA + b * xs[i])) ** 2, 0);
  return { a: Math.exp(logA), b, r2: syy === 0 ? 1 : 1 - residual / syy, n };
}

/** Predicted ms of a step of `flops` FLOPs. */
export const predictMs = (fit: PowerLawFit, flops: number): number => fit.a * flops ** fit.b;
