/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR
 * (Chen et al. 2020, eq. 1; google-research/simclr `objective.py`
 * `add_contrastive_loss` with `hidden_norm=True`).
 *
 * z1, z2: [N, D] projections of the two views of the same N images (row i of
 * z1 and row i of z2 are a positive pair). Both are l2-normalised
 * (x * rsqrt(max(sum x^2, 1e-12)), like tf.math.l2_normalize), stacked into
 * 2N samples, and for each anchor i the loss is
 *     -log( exp(s_ij / t) / sum_{k != i} exp(s_ik / t) ),   j = positive of i,
 * with s the cosine similarity. Self-similarity is excluded exactly as in the
 * official code: 1e9 is subtracted on the diagonal of the logits, so its
 * softmax weight is exactly 0. Returns a scalar: the mean over the 2N anchors.
 *
 * Scale note: the official TF code returns reduce_mean(loss_a + loss_b) over
 * the N rows, i.e. the SUM of the two directions = exactly 2x this value. We
 * keep the paper's 1/(2N) average; the factor only rescales gradients (Adam is
 * nearly invariant to it; global-norm clipping is not). The test checks both.
 */
import * as tf from '@tensorflow/tfjs';
import { useFused } from '../../engine/fused/enabled';
import { fusedSoftmaxCrossEntropy } from '../../engine/fused/webgpu/crossEntropy';

const LARGE_NUM = 1e9;

function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  const sq = tf.sum(tf.square(x), -1, true);
  return tf.mul(x, tf.rsqrt(tf.maximum(sq, 1e-12))) as tf.Tensor2D;
}

export function ntXentLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Scalar {
  if (z1.shape[0] !== z2.shape[0] || z1.shape[1] !== z2.shape[1]) {
    throw new Error(`ntXentLoss: z1 ${z1.shape} vs z2 ${z2.shape}`);
  }
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  const n = z1.shape[0];
  const n2 = 2 * n;
  // Constants built in JS: LARGE_NUM on the diagonal, one-hot positives.
  const selfMask = new Float32Array(n2 * n2);
  const positives = new Float32Array(n2 * n2);
  for (let i = 0; i < n2; i++) {
    selfMask[i * n2 + i] = LARGE_NUM;
    positives[i * n2 + ((i + n) % n2)] = 1;
  }
  const fused = useFused('crossEntropy');
  if (fused) {
    // The fused kernel divides by the temperature itself: the mask is pre-multiplied by it.
    for (let i = 0; i < n2; i++) selfMask[i * n2 + i] = LARGE_NUM * temperature;
  }
  return tf.tidy(() => {
    const z = tf.concat([l2Normalize(z1), l2Normalize(z2)], 0); // [2N, D]
    if (fused) {
      // (z z^T - 1e9 t I) / t in the kernel: one kernel for logits / t, log-softmax, pick, mean.
      const masked = tf.sub(tf.matMul(z, z, false, true), tf.tensor2d(selfMask, [n2, n2])) as tf.Tensor2D;
      return fusedSoftmaxCrossEntropy(masked, tf.tensor2d(positives, [n2, n2]), { inScale: 1 / temperature, scale: 1 / n2 });
    }
    const sim = tf.div(tf.matMul(z, z, false, true), temperature); // [2N, 2N]
    const logits = tf.sub(sim, tf.tensor2d(selfMask, [n2, n2]));
    const logp = tf.logSoftmax(logits, -1);
    const picked = tf.sum(tf.mul(logp, tf.tensor2d(positives, [n2, n2])));
    return tf.div(tf.neg(picked), n2) as tf.Scalar;
  });
}
