/** Plain-JSON records that cross the worker boundary and feed the charts. */
import type { ExperimentConfig } from './config';
import type { BackendInfo } from '../engine/backendIds';

export type Phase = 'forward' | 'backward' | 'optimizer';

/** FLOPs of one training step, counted from the kernels that ran in it. */
export interface StepProfile {
  totalFlops: number;
  byKernel: Record<string, number>;
  byPhase: Record<Phase, number>;
  /** FLOPs by model component (encoder, head, decoder, teacher, text, loss, optimizer). */
  byComponent: Record<string, number>;
  /** Kernels that ran but have no FLOP formula: name -> calls. */
  uncounted: Record<string, number>;
  /** Kernel calls by name (counted and uncounted). */
  calls: Record<string, number>;
  config: ExperimentConfig;
}

export interface TrainRecord {
  step: number;
  loss: number;
  /** Cumulative pre-training FLOPs after this step. */
  flops: number;
  /** Wall-clock ms since the run started (pauses excluded), when this record was complete (its probe included). */
  wallMs: number;
  /** Mean wall ms per step over the last log interval. */
  stepMs: number;
  /** Measured GPU kernel ms of one sampled step, where the adapter has timestamp-query. */
  gpuMs?: number;
  lr: number;
  /** Online probe accuracy (0..1) where evaluated at this step: probeCorrect / probeTotal. */
  probeAccuracy?: number;
  /** 95% Wilson score interval [lo, hi] of probeAccuracy (test-set sampling noise only). */
  probeInterval?: [number, number];
  /** Test images the probe classified correctly, where evaluated. */
  probeCorrect?: number;
  /** Test images the probe classified (config.probe.testSize), where evaluated. */
  probeTotal?: number;
  /** Dense patch probe's patch mIoU (0..1) on held-out ADE-like images, where evaluated and probe.dense is on. */
  patchMiou?: number;
  /**
   * The end-of-run measure, on the run's last record only: a linear probe on the method's readout
   * (class token, or MAE's mean of patch tokens), with its 95 % Wilson interval.
   */
  linearAccuracy?: number;
  linearInterval?: [number, number];
  /** Cumulative evaluation FLOPs (counted separately from pre-training), the step-0 baseline probe included. */
  evalFlops: number;
  /**
   * Cumulative wall ms the training thread spent evaluating (probes, previews, the baseline probe); part
   * of wallMs, so evalMs / wallMs is the probes' share of the run. With probes on a second worker
   * (probe.offThread) it is the weights' hand-over and the previews only.
   */
  evalMs: number;
  /** With probes on a second worker: the cumulative wall ms they took there, beside training (not part of wallMs). */
  probeWorkerMs?: number;
  /** Method-specific monitors (e.g. teacher entropy), read back at log steps. */
  monitors?: Record<string, number>;
  /** Set when the monitors show the representation collapsed at this step: the sign, in a sentence (src/train/collapse.ts). */
  collapse?: string;
  /** Images the method shows (MAE reconstructions), at probe steps. */
  preview?: Preview;
}

/**
 * The random-init baseline: the run's own probe (same sets, same kind, same k)
 * evaluated once before step 0, when the encoder is the seed's random init.
 */
export interface ProbeBaseline {
  step: 0;
  accuracy: number;
  interval: [number, number];
  correct: number;
  total: number;
  /** Dense patch probe's patch mIoU (0..1) of the random-init encoder, where probe.dense is on. */
  patchMiou?: number;
  /**
   * The same probe on the raw pixels (no encoder): what template matching alone scores. A method
   * whose curve stays below this line has not learnt more than the pixels already say.
   */
  rawPixels?: { accuracy: number; interval: [number, number] };
  /** The end-of-run linear probe of the random-init encoder (the baseline of the last record's linearAccuracy). */
  linear?: { accuracy: number; interval: [number, number] };
  /** Evaluation FLOPs of this probe (included in every record's evalFlops). */
  flops: number;
  /** Wall ms of this probe where it ran, building the probe sets included (in every record's evalMs, or probeWorkerMs when it ran on a second worker). */
  ms: number;
}

/** One segmentation fine-tuning run (one seed) of a transfer evaluation. */
export interface FinetuneRun {
  seed: number;
  miou: number;
  pixelAccuracy: number;
  /** IoU per segmentation class (background first), null where the class is absent from truth and prediction. */
  perClassIoU: (number | null)[];
  /** Fine-tuning FLOPs (training steps + validation), counted from the kernels that ran. */
  flops: number;
}

