import { describe, expect, it } from 'vitest';
import { etaLeftMs, sweepEtaMs } from '../src/experiments/sweepEta';

const plan = [
  { key: 'a', method: 'supervised', model: 'toy-B', budget: 1e10 },
  { key: 'b', method: 'simclr', model: 'toy-B', budget: 2e10 },
  { key: 'c', method: 'supervised', model: 'toy-B', budget: 4e10 },
  { key: 'd', method: 'simclr', model: 'toy-B', budget: 4e10 },
];

describe('one sweep ETA', () => {
  it('is unknown until something is measured', () => {
    expect(sweepEtaMs(plan, [], null)).toBeNull();
  });

  it("prices each remaining run's FLOPs at the rate of its own method and model, else the mean", () => {
    // supervised measured at 1 ms per 1e8 FLOPs (a: 1e10 FLOPs in 100 s); simclr unmeasured: the mean rate.
    const finished = [{ key: 'a', method: 'supervised', model: 'toy-B', flops: 1e10, wallMs: 100_000 }];
    expect(sweepEtaMs(plan, finished, null)).toBeCloseTo((2e10 + 4e10 + 4e10) * 1e-5, 6);
    // With simclr measured at twice supervised's rate (b: 2e10 in 400 s), c at 1e-5 and d at 2e-5 ms per FLOP.
    const both = [...finished, { key: 'b', method: 'simclr', model: 'toy-B', flops: 2e10, wallMs: 400_000 }];
    expect(sweepEtaMs(plan, both, null)).toBeCloseTo(4e10 * 1e-5 + 4e10 * 2e-5, 6);
  });

  it('takes the run in progress at its own live rate, for the FLOPs it has left', () => {
    const finished = [{ key: 'a', method: 'supervised', model: 'toy-B', flops: 1e10, wallMs: 100_000 }];
    // b has done 5e9 of 2e10 FLOPs in 100 s (2e-5 ms per FLOP); d (simclr) is priced at b's live rate too.
    const eta = sweepEtaMs(plan, finished, { key: 'b', flops: 5e9, wallMs: 100_000 });
    expect(eta).toBeCloseTo(1.5e10 * 2e-5 + 4e10 * 1e-5 + 4e10 * 2e-5, 6);
  });

  it('counts down from when it was computed, never below 0', () => {
    expect(etaLeftMs({ etaMs: 10_000, etaAt: 1_000 }, 4_000)).toBe(7_000);
    expect(etaLeftMs({ etaMs: 10_000, etaAt: 1_000 }, 99_000)).toBe(0);
    expect(etaLeftMs({ etaMs: null, etaAt: null }, 4_000)).toBeNull();
  });
});
