/**
 * Named devices and grid regions, for turning a sweep's FLOPs into hours on a
 * device and kg CO2 in a region (the paper's Figure 1 x axes):
 *
 *   hours  = FLOPs / (peak TFLOP/s x 1e12 x utilisation) / 3600
 *   kWh    = board W x hours / 1000 x PUE
 *   kg CO2 = kWh x grid g CO2/kWh / 1000
 *
 * Every value carries its source (docs/carbon.md, "Devices and regions").
 * Peaks are dense (no 2:4 sparsity) at the precision a training job would use
 * on that device; the precision is stated per device, because it changes the
 * peak several-fold. "This device" is not assumed: it is built from the rate
 * the lab measured (FLOPs / wall time of finished runs), so its hours are the
 * measured ones.
 */
import { PAPER_SETUP } from './paperEquivalent';
import { predictMs, type PowerLawFit } from './timeModel';

export interface Device {
  id: string;
  name: string;
  /** Peak dense TFLOP/s at `precision`; for a measured device, the measured sustained rate. */
  peakTflops: number;
  precision: string;
  /** Board power (W): the vendor's maximum board power, or for the TPU its measured average draw. */
  watts: number;
  source: string;
  /** A rate measured on this machine is already what it sustains: no utilisation applies to it. */
  measured?: boolean;
  /** The paper's A.1 time model fitted here (step ms = a x step FLOPs^b): a run's hours follow from its steps. */
  stepFit?: PowerLawFit;
}

export const DEVICES: readonly Device[] = [
  {
    id: 'tpuv3',
    name: 'TPUv3 chip',
    peakTflops: PAPER_SETUP.peakTflopsPerChip,
    precision: 'bf16',
    watts: PAPER_SETUP.wattsPerChip,
    source:
      'https://cloud.google.com/tpu/docs/v3 (peak per chip); https://github.com/mlco2/impact/blob/master/data/gpus.csv (283 W average draw, Patterson et al. 2021)',
  },
  {
    id: 'v100',
    name: 'NVIDIA V100 SXM2',
    peakTflops: 125,
    precision: 'fp16 tensor core',
    watts: 300,
    source: 'https://images.nvidia.com/content/technologies/volta/pdf/volta-v100-datasheet-update-us-1165301-r5.pdf',
  },
  {
    id: 'a100',
    name: 'NVIDIA A100 SXM4',
    peakTflops: 312,
    precision: 'bf16 tensor core',
    watts: 400,
    source: 'https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf',
  },
  {
    id: 'h100',
    name: 'NVIDIA H100 SXM5',
    // The datasheet's 1,979 TFLOP/s is "with sparsity"; dense is half of it.
    peakTflops: 989,
    precision: 'bf16 tensor core',
    watts: 700,
    source: 'https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet',
  },
  {
    id: 'rtx3060-laptop',
    name: 'NVIDIA RTX 3060 Laptop GPU',
    // 2 FLOPs per FMA x 3,840 CUDA cores x 1.703 GHz, the top boost clock (the 115 W variant).
    peakTflops: 13.08,
    precision: 'fp32 (what the lab\u2019s WebGPU kernels run)',
    watts: 115,
    source:
      'https://www.tomshardware.com/news/look-closely-before-you-buy-a-geforce-rtx-3000-laptop (Nvidia\u2019s RTX 3060 Laptop variants: 3,840 cores, 60-115 W, boost clock rising with power to 1,703 MHz)',
  },
];

export interface Region {
  id: string;
  name: string;
  gCo2PerKwh: number;
  source: string;
}

const MLCO2 = 'https://github.com/mlco2/impact/blob/master/data/impact.csv';

/** Google Cloud regions in the ML CO2 Impact calculator's data (the paper's carbon source). */
export const REGIONS: readonly Region[] = [
  { id: 'europe-west1', name: 'europe-west1 (Belgium)', gCo2PerKwh: PAPER_SETUP.gridGCo2PerKwh, source: MLCO2 },
  { id: 'europe-north1', name: 'europe-north1 (Finland)', gCo2PerKwh: 211, source: MLCO2 },
  { id: 'northamerica-northeast1', name: 'northamerica-northeast1 (Montréal)', gCo2PerKwh: 20, source: MLCO2 },
  { id: 'us-west1', name: 'us-west1 (Oregon)', gCo2PerKwh: 297.6, source: MLCO2 },
  { id: 'us-central1', name: 'us-central1 (Iowa)', gCo2PerKwh: 566.3, source: MLCO2 },
  { id: 'asia-east1', name: 'asia-east1 (Taiwan)', gCo2PerKwh: 557, source: MLCO2 },
  { id: 'asia-south1', name: 'asia-south1 (Mumbai)', gCo2PerKwh: 920, source: MLCO2 },
];

