/**
 * Linear probe on frozen features: multinomial logistic regression on the
 * L2-normalised features of a labelled set (embed() from knn.ts), trained
 * full-batch with AdamW for a fixed number of steps from zero weights (the
 * problem is convex, so no random init is needed and the result is
 * deterministic), then top-1 accuracy on the test set. Cheaper than fine-tuning,
 * dearer than kNN; like kNN it measures what the frozen encoder already
 * separates linearly. Its kernels are counted wherever a FlopCounter records
 * (the trainer's probe counts them as evaluation FLOPs).
 */
import * as tf from '@tensorflow/tfjs';
import { oneHotRows } from '../engine/oneHot';
import { embed, type FeatureFn, type ProbeSet } from './knn';
import { scorePredictions, type ProbeScore } from './interval';
import { softmaxRegressionPredict } from './softmaxRegression';

export interface LinearProbeOptions {
  /** Full-batch optimisation steps. */
  steps: number;
  /** AdamW learning rate (features are unit-norm, so logits start small). */
  lr: number;
  /** Decoupled weight decay on the weight matrix (not the bias). */
  weightDecay: number;
}

const LINEAR_PROBE_DEFAULTS: Readonly<LinearProbeOptions> = Object.freeze({ steps: 100, lr: 0.05, weightDecay: 1e-4 });

function checkLabels(name: string, labels: Int32Array, n: number, numClasses: number): void {
  if (labels.length !== n) throw new Error(`linearProbe: ${name} has ${n} images but ${labels.length} labels`);
  labels.forEach((l, i) => {
    if (!(l >= 0 && l < numClasses)) throw new Error(`linearProbe: ${name}.labels[${i}] = ${l} is not a class in 0..${numClasses - 1}`);
  });
}

/** Trains the probe on `train` features and scores it on `test`. */
export async function linearProbe(
  features: FeatureFn,
  train: ProbeSet,
  test: ProbeSet,
  numClasses: number,
  opts: Partial<LinearProbeOptions> = {},
): Promise<ProbeScore> {
  const ftrain = embed(features, train.images);
  const ftest = embed(features, test.images);
  try {
    return await linearScore(ftrain, ftest, train.labels, test.labels, numClasses, opts);
  } finally {
    tf.dispose([ftrain, ftest]);
  }
}

/** The linear probe on embeddings already made (embed()'s unit rows), as knnScore. Does not dispose them. */
export async function linearScore(
  ftrain: tf.Tensor2D,
  ftest: tf.Tensor2D,
  trainLabels: Int32Array,
  testLabels: Int32Array,
  numClasses: number,
  opts: Partial<LinearProbeOptions> = {},
): Promise<ProbeScore> {
  const o = { ...LINEAR_PROBE_DEFAULTS, ...opts };
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`linearProbe: numClasses must be an integer >= 2, got ${numClasses}`);
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new Error(`linearProbe: steps must be a positive integer, got ${o.steps}`);
  if (!(o.lr > 0)) throw new Error(`linearProbe: lr must be > 0, got ${o.lr}`);
  if (!(o.weightDecay >= 0)) throw new Error(`linearProbe: weightDecay must be >= 0, got ${o.weightDecay}`);
  checkLabels('train', trainLabels, ftrain.shape[0], numClasses);
  checkLabels('test', testLabels, ftest.shape[0], numClasses);
  const targets = tf.tensor2d(oneHotRows(trainLabels, numClasses), [trainLabels.length, numClasses]);
  try {
    const values = await softmaxRegressionPredict(ftrain, targets, trainLabels.length, ftest, o);
    return scorePredictions(values, testLabels);
  } finally {
    targets.dispose();
  }
}
