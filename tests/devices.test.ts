/** Devices and regions (src/carbon/devices.ts) on worked examples; the values and their sources are in docs/carbon.md. */
import { describe, expect, it } from 'vitest';
import {
  co2Of,
  DEFAULT_PUE,
  DEFAULT_UTILISATION,
  deviceById,
  DEVICES,
  fittedDevice,
  hoursOn,
  measuredDevice,
  regionById,
  REGIONS,
} from '../src/carbon/devices';
import { paperEquivalent, PAPER_SETUP } from '../src/carbon/paperEquivalent';

describe('devices', () => {
  it('every device states a peak, a precision, a board power and a source; ids are unique', () => {
    expect(DEVICES.map((d) => d.id)).toEqual(['tpuv3', 'v100', 'a100', 'h100', 'rtx3060-laptop']);
    for (const d of DEVICES) {
      expect(d.peakTflops).toBeGreaterThan(0);
      expect(d.watts).toBeGreaterThan(0);
      expect(d.precision).not.toBe('');
      expect(d.source).toMatch(/^https:\/\//);
    }
    expect(deviceById('a100')).toMatchObject({ peakTflops: 312, watts: 400, precision: 'bf16 tensor core' });
    expect(deviceById('h100')).toMatchObject({ peakTflops: 989, watts: 700 });
    expect(() => deviceById('tpuv9')).toThrow("'tpuv9' is not a device (devices: tpuv3, v100, a100, h100, rtx3060-laptop)");
  });

  it('1e18 FLOPs on an A100 at 40 % utilisation: 2.2258 hours', () => {
    // seconds = 1e18 / (312e12 x 0.4) = 1e18 / 1.248e14 = 8012.82 s; / 3600 = 2.225783 h.
    expect(DEFAULT_UTILISATION).toBe(0.4);
    expect(hoursOn(1e18, deviceById('a100'), 0.4)).toBeCloseTo(2.225783, 6);
    // On an H100 (989 TFLOP/s dense bf16): 1e18 / (989e12 x 0.4) / 3600 = 0.702168 h.
    expect(hoursOn(1e18, deviceById('h100'), 0.4)).toBeCloseTo(0.702168, 6);
  });

  it("one TPUv3 chip's hours are 32 times the paper-equivalent's (32 chips, same peak, power and utilisation)", () => {
    // 1e18 / (123e12 x 0.4) / 3600 = 5.645890 h on one chip; / 32 = 0.176434 h, the paper-equivalent readout.
    const tpu = deviceById('tpuv3');
    expect(tpu).toMatchObject({ peakTflops: PAPER_SETUP.peakTflopsPerChip, watts: PAPER_SETUP.wattsPerChip });
    expect(hoursOn(1e18, tpu, PAPER_SETUP.utilization)).toBeCloseTo(5.64589, 5);
    expect(hoursOn(1e18, tpu, PAPER_SETUP.utilization) / PAPER_SETUP.chips).toBeCloseTo(paperEquivalent(1e18).hours, 12);
  });

  it('CO2 of those A100 hours in europe-west1 at PUE 1.1: 0.9793 kWh, 0.2615 kg', () => {
    // kWh = 400 W x 2.225783 h / 1000 x 1.1 = 0.979345 kWh; kg = 0.979345 x 267 / 1000 = 0.261485 kg.
    const europe = regionById('europe-west1');
    expect(europe.gCo2PerKwh).toBe(267);
    expect(DEFAULT_PUE).toBe(1.1);
    const r = co2Of(hoursOn(1e18, deviceById('a100'), 0.4), 400, DEFAULT_PUE, europe);
    expect(r.kwh).toBeCloseTo(0.979345, 6);
    expect(r.kgCo2).toBeCloseTo(0.261485, 6);
    // The same energy in Montréal (20 g/kWh): 0.979345 x 20 / 1000 = 0.0195869 kg.
    expect(co2Of(hoursOn(1e18, deviceById('a100'), 0.4), 400, DEFAULT_PUE, regionById('northamerica-northeast1')).kgCo2).toBeCloseTo(0.0195869, 7);
  });

  it('regions: europe-west1 is the paper\u2019s 267 g/kWh; every region has a source; bad inputs are named', () => {
    expect(REGIONS[0]).toMatchObject({ id: 'europe-west1', gCo2PerKwh: PAPER_SETUP.gridGCo2PerKwh });
    for (const r of REGIONS) expect(r.source).toMatch(/^https:\/\//);
    expect(() => regionById('mars-1')).toThrow(/'mars-1' is not a region \(regions: europe-west1, /);
    expect(() => hoursOn(1e18, deviceById('a100'), 0)).toThrow('utilisation must be in (0, 1], got 0');
    expect(() => hoursOn(1e18, deviceById('a100'), 40)).toThrow('utilisation must be in (0, 1], got 40');
    expect(() => co2Of(1, 400, 0.9, REGIONS[0])).toThrow('PUE must be >= 1, got 0.9');
  });

  it('this device: hours come from the measured rate, whatever the utilisation asked for', () => {
    // The default experiment: 3.29e11 FLOPs in 149 s = 2.2081e9 FLOP/s = 0.0022081 TFLOP/s.
    const here = measuredDevice(3.29e11, 149_000, 45);
    expect(here.measured).toBe(true);
    expect(here.peakTflops).toBeCloseTo(0.00220805, 8);
    // 1e15 FLOPs at that rate: 1e15 / 2.20805e9 = 452,889 s = 125.802 h, at 40 % or at 100 % alike.
    expect(hoursOn(1e15, here, 0.4)).toBeCloseTo(125.802, 3);
    expect(hoursOn(1e15, here, 1)).toBe(hoursOn(1e15, here, 0.4));
    // Its own run back: 3.29e11 FLOPs take the measured 149 s = 0.041389 h.
    expect(hoursOn(3.29e11, here, 0.4) * 3600).toBeCloseTo(149, 9);
    // At the stated 45 W and PUE 1: 125.802 h x 45 W = 5.66109 kWh.
    expect(co2Of(hoursOn(1e15, here, 1), here.watts, 1, regionById('europe-west1')).kwh).toBeCloseTo(5.66109, 5);
    expect(() => measuredDevice(3.29e11, 0, 45)).toThrow('a measured rate needs a wall time > 0 ms, got 0');
    expect(() => measuredDevice(0, 1000, 45)).toThrow('a measured rate needs FLOPs > 0, got 0');
  });

  it('this device through the A.1 fit: a run of n steps takes n x a x (FLOPs per step)^b', () => {
    // ms = 0.5 x F^0.5: a 1e10-FLOP step takes 0.5 x 1e5 = 50,000 ms; 100 such steps (1e12 FLOPs) take 5e6 ms = 1.38889 h.
    const fitted = fittedDevice({ a: 0.5, b: 0.5, r2: 0.9, n: 5 }, 45);
    expect(hoursOn(1e12, fitted, 0.4, 100)).toBeCloseTo(5e6 / 3.6e6, 9);
    // The same FLOPs in 4x fewer, 4x bigger steps cost half the time (b = 0.5): launch-bound steps favour big ones.
    expect(hoursOn(1e12, fitted, 0.4, 25)).toBeCloseTo(2.5e6 / 3.6e6, 9);
    expect(fitted.name).toBe('this device, A.1 fit (ms = 0.500 x FLOPs^0.50, R² 0.90)');
    expect(() => hoursOn(1e12, fitted, 0.4)).toThrow("hours from the A.1 fit need the run's steps (> 0), got undefined");
  });
});