/** Google's published fleet-wide PUE (Q2 2021, https://www.google.com/about/datacenters/efficiency/); the Uptime Institute's 2021 survey average for large data centres is 1.57. */
export const DEFAULT_PUE = 1.1;
/** The sustained fraction of peak assumed for a named device (the paper-equivalent readout assumes the same). */
export const DEFAULT_UTILISATION = PAPER_SETUP.utilization;
export const DEFAULT_DEVICE_ID = 'a100';
export const DEFAULT_REGION_ID = PAPER_SETUP.region;

/** The device called `id`; throws listing the devices for an unknown one. */
export function deviceById(id: string): Device {
  const d = DEVICES.find((x) => x.id === id);
  if (!d) throw new Error(`'${id}' is not a device (devices: ${DEVICES.map((x) => x.id).join(', ')})`);
  return d;
}

/** The region called `id`; throws listing the regions for an unknown one. */
export function regionById(id: string): Region {
  const r = REGIONS.find((x) => x.id === id);
  if (!r) throw new Error(`'${id}' is not a region (regions: ${REGIONS.map((x) => x.id).join(', ')})`);
  return r;
}

/**
 * "This device": the rate measured here, `flops` spent in `ms` of wall time,
 * drawing `watts` (stated by the person; the page cannot measure power).
 */
export function measuredDevice(flops: number, ms: number, watts: number, where = 'this device'): Device {
  if (!(flops > 0) || !Number.isFinite(flops)) throw new Error(`a measured rate needs FLOPs > 0, got ${flops}`);
  if (!(ms > 0) || !Number.isFinite(ms)) throw new Error(`a measured rate needs a wall time > 0 ms, got ${ms}`);
  if (!(watts > 0)) throw new Error(`this device's power must be > 0 W, got ${watts}`);
  return {
    id: 'this-device',
    name: where,
    peakTflops: flops / (ms / 1000) / 1e12,
    precision: 'as run here (fp32)',
    watts,
    source: `measured in this tab: ${flops.toExponential(3)} FLOPs in ${(ms / 1000).toFixed(1)} s of wall time`,
    measured: true,
  };
}

/**
 * "This device" through the paper's A.1 approach: step time against step FLOPs measured across methods here
 * (the method comparison) and fitted as a power law. A run of `steps` steps spending `flops` then takes
 * steps x a x (flops / steps)^b ms: launch-bound small steps cost more per FLOP than the rate of big ones.
 */
export function fittedDevice(fit: PowerLawFit, watts: number): Device {
  if (!(watts > 0)) throw new Error(`this device's power must be > 0 W, got ${watts}`);
  return {
    id: 'this-device-fit',
    name: `this device, A.1 fit (ms = ${fit.a.toPrecision(3)} x FLOPs^${fit.b.toFixed(2)}, R² ${fit.r2.toFixed(2)})`,
    peakTflops: Number.NaN,
    precision: 'as run here (fp32)',
    watts,
    source: `fitted in this tab on ${fit.n} profiled steps (the method comparison's kernel times)`,
    measured: true,
    stepFit: fit,
  };
}

/**
 * Hours to spend `flops` on `device` at `utilisation` of its peak (a measured device runs at its measured rate;
 * a fitted one needs the run's `steps`).
 */
export function hoursOn(flops: number, device: Device, utilisation: number, steps?: number): number {
  if (!(utilisation > 0 && utilisation <= 1)) throw new Error(`utilisation must be in (0, 1], got ${utilisation}`);
  if (!(flops >= 0)) throw new Error(`FLOPs must be >= 0, got ${flops}`);
  if (device.stepFit) {
    if (!(steps !== undefined && steps > 0)) throw new Error(`hours from the A.1 fit need the run's steps (> 0), got ${steps}`);
    return (steps * predictMs(device.stepFit, flops / steps)) / 3.6e6;
  }
  const sustained = device.peakTflops * 1e12 * (device.measured ? 1 : utilisation);
  return flops / sustained / 3600;
}

/** Energy and CO2 of `hours` at `watts` board power, in a data centre of `pue`, on `region`'s grid. */
export function co2Of(hours: number, watts: number, pue: number, region: Region): { kwh: number; kgCo2: number } {
  if (!(pue >= 1)) throw new Error(`PUE must be >= 1, got ${pue}`);
  const kwh = ((watts * hours) / 1000) * pue;
  return { kwh, kgCo2: (kwh * region.gCo2PerKwh) / 1000 };
}
