/** Carbon readouts on worked examples, with the cited inputs (docs/carbon.md). */
import { describe, expect, it } from 'vitest';
import { estimateCarbon } from '../src/carbon/co2';
import { PAPER_SETUP, paperEquivalent, thisTab } from '../src/carbon/paperEquivalent';

describe('carbon readouts', () => {
  it("paper-equivalent: 1e18 FLOPs on 32 TPUv3 (123 TFLOP/s, 40 %) in europe-west1 through ML CO2 Impact's arithmetic", () => {
    expect(PAPER_SETUP).toMatchObject({ chips: 32, peakTflopsPerChip: 123, wattsPerChip: 283, gridGCo2PerKwh: 267, region: 'europe-west1' });
    // seconds = 1e18 / (32 x 123e12 x 0.4) = 635.16...; hours = 0.176435...
    const r = paperEquivalent(1e18);
    expect(r.hours).toBeCloseTo(1e18 / (32 * 123e12 * 0.4) / 3600, 12);
    expect(r.hours).toBeCloseTo(0.176435, 5);
    // kWh = 32 x 283 W x 0.176435 h = 1.59778 kWh; kg = 1.59778 x 0.267 = 0.426607 kg
    expect(r.kwh).toBeCloseTo(1.59778, 4);
    expect(r.kgCo2).toBeCloseTo(0.426607, 5);
  });

  it('this tab: measured wall time at the stated power; the reference-device chain on a worked example', () => {
    // 90 minutes at 45 W, 300 g/kWh: 0.0675 kWh, 0.02025 kg.
    const t = thisTab(90 * 60 * 1000, 45, 300);
    expect(t.hours).toBe(1.5);
    expect(t.kwh).toBeCloseTo(0.0675, 12);
    expect(t.kgCo2).toBeCloseTo(0.02025, 12);
    // 19.5 TFLOP/s at 40 % for 7.02e16 FLOPs = 9000 s = 2.5 h; 400 W x 1.1 PUE: 1.1 kWh; 400 g/kWh: 0.44 kg.
    const a100 = estimateCarbon(7.02e16, { deviceName: 'A100', peakTflops: 19.5, utilization: 0.4, watts: 400, pue: 1.1, gridGCo2PerKwh: 400 });
    expect(a100.hours).toBeCloseTo(2.5, 12);
    expect(a100.kwh).toBeCloseTo(1.1, 12);
    expect(a100.kgCo2).toBeCloseTo(0.44, 12);
  });
});
