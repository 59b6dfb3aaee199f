/**
 * First carbon model: FLOPs -> seconds on a stated reference device (peak FLOP/s
 * times a sustained utilisation) -> kWh (board power times PUE) -> kg CO2 (grid
 * intensity). Every parameter is visible and editable in the UI and config.
 * The paper (A.1) does the same chain with 32 TPUv3 chips in europe-west1.
 */
export interface CarbonParams {
  deviceName: string;
  peakTflops: number;
  utilization: number;
  watts: number;
  pue: number;
  gridGCo2PerKwh: number;
}

export interface CarbonEstimate {
  hours: number;
  kwh: number;
  kgCo2: number;
}

export function estimateCarbon(flops: number, p: CarbonParams): CarbonEstimate {
  const seconds = flops / (p.peakTflops * 1e12 * p.utilization);
  const hours = seconds / 3600;
  const kwh = (p.watts / 1000) * hours * p.pue;
  return { hours, kwh, kgCo2: (kwh * p.gridGCo2PerKwh) / 1000 };
}
