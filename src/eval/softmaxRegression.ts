/**
 * Softmax regression on fixed features, shared by the linear probe and the dense
 * patch probe: one [D, K] matrix and a bias from zeros (the problem is convex, so
 * no random init is needed and the result is deterministic), trained full-batch
 * with AdamW (decay on the matrix only), loss -sum(targets * log softmax) / count.
 * Its kernels are counted wherever a FlopCounter records.
 *
 * The gradient is written out (regressionGrads) rather than taped: (softmax(z) * m - t) / count
 * for logits z, targets t and row mass m = sum_k t, then x^T of it with x^T formed once, as the
 * features are fixed. On wasm a taped step ran about 30 kernels, a transposed matmul among them
 * (materialised every step, see src/engine/wasmKernels.ts); this one runs about 10.
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
  const [xT, rowMass] = tf.tidy((): [tf.Tensor2D, tf.Tensor2D] => [tf.transpose(x), tf.sum(targets, 1, true)]);
  try {
    for (let step = 0; step < o.steps; step++)
      tf.tidy(() => {
        const [dw, db] = regressionGrads(x, xT, targets, rowMass, count, w, b);
        optimizer.step([dw, db], o.lr).dispose();
      });
    const pred = tf.tidy(() => tf.argMax(tf.add(tf.matMul(test, w), b), 1));
    const values = await pred.data();
    pred.dispose();
    return values;
  } finally {
    optimizer.dispose();
    tf.dispose([w, b, xT, rowMass]);
  }
}

/**
 * The gradients of -sum(targets * log softmax(x w + b)) / count with respect to w [D, K] and b [K],
 * given xT = x^T [D, N] and rowMass = the targets' row sums [N, 1] (1 for a labelled row, 0 for
 * an ignored one). Exported for its test against the taped gradient.
 */
export function regressionGrads(
  x: tf.Tensor2D,
  xT: tf.Tensor2D,
  targets: tf.Tensor2D,
  rowMass: tf.Tensor2D,
  count: number,
  w: tf.Tensor2D | tf.Variable,
  b: tf.Tensor1D | tf.Variable,
): [tf.Tensor2D, tf.Tensor1D] {
  return tf.tidy(() => {
    const p = tf.softmax(tf.fused.matMul({ a: x, b: w as tf.Tensor2D, bias: b }));
    const dz = tf.div(tf.sub(tf.mul(p, rowMass), targets), count) as tf.Tensor2D;
    return [tf.matMul(xT, dz), tf.sum(dz, 0)];
  });
}