/** A transfer evaluation: segmentation fine-tuning mIoU, median over seeds. */
export interface TransferRecord {
  /** 'pretrained': from this run's encoder at `step`; 'scratch': the random-init baseline (same fine-tuning). */
  init: 'pretrained' | 'scratch';
  /** Pre-training steps done when the encoder was taken (0 for scratch). */
  step: number;
  /** Cumulative pre-training FLOPs at that point: the x of the mIoU point (0 for scratch). */
  pretrainFlops: number;
  /** Median mIoU over the fine-tuning seeds (0..1). */
  miou: number;
  runs: FinetuneRun[];
  /** All fine-tuning FLOPs of this evaluation (every seed), kept apart from pre-training FLOPs. */
  finetuneFlops: number;
}

/** Where a transfer evaluation is, for the progress line. */
export interface TransferProgress {
  init: 'pretrained' | 'scratch';
  step: number;
  seedIndex: number;
  seeds: number;
  fineTuneStep: number;
  fineTuneSteps: number;
}

export interface RunResult {
  config: ExperimentConfig;
  backend: BackendInfo;
  records: TrainRecord[];
  profile: StepProfile;
  /** Segmentation transfer evaluations (empty unless config.transfer.kind is 'segmentation'). */
  transfer: TransferRecord[];
  /** The probe of the random-init encoder before step 0; null when probe.kind is 'none'. */
  baseline: ProbeBaseline | null;
  /** True when stop() ended the run (during pre-training or fine-tuning). */
  stopped: boolean;
  /** Set when the run stopped itself because its loss became NaN, infinite or exploded. */
  diverged?: { step: number; loss: number; reason: string };
  /** Set when this run continued from a checkpoint: the step it resumed at. */
  resumedAt?: number;
  /** Set when the run's last logged step shows its representation collapsed: that step and the sign. */
  collapse?: { step: number; reason: string };
  /** Steps (of this session, when resumed) whose batch was made ahead on the batch worker (engine.batchWorker); absent when none was. */
  batchesMadeAhead?: number;
}

/** One bar of the per-method FLOP comparison (the paper's Figure 3 analogue). */
export interface ComparisonRow {
  /** e.g. 'mae-0.75-tiny' */
  key: string;
  /** The tfjs backend the row was profiled on. */
  backend: string;
  method: string;
  label: string;
  options: Record<string, unknown>;
  totalFlops: number;
  byComponent: Record<string, number>;
  byPhase: Record<Phase, number>;
  /** Measured kernel time of one step by component (tf.profile, after a warm-up step). */
  msByComponent: Record<string, number>;
  /** Sum of measured kernel times of the step. */
  kernelMs: number;
  /** The batch profiled: the config's, or the largest that fit the backend's memory (paper-scale models; src/experiments/paperScale.ts). */
  batchSize?: number;
}

/** Small images a method can show while it trains (MAE: input / masked / reconstruction). */
export interface Preview {
  /** Side of each image in pixels. */
  size: number;
  /** Images per panel. */
  count: number;
  /** Each panel: RGB bytes of `count` images, one after another ([count, size, size, 3]). */
  panels: { label: string; pixels: number[] }[];
}

/** The step by which a run has its first checkpoint, whatever `checkpointEvery` says (unless 0: none). */
const FIRST_CHECKPOINT_BY = 50;

/** The error a run stopped before its first step ends with: nothing was trained, which is not a failure. */
export const STOPPED_BEFORE_FIRST_STEP = 'run stopped before its first step: nothing was trained';

type CheckpointSchedule = Pick<ExperimentConfig, 'checkpointEvery' | 'evalEvery' | 'steps'> & { probe: Pick<ExperimentConfig['probe'], 'kind'> };

/** The step of a run's first checkpoint: at its first probe or by step 50, else at `checkpointEvery`; null when it keeps none. */
export function firstCheckpointStep(config: CheckpointSchedule): number | null {
  if (config.checkpointEvery <= 0) return null;
  return Math.min(config.checkpointEvery, FIRST_CHECKPOINT_BY, config.probe.kind !== 'none' ? config.evalEvery : Infinity);
}

/** The first checkpoint step after `done` steps, or null when none falls before the run ends (or it keeps none). */
export function nextCheckpointStep(config: CheckpointSchedule, done: number): number | null {
  const first = firstCheckpointStep(config);
  if (first === null) return null;
  const next = done < first ? first : (Math.floor(done / config.checkpointEvery) + 1) * config.checkpointEvery;
  return next < config.steps ? next : null;
}
