/**
 * Softmax regression on fixed features, shared by the linear probe and the dense
 * patch probe: one [D, K] matrix and a bias from zeros (the problem is convex, so
 * no random init is needed and the result is deterministic), trained full-batch
 * with AdamW (decay on the matrix only), loss -sum(targets * log softmax) / count.
 * Its kernels are counted wherever a FlopCounter records.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamW } from '../engine/optimizer';

export interface RegressionOptions {
  steps: number;
  lr: number;
  weightDecay: number;
}

/**
 * Fits on x [N, D] against target rows [N, K] (zero rows are ignored samples),
 * dividing the summed loss by `count`, and returns the arg-max class of each row
 * of `test` [M, D]. Leaves nothing allocated.
 */
export async function softmaxRegressionPredict(
  x: tf.Tensor2D,
  targets: tf.Tensor2D,
  count: number,
  test: tf.Tensor2D,
  o: RegressionOptions,
): Promise<ArrayLike<number>> {
  const [d, k] = [x.shape[1], targets.shape[1]];
  let w!: tf.Variable;
  let b!: tf.Variable;
  let optimizer!: AdamW;
  // In a tidy: tf.variable(t) leaves t registered besides the variable, so the
  // initial zeros must be disposed (ParamStore.add does the same).
  tf.tidy(() => {
    w = tf.variable(tf.zeros([d, k]), true);
    b = tf.variable(tf.zeros([k]), true);
    optimizer = new AdamW(
      [
        { variable: w, decay: true },
        { variable: b, decay: false },
      ],
      { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: o.weightDecay, clipNorm: 0 },
    );
  });
  try {
    for (let step = 0; step < o.steps; step++)
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const logits = tf.add(tf.matMul(x, w), b);
          return tf.div(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)))), count) as tf.Scalar;
        }, [w, b]);
        optimizer.step([grads[w.name], grads[b.name]], o.lr).dispose();
      });
    const pred = tf.tidy(() => tf.argMax(tf.add(tf.matMul(test, w), b), 1));
    const values = await pred.data();
    pred.dispose();
    return values;
  } finally {
    optimizer.dispose();
    tf.dispose([w, b]);
  }
}
