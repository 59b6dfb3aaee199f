/**
 * Online kNN probe on frozen features (DINO's weighted kNN classifier): cosine
 * similarity between L2-normalised test and train features, the k nearest
 * neighbours vote with weight exp(sim / T), T = 0.07. It needs no training, so it
 * is cheap enough to run every `evalEvery` steps as a live proxy for transfer.
 */
import * as tf from '@tensorflow/tfjs';
import { scorePredictions, type ProbeScore } from './interval';

export interface ProbeSet {
  /** [N, H, W, 3] normalised images, kept on the device between evaluations. */
  images: tf.Tensor4D;
  /** Primary class of each image. */
  labels: Int32Array;
}

export type FeatureFn = (images: tf.Tensor4D) => tf.Tensor2D;

/**
 * Rows f(start, size) for chunks of [0, n), concatenated. Each chunk runs in its
 * own tidy, so only one chunk's intermediates (activations) are alive at a time:
 * memory is bounded by `chunk`, not by n; only the returned rows are kept.
 */
export function inChunks(n: number, chunk: number, f: (start: number, size: number) => tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < n; start += chunk) parts.push(tf.tidy(() => f(start, Math.min(chunk, n - start))));
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
  });
}

/** Features of a set in chunks (bounded memory, see inChunks), L2-normalised: [N, D]. */
export function embed(features: FeatureFn, images: tf.Tensor4D, chunk = 64): tf.Tensor2D {
  return tf.tidy(() => {
    const f = inChunks(images.shape[0], chunk, (start, size) => features(tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D));
    return tf.div(f, tf.add(tf.norm(f, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
  });
}

/** Weighted kNN vote from neighbour similarities and labels (pure, testable). */
function knnVote(sims: Float32Array, idx: Int32Array, trainLabels: Int32Array, k: number, numClasses: number, temperature = 0.07): Int32Array {
  const rows = sims.length / k;
  const pred = new Int32Array(rows);
  const votes = new Float64Array(numClasses);
  for (let r = 0; r < rows; r++) {
    votes.fill(0);
    for (let j = 0; j < k; j++) votes[trainLabels[idx[r * k + j]]] += Math.exp(sims[r * k + j] / temperature);
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (votes[c] > votes[best]) best = c;
    pred[r] = best;
  }
  return pred;
}

/** kNN probe: top-1 accuracy on `test` with its counts and 95% Wilson interval. One [Ntest, Ntrain] matmul and a top-k. */
export async function knnProbe(features: FeatureFn, train: ProbeSet, test: ProbeSet, k: number, numClasses: number): Promise<ProbeScore> {
  const ftrain = embed(features, train.images);
  const ftest = embed(features, test.images);
  try {
    return await knnScore(ftrain, ftest, train.labels, test.labels, k, numClasses);
  } finally {
    tf.dispose([ftrain, ftest]);
  }
}

/** The kNN probe on embeddings already made (embed()'s unit rows): a caller that scores them twice embeds once. Does not dispose them. */
export async function knnScore(
  ftrain: tf.Tensor2D,
  ftest: tf.Tensor2D,
  trainLabels: Int32Array,
  testLabels: Int32Array,
  k: number,
  numClasses: number,
): Promise<ProbeScore> {
  const kk = Math.min(k, trainLabels.length);
  const { values, indices } = tf.tidy(() => tf.topk(tf.matMul(ftest, ftrain, false, true), kk));
  try {
    const [sims, idx] = await Promise.all([values.data(), indices.data()]);
    return scorePredictions(knnVote(sims as Float32Array, idx as Int32Array, trainLabels, kk, numClasses), testLabels);
  } finally {
    values.dispose();
    indices.dispose();
  }
}
