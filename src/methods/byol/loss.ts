/**
 * BYOL regression loss (Grill et al. 2020; deepmind-research `byol/utils/
 * helpers.py` regression_loss and `byol_experiment.py`).
 *
 * p1, p2: [B, D] online predictions of views 1 and 2; z1, z2: [B, D] target
 * projections of views 1 and 2. Per pair, with l2-normalised vectors
 * (x * rsqrt(max(sum x^2, 1e-12)), as in the official code),
 *     L(p, z) = ||p/|p| - z/|z|||^2 = 2 - 2 cos(p, z),
 * computed as the squared difference, as the official code does (no
 * cancellation near cos = 1). The loss is symmetric and averaged over the two
 * directions, then over the batch:
 *     loss = mean_b 0.5 * (L(p1, z2) + L(p2, z1))
 *          = 2 + 2 * (0.5 * (negcos(p1, z2) + negcos(p2, z1)))   (batch-averaged)
 * Returns a scalar in [0, 4].
 *
 * Scale note: the official code returns mean_b(L(p1,z2) + L(p2,z1)), the SUM
 * of the two directions, i.e. exactly 2x this value (the paper's L + L~ too).
 * The targets z get no gradient in the lab because they come from
 * non-trainable EMA weights (tfjs has no stop-gradient op).
 */
import * as tf from '@tensorflow/tfjs';

function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  const sq = tf.sum(tf.square(x), -1, true);
  return tf.mul(x, tf.rsqrt(tf.maximum(sq, 1e-12))) as tf.Tensor2D;
}

function regression(p: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.square(tf.sub(l2Normalize(p), l2Normalize(z))), -1) as tf.Tensor1D;
}

export function byolLoss(p1: tf.Tensor2D, z2: tf.Tensor2D, p2: tf.Tensor2D, z1: tf.Tensor2D): tf.Scalar {
  for (const t of [z2, p2, z1]) {
    if (t.shape[0] !== p1.shape[0] || t.shape[1] !== p1.shape[1]) {
      throw new Error(`byolLoss: shapes differ (${p1.shape} vs ${t.shape})`);
    }
  }
  return tf.tidy(() => {
    const perPair = tf.add(regression(p1, z2), regression(p2, z1)); // [B]
    return tf.mul(tf.mean(perPair), 0.5) as tf.Scalar;
  });
}
