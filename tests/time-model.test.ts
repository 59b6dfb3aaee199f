/** The paper's A.1 time model: a power law of step time against step FLOPs, fitted in log space. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng';
import { fitPowerLaw, predictMs } from '../src/carbon/timeModel';

describe('power-law fit of step time vs FLOPs', () => {
  it('recovers known parameters exactly from noiseless points, and closely from noisy ones', () => {
    const exact = [1e8, 3e8, 1e9, 5e9, 2e10].map((flops) => ({ flops, ms: 2e-6 * flops ** 0.8 }));
    const fit = fitPowerLaw(exact)!;
    expect(fit.b).toBeCloseTo(0.8, 10);
    expect(fit.a / 2e-6).toBeCloseTo(1, 8);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(predictMs(fit, 7e9)).toBeCloseTo(2e-6 * 7e9 ** 0.8, 6);

    const rng = new Rng(5);
    const noisy = Array.from({ length: 60 }, (_, i) => {
      const flops = 10 ** (8 + (3 * i) / 59);
      return { flops, ms: 5e-4 * flops ** 0.6 * Math.exp(0.05 * rng.normal()) };
    });
    const f2 = fitPowerLaw(noisy)!;
    expect(Math.abs(f2.b - 0.6)).toBeLessThan(0.02);
    expect(f2.r2).toBeGreaterThan(0.98);
    expect(f2.n).toBe(60);
  });

  it('needs two distinct positive FLOP values; ignores non-positive and non-finite points', () => {
    expect(fitPowerLaw([])).toBeNull();
    expect(fitPowerLaw([{ flops: 1e9, ms: 3 }])).toBeNull();
    expect(
      fitPowerLaw([
        { flops: 1e9, ms: 3 },
        { flops: 1e9, ms: 4 },
      ]),
    ).toBeNull();
    const fit = fitPowerLaw([
      { flops: 1e9, ms: 10 },
      { flops: 4e9, ms: 20 },
      { flops: 0, ms: 5 },
      { flops: 2e9, ms: Number.NaN },
    ])!;
    expect(fit.n).toBe(2);
    expect(fit.b).toBeCloseTo(0.5, 10);
  });
});
