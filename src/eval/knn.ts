/**
 * Online kNN probe on frozen features (DINO's weighted kNN classifier): cosine
 * similarity between L2-normalised test and train features, the k nearest
 * neighbours vote with weight exp(sim / T), T = 0.07. It needs no training, so it
 * is cheap enough to run every `evalEvery` steps as a live proxy for transfer.
 */
import * as tf from '@tensorflow/tfjs';

export interface ProbeSet {
  /** [N, H, W, 3] normalised images, kept on the device between evaluations. */
  images: tf.Tensor4D;
  /** Primary class of each image. */
  labels: Int32Array;
}

export type FeatureFn = (images: tf.Tensor4D) => tf.Tensor2D;

/** Features of a set in chunks (bounded memory), L2-normalised: [N, D]. */
export function embed(features: FeatureFn, images: tf.Tensor4D, chunk = 64): tf.Tensor2D {
  return tf.tidy(() => {
    const n = images.shape[0];
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const x = tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1]);
      parts.push(features(x as tf.Tensor4D));
    }
    const f = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
    return tf.div(f, tf.add(tf.norm(f, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
  });
}

/** Weighted kNN vote from neighbour similarities and labels (pure, testable). */
export function knnVote(sims: Float32Array, idx: Int32Array, trainLabels: Int32Array, k: number, numClasses: number, temperature = 0.07): Int32Array {
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

export async function knnAccuracy(features: FeatureFn, train: ProbeSet, test: ProbeSet, k: number, numClasses: number): Promise<number> {
  const kk = Math.min(k, train.labels.length);
  const { values, indices } = tf.tidy(() => {
    const ftrain = embed(features, train.images);
    const ftest = embed(features, test.images);
    const sims = tf.matMul(ftest, ftrain, false, true);
    return tf.topk(sims, kk);
  });
  try {
    const [sims, idx] = await Promise.all([values.data(), indices.data()]);
    const pred = knnVote(sims as Float32Array, idx as Int32Array, train.labels, kk, numClasses);
    let correct = 0;
    pred.forEach((p, i) => (correct += p === test.labels[i] ? 1 : 0));
    return correct / pred.length;
  } finally {
    values.dispose();
    indices.dispose();
  }
}
