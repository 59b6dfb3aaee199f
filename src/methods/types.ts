/**
 * The Method contract. The training loop knows nothing about any single method:
 * it builds a batch holding what `requires` asks for, calls `loss` inside
 * `variableGrads` over `trainable`, steps the optimiser, then calls `afterStep`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { VitEncoder } from '../models/vit';
import type { VitConfig } from '../models/vit';
import type { Rng } from '../engine/rng';
import type { BatchNeeds } from '../data/methodBatch';

/** What a batch carries; only the fields the method's `requires` names are filled. */
export interface Batch {
  /** [B, H, W, 3] float32, ImageNet-normalised; the un-augmented view. */
  images: tf.Tensor4D;
  /** Augmented views: globals first, then locals (multi-crop). */
  views?: tf.Tensor4D[];
  /** [B, numClasses] target distributions (multi-label targets averaged). */
  targets?: tf.Tensor2D;
  /** [B, maxLen] int32 token ids of the captions (0 = padding). */
  tokens?: tf.Tensor2D;
  /** The same ids on the host, so methods can index by them without a device readback. */
  tokenIds?: Int32Array;
}

/** What the batch must hold (the data layer builds it; src/data/methodBatch.ts). */
export type MethodRequirements = BatchNeeds;

/** Marks the kernels run inside `f` as belonging to a model component. */
export type ScopeFn = <T>(component: string, f: () => T) => T;

export interface MethodContext {
  encoder: VitEncoder;
  model: VitConfig;
  numClasses: number;
  /** Total training steps (for schedules such as EMA momentum). */
  steps: number;
  options: Record<string, unknown>;
  rng: Rng;
  scope: ScopeFn;
}

export interface MethodState {
  /** Student variables only: passed explicitly to `variableGrads`. */
  trainable: tf.Variable[];
  /** Pure: builds the scalar loss from the batch. */
  loss(batch: Batch, step: number): tf.Scalar;
  /** EMA teacher (BYOL, DINO): its variables, aligned with the student variables they follow. */
  teacher?: { variables: tf.Variable[]; student: tf.Variable[] };
  /** Other state a step updates and a checkpoint must keep (DINO's centre), besides trainable and teacher variables. */
  buffers?: tf.Variable[];
  /** Teacher EMA, centre update, clamps. Runs outside the gradient tape. */
  afterStep?(step: number): void;
  /** Images to show while training (MAE: input / masked / reconstruction); the caller owns them. */
  preview?(images: tf.Tensor4D, step: number): { label: string; images: tf.Tensor4D }[];
  /** Scalars to read back at log steps (collapse monitors, temperatures). */
  monitors?(): Record<string, tf.Scalar>;
  dispose(): void;
}

/**
 * A method's implementation; its label, paper and options schema are its
 * catalog entry (src/methods/catalog.ts). Options arrive parsed and complete.
 */
export interface Method<O extends Record<string, unknown> = Record<string, unknown>> {
  /** What the batch must hold; view recipes scale with the model's image size. */
  requires(options: O, model: VitConfig): MethodRequirements;
  init(ctx: MethodContext & { options: O }): MethodState;
}
