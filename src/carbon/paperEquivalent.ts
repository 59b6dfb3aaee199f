/**
 * Two carbon readouts beside the reference-device estimate (src/carbon/co2.ts):
 *
 * - Paper-equivalent (A.1): the paper turns FLOPs into hours on 32 TPUv3 chips,
 *   then uses the ML CO2 Impact calculator for one TPUv3 chip in europe-west1
 *   and scales by 32. The calculator computes kWh = chip watts x hours / 1000
 *   (no PUE) and kg CO2 = kWh x the region's kg/kWh. The paper turned FLOPs into
 *   hours with a power law fitted on its own TPU step times, which it does not
 *   publish; here hours come from the chip's peak and an assumed utilisation
 *   (stated, editable in code, and the one number not taken from a source).
 * - This tab: the run's measured wall time x the power this machine draws
 *   (`carbon.localWatts`, stated by the person) x PUE 1, at the configured grid.
 *
 * Sources (docs/carbon.md): TPUv3 peak 123 TFLOP/s bf16 per chip (Cloud TPU v3
 * documentation); TPUv3 chip 283 W and europe-west1 267 g CO2/kWh (ML CO2 Impact
 * calculator data, mlco2/impact data/gpus.csv and data/impact.csv).
 */
export const PAPER_SETUP = {
  chips: 32,
  peakTflopsPerChip: 123,
  /** Assumed model-FLOP utilisation of the TPUs (not given in the paper). */
  utilization: 0.4,
  wattsPerChip: 283,
  gridGCo2PerKwh: 267,
  region: 'europe-west1',
} as const;

export interface Readout {
  hours: number;
  kwh: number;
  kgCo2: number;
}

/** What the paper would report for `flops` of pre-training (32 TPUv3, europe-west1, ML CO2 Impact). */
export function paperEquivalent(flops: number, setup: typeof PAPER_SETUP = PAPER_SETUP): Readout {
  const seconds = flops / (setup.chips * setup.peakTflopsPerChip * 1e12 * setup.utilization);
  const hours = seconds / 3600;
  const kwh = (setup.chips * setup.wattsPerChip * hours) / 1000;
  return { hours, kwh, kgCo2: (kwh * setup.gridGCo2PerKwh) / 1000 };
}

/** This tab's run: measured wall ms at the stated power of this machine, at `gridGCo2PerKwh`. */
export function thisTab(wallMs: number, watts: number, gridGCo2PerKwh: number): Readout {
  const hours = wallMs / 3.6e6;
  const kwh = (watts * hours) / 1000;
  return { hours, kwh, kgCo2: (kwh * gridGCo2PerKwh) / 1000 };
}
