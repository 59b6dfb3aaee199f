/**
 * Dense per-patch linear probe: the cheap proxy for segmentation fine-tuning.
 * The encoder is FROZEN; its final-layer patch tokens (encoder.tokens without
 * the class token, as the A.4 head sees them) are standardised with the train
 * split's per-dimension mean and std, and a softmax regression (one [D, K]
 * matrix and a bias, from zeros: the problem is convex, so the result is
 * deterministic) is trained full-batch with AdamW to predict each patch's
 * majority class in the ADE-like masks. It is scored on a held-out split as
 * patch mIoU, with src/transfer/miou.ts's convention (one confusion matrix over
 * all held-out patches; classes absent from truth and prediction left out).
 *
 * What it measures: whether the frozen tokens already separate the classes
 * linearly at patch level. Unlike fine-tuning it trains no encoder weight, runs
 * the encoder once per image and costs a few seconds at the default sizes.
 * Its kernels (encoder forwards, the regression's forward, backward and AdamW,
 * the test predictions) are counted wherever a FlopCounter records: call it
 * inside counter.begin('eval') and they are evaluation FLOPs.
 *
 * Imports src/transfer (the ADE-like set, mIoU, patchTokens): eval and transfer
 * are siblings under train/, and transfer imports nothing from eval.
 */
import * as tf from '@tensorflow/tfjs';
import { oneHotRows } from '../engine/oneHot';
import type { VitEncoder } from '../models/vit';
import { adeSplit, IGNORE_INDEX, NUM_SEG_CLASSES } from '../transfer/ade';
import { confusionMatrix, miouFromConfusion } from '../transfer/miou';
import { patchTokens } from '../transfer/segHead';
import { inChunks } from './knn';
import { softmaxRegressionPredict } from './softmaxRegression';

/** Images and their per-patch labels (majority class; IGNORE_INDEX where every pixel is ignored). */
interface PatchSet {
  size: number;
  imageSize: number;
  patchSize: number;
  /** [N, S, S, 3] normalised images. */
  images: Float32Array;
  /** [N * g * g] label per patch, patches row-major within an image, g = S / patchSize. */
  labels: Uint8Array;
}

export interface PatchSets {
  train: PatchSet;
  test: PatchSet;
  numClasses: number;
}

export interface DensePatchProbeOptions {
  /** Full-batch AdamW steps. */
  steps: number;
  /** AdamW learning rate (features are standardised, so logits start small). */
  lr: number;
  /** Decoupled weight decay on the weight matrix (not the bias). */
  weightDecay: number;
  /** Images per encoder forward when extracting features (bounds memory, not the result). */
  chunk: number;
}

const DENSE_PROBE_DEFAULTS: Readonly<DensePatchProbeOptions> = Object.freeze({ steps: 200, lr: 0.05, weightDecay: 1e-4, chunk: 64 });

export interface DensePatchProbeResult {
  /** Patch mIoU on the test split, in [0, 1]. */
  miou: number;
  /** IoU per class over test patches; null where the class is absent from truth and prediction. */
  perClassIoU: (number | null)[];
  /** Correct test patches over labelled test patches. */
  patchAccuracy: number;
  /** Labelled train and test patches used. */
  trainPatches: number;
  testPatches: number;
}

/**
 * Majority class of every p x p patch of `n` masks of side `imageSize`:
 * [n * g * g], patches row-major per image. Pixels equal to `ignoreIndex` do not
 * vote; a patch with no labelled pixel gets `ignoreIndex`. Ties go to the lowest
 * class index (deterministic; in practice background, class 0, wins a tie).
 */
