/**
 * Shared by scripts/parity/export.ts and tests/parity.test.ts: the explicit
 * configs of the five parity runs, and the digests that tie a fixture to the
 * batches, masks and initial weights the lab generates.
 *
 * The configs are spelled out in full (explicit model, every optimiser field,
 * every method option) so that changing a preset or a default does not change
 * what the fixtures describe. The test reads the config back from the fixture,
 * so the two can never disagree.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { MaeState } from '../src/methods/mae/method';
import type { Batch } from '../src/methods/types';
import type { Trainer } from '../src/train/trainer';

export const PARITY_METHODS = ['supervised', 'simclr', 'mae', 'byol', 'dino'] as const;
export type ParityMethod = (typeof PARITY_METHODS)[number];

export const REGENERATE = 'npm run parity';

/**
 * Every option spelled out. Supervised cropScale 0.35 is the crop the lab used before the option
 * existed, so the views are the same whichever version reads the config; SimCLR's temperature is
 * 0.5 (SimCLR's CIFAR value) because at 0.1 with 2B = 8 the toy run is chaotic enough to amplify
 * float32 round-off to 1e-4 within 25 steps, which would force a tolerance too loose to be useful.
 *
 * BYOL and DINO pin every option too (another recipe's defaults must not move these runs). Their
 * EMA momentum is 0.9, not the recipes' 0.99 / 0.95, so that the target / teacher moves visibly
 * within 25 steps and a wrong EMA shows in the loss. DINO's teacher temperature warms up from 0.04
 * to 0.07 over 0.4 x 25 = 10 steps (the default recipe warms from 0.04 to 0.04, a constant, which
 * would leave the schedule untested); 2 local crops of 8 px (half the 16 px image) exercise
 * multi-crop; 64 prototypes and a 16-wide bottleneck keep the CPU run short.
 */
const METHOD_OPTIONS: Record<ParityMethod, Record<string, unknown>> = {
  supervised: { labelSmoothing: 0.1, cropScale: 0.35 },
  simclr: { temperature: 0.5, projLayers: 2, projHiddenMult: 2, projDim: 32 },
  mae: { maskRatio: 0.75, decoder: 'standard', normPixLoss: true },
  byol: { baseMomentum: 0.9, projHiddenMult: 2, projDim: 32, predHiddenMult: 2 },
  dino: {
    localCrops: 2,
    localSize: 8,
    prototypes: 64,
    headHiddenMult: 2,
    bottleneckDim: 16,
    studentTemp: 0.1,
    warmupTeacherTemp: 0.04,
    teacherTemp: 0.07,
    teacherTempWarmup: 0.4,
    baseMomentum: 0.9,
    centerMomentum: 0.9,
  },
};

/**
 * Clip thresholds chosen (from the measured gradient norms) so that some steps
 * are clipped and some are not: both branches of the clip are exercised.
 */
const CLIP_NORM: Record<ParityMethod, number> = { supervised: 9, simclr: 10, mae: 0.8, byol: 3, dino: 20 };

/**
 * 4 images a step, but 16 for BYOL: its projector and predictor batch-normalise each view on its
 * own, and statistics over few samples make the toy run chaotic enough to amplify float32
 * round-off past the tolerance within 25 steps (measured, max relative deviation: 1.4e-3 with 4
 * images; with the uncropped lab-scale views, 2.0e-4 with 8 and 3.4e-6 with 16).
 */
const BATCH_SIZE: Record<ParityMethod, number> = { supervised: 4, simclr: 4, mae: 4, byol: 16, dino: 4 };

/** The ExperimentInput of a parity run (validated by resolveConfig). */
export function parityConfig(method: ParityMethod): Record<string, unknown> {
  return {
    method,
    dataset: { preset: 'imagenet-1k', size: 256 },
    model: { imageSize: 16, patchSize: 4, dim: 32, depth: 2, heads: 2, mlpDim: 64, pool: 'cls' },
    batchSize: BATCH_SIZE[method],
    steps: 25,
    seed: 1234,
    backend: 'cpu',
    optim: { lr: 2e-3, minLr: 1e-5, warmupSteps: 5, weightDecay: 0.05, beta1: 0.9, beta2: 0.95, eps: 1e-8, clipNorm: CLIP_NORM[method] },
    methodOptions: METHOD_OPTIONS[method],
    probe: { kind: 'none' },
  };
}

/** Lab variable name without tfjs's uniqueness suffix: 'encoder.block0.q.w_1f' -> 'encoder.block0.q.w'. */
export const paramName = (v: tf.Variable): string => v.name.replace(/_[0-9a-z]+$/, '');

/** Every variable of the run (trainable, then teacher), by name, in a fixed order. */
export function namedVariables(trainer: Trainer): [string, tf.Variable][] {
  const all = [...trainer.state.trainable, ...(trainer.state.teacher?.variables ?? [])];
  const named = all.map((v) => [paramName(v), v] as [string, tf.Variable]);
  const names = new Set(named.map(([n]) => n));
  if (names.size !== named.length) throw new Error('parity: two variables share a name');
  return named.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function hashTyped(h: ReturnType<typeof createHash>, label: string, shape: readonly number[], data: Float32Array | Int32Array): void {
  h.update(`${label}[${shape.join(',')}]`);
  h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** sha256 (16 hex chars) of the initial weights: names, shapes and float32 bytes. */
export function weightsDigest(trainer: Trainer): string {
  const h = createHash('sha256');
  for (const [name, v] of namedVariables(trainer)) hashTyped(h, name, v.shape, v.dataSync() as Float32Array);
  return h.digest('hex').slice(0, 16);
}

/** The tensors of a batch the method reads, by field name, in a fixed order. */
function batchTensors(batch: Batch): [string, tf.Tensor][] {
  const out: [string, tf.Tensor][] = [['images', batch.images]];
  batch.views?.forEach((v, i) => out.push([`views.${i}`, v]));
  if (batch.targets) out.push(['targets', batch.targets]);
  if (batch.tokens) out.push(['tokens', batch.tokens]);
  return out;
}

export function batchDigest(batch: Batch): string {
  const h = createHash('sha256');
  for (const [name, t] of batchTensors(batch)) hashTyped(h, name, t.shape, t.dataSync() as Float32Array | Int32Array);
  return h.digest('hex').slice(0, 16);
}

/** The MAE mask the method itself draws at `step` (ids_restore and mask, from its own forward). */
export function maeMaskPlan(trainer: Trainer, images: tf.Tensor4D, step: number): { idsRestore: Int32Array; mask: Float32Array; kept: number } {
  let plan: { idsRestore: Int32Array; mask: Float32Array; kept: number } | null = null;
  tf.tidy(() => {
    plan = (trainer.state as MaeState).forward(images, step).plan;
  });
  return plan!;
}

export function maskDigest(plan: { idsRestore: Int32Array; mask: Float32Array }): string {
  const h = createHash('sha256');
  hashTyped(h, 'idsRestore', [plan.idsRestore.length], plan.idsRestore);
  hashTyped(h, 'mask', [plan.mask.length], plan.mask);
  return h.digest('hex').slice(0, 16);
}
