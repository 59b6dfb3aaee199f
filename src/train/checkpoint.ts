/**
 * Checkpoints: everything a run needs to continue exactly as if it had not
 * stopped. The trainer's part is every variable (encoder, heads, teacher,
 * buffers such as DINO's centre) and AdamW's moments and step count; the run's
 * part is what it has logged so far and its counters. No RNG state is needed:
 * every random stream is split from (seed, step), so step k's batch, views and
 * masks are the same whether or not the run was interrupted before it.
 * Plain typed arrays: structured-cloneable to the page and into IndexedDB.
 */
import type { ProbeBaseline, StepProfile, TrainRecord, TransferRecord } from './records';
import type { ExperimentConfig } from './config';

export interface TensorData {
  shape: number[];
  data: Float32Array;
}

export interface TrainerCheckpoint {
  /** Steps completed: training continues with this step. */
  step: number;
  /** The trainer's variables in its fixed order (encoder, trainable, teacher, buffers). */
  variables: TensorData[];
  optimizer: { t: number; m: TensorData[]; v: TensorData[] };
}

export interface RunCheckpoint {
  format: 'floplab-checkpoint';
  version: 1;
  /** The run's resolved config: a resume must use exactly this one (the backend may differ). */
  config: ExperimentConfig;
  trainer: TrainerCheckpoint;
  records: TrainRecord[];
  baseline: ProbeBaseline | null;
  profile: StepProfile | null;
  transfer: TransferRecord[];
  /** Pre-training FLOPs so far, evaluation FLOPs and ms so far, and active (unpaused) wall ms so far. */
  flops: number;
  evalFlops: number;
  evalMs: number;
  /** Probe ms on a second worker so far (absent when the probes ran in the training thread). */
  probeWorkerMs?: number;
  wallMs: number;
}

/** The same run, whatever the backend and wherever it probes or makes batches: configs compared without `backend`, `probe.offThread` and `engine.batchWorker`. */
export function sameRun(a: ExperimentConfig, b: ExperimentConfig): boolean {
  const strip = (c: ExperimentConfig) =>
    JSON.stringify({ ...c, backend: undefined, probe: { ...c.probe, offThread: undefined }, engine: { ...c.engine, batchWorker: undefined } });
  return strip(a) === strip(b);
}