export function majorityPatchLabels(
  masks: ArrayLike<number>,
  n: number,
  imageSize: number,
  patchSize: number,
  numClasses: number,
  ignoreIndex = IGNORE_INDEX,
): Uint8Array {
  if (!Number.isInteger(patchSize) || patchSize < 1 || imageSize % patchSize !== 0)
    throw new Error(`majorityPatchLabels: patchSize ${patchSize} must divide imageSize ${imageSize}`);
  if (masks.length !== n * imageSize * imageSize)
    throw new Error(`majorityPatchLabels: ${masks.length} mask pixels, expected ${n} x ${imageSize} x ${imageSize}`);
  const g = imageSize / patchSize;
  const out = new Uint8Array(n * g * g);
  const votes = new Int32Array(numClasses);
  for (let i = 0; i < n; i++)
    for (let py = 0; py < g; py++)
      for (let px = 0; px < g; px++) {
        votes.fill(0);
        let labelled = 0;
        for (let y = py * patchSize; y < (py + 1) * patchSize; y++)
          for (let x = px * patchSize; x < (px + 1) * patchSize; x++) {
            const m = masks[(i * imageSize + y) * imageSize + x];
            if (m === ignoreIndex) continue;
            if (!(Number.isInteger(m) && m >= 0 && m < numClasses))
              throw new Error(`majorityPatchLabels: mask value ${m} is not a class in 0..${numClasses - 1} nor ignoreIndex ${ignoreIndex}`);
            votes[m]++;
            labelled++;
          }
        let best = 0;
        for (let c = 1; c < numClasses; c++) if (votes[c] > votes[best]) best = c;
        out[(i * g + py) * g + px] = labelled === 0 ? ignoreIndex : best;
      }
  return out;
}

/**
 * The probe's sets from the ADE-like source: its train split (first `trainSize`
 * scenes) to fit on and its validation split (first `testSize`) to score on,
 * at `imageSize`, labelled per `patchSize` patch by majority class.
 */
export function densePatchSets(seed: number, imageSize: number, patchSize: number, trainSize = 256, testSize = 128): PatchSets {
  const make = (split: 'train' | 'val', size: number): PatchSet => {
    const s = adeSplit(seed, split, size, imageSize);
    return { size, imageSize, patchSize, images: s.images, labels: majorityPatchLabels(s.masks, size, imageSize, patchSize, NUM_SEG_CLASSES) };
  };
  return { train: make('train', trainSize), test: make('val', testSize), numClasses: NUM_SEG_CLASSES };
}

function checkOptions(o: DensePatchProbeOptions): void {
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new Error(`densePatchProbe: steps must be a positive integer, got ${o.steps}`);
  if (!(o.lr > 0)) throw new Error(`densePatchProbe: lr must be > 0, got ${o.lr}`);
  if (!(o.weightDecay >= 0)) throw new Error(`densePatchProbe: weightDecay must be >= 0, got ${o.weightDecay}`);
  if (!Number.isInteger(o.chunk) || o.chunk < 1) throw new Error(`densePatchProbe: chunk must be a positive integer, got ${o.chunk}`);
}

/** Labels as int32 with ignored patches as -1 (a zero one-hot row), and the labelled count. */
function targetsOf(labels: Uint8Array, numClasses: number, ignoreIndex: number): { rows: Float32Array; labelled: number } {
  let labelled = 0;
  const ints = Int32Array.from(labels, (l) => {
    if (l === ignoreIndex) return -1;
    labelled++;
    return l;
  });
  return { rows: oneHotRows(ints, numClasses), labelled };
}

/**
 * Softmax regression on given per-patch features: train [P, D] with labels [P],
 * scored on test [Q, D] with labels [Q] (IGNORE_INDEX rows skipped in both).
 * Does not dispose its inputs.
 */
export async function patchProbeOnFeatures(
  trainX: tf.Tensor2D,
  trainLabels: Uint8Array,
  testX: tf.Tensor2D,
  testLabels: Uint8Array,
  numClasses: number,
  opts: Partial<DensePatchProbeOptions> = {},
): Promise<DensePatchProbeResult> {
  const o = { ...DENSE_PROBE_DEFAULTS, ...opts };
  checkOptions(o);
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`densePatchProbe: numClasses must be an integer >= 2, got ${numClasses}`);
  if (trainX.shape[0] !== trainLabels.length) throw new Error(`densePatchProbe: ${trainX.shape[0]} train patches but ${trainLabels.length} labels`);
  if (testX.shape[0] !== testLabels.length) throw new Error(`densePatchProbe: ${testX.shape[0]} test patches but ${testLabels.length} labels`);
  if (trainX.shape[1] !== testX.shape[1]) throw new Error(`densePatchProbe: train features are ${trainX.shape[1]}-d but test features ${testX.shape[1]}-d`);
  const { rows, labelled } = targetsOf(trainLabels, numClasses, IGNORE_INDEX);
  if (labelled === 0) throw new Error('densePatchProbe: no labelled train patch');

  // Standardise with the train split's statistics (test uses the same ones).
  const [xTrain, xTest] = tf.tidy((): [tf.Tensor2D, tf.Tensor2D] => {
    const { mean, variance } = tf.moments(trainX, 0);
    const inv = tf.div(1, tf.sqrt(tf.add(variance, 1e-6)));
    return [tf.mul(tf.sub(trainX, mean), inv), tf.mul(tf.sub(testX, mean), inv)];
  });
  const targets = tf.tensor2d(rows, [trainLabels.length, numClasses]);
  try {
    // Mean over labelled patches; ignored ones have zero target rows.
    const values = await softmaxRegressionPredict(xTrain, targets, labelled, xTest, o);
    const cm = confusionMatrix(values, testLabels, numClasses, IGNORE_INDEX);
    const scores = miouFromConfusion(cm);
    let testPatches = 0;
    for (const l of testLabels) if (l !== IGNORE_INDEX) testPatches++;
    return { miou: scores.miou, perClassIoU: scores.perClass, patchAccuracy: scores.pixelAccuracy, trainPatches: labelled, testPatches };
  } finally {
    tf.dispose([targets, xTrain, xTest]);
  }
}

/** Frozen patch tokens of a set, [N * g * g, D], in chunks (only one chunk's activations alive at a time). */
function patchFeatures(encoder: VitEncoder, set: PatchSet, chunk = DENSE_PROBE_DEFAULTS.chunk): tf.Tensor2D {
  const s = set.imageSize;
  if (encoder.cfg.imageSize !== s || encoder.cfg.patchSize !== set.patchSize)
    throw new Error(
      `densePatchProbe: the encoder takes ${encoder.cfg.imageSize}px images in ${encoder.cfg.patchSize}px patches but the set has ${s}px images in ${set.patchSize}px patches`,
    );
  return inChunks(set.size, chunk, (start, n) => {
    const x = tf.tensor4d(set.images.subarray(start * s * s * 3, (start + n) * s * s * 3), [n, s, s, 3]);
    const tokens = patchTokens(encoder, x);
    return tf.reshape(tokens, [-1, tokens.shape[2]]) as tf.Tensor2D;
  });
}

/**
 * Dense probe of a frozen encoder: patch features of both sets, softmax
 * regression on the train patches, patch mIoU on the test patches.
 * Leaves the encoder untouched and leaks no tensor.
 */
export async function densePatchProbe(encoder: VitEncoder, sets: PatchSets, opts: Partial<DensePatchProbeOptions> = {}): Promise<DensePatchProbeResult> {
  const o = { ...DENSE_PROBE_DEFAULTS, ...opts };
  checkOptions(o);
  const trainX = patchFeatures(encoder, sets.train, o.chunk);
  try {
    const testX = patchFeatures(encoder, sets.test, o.chunk);
    try {
      return await patchProbeOnFeatures(trainX, sets.train.labels, testX, sets.test.labels, sets.numClasses, o);
    } finally {
      testX.dispose();
    }
  } finally {
    trainX.dispose();
  }
}
