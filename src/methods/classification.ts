/**
 * Supervised softmax classification loss with the multi-label averaging of
 * Koppula et al. 2022 ("Where Should I Spend My FLOPS?"), appendix A.3:
 *
 *     y = one_hot(labels, K); y = sum(y, -2); y = y / sum(y, -1)
 *     y = smooth_labels(y, s)                  # y * (1 - s) + s / K
 *     loss = softmax_cross_entropy(logits, y, reduction='mean')
 *
 * Shapes: `labels` has B rows of 1+ class ids each; targets and logits are
 * [B, K]; the loss is a scalar (mean over the batch of -sum_k y_k log p_k).
 * Checked against a float64 torch version in scripts/reference_losses.py.
 */
import * as tf from '@tensorflow/tfjs';
import { useFused } from '../engine/fused/enabled';
import { fusedSoftmaxCrossEntropy } from '../engine/fused/webgpu/crossEntropy';

/**
 * Row-major [B, K] target distributions. A label repeated within a row counts
 * once per occurrence (the one-hot rows are summed, as in the pseudo-code).
 * Every label must be an integer in [0, K) and every row must hold at least
 * one label (an empty row would divide by zero in the original).
 */
export function smoothedMultiLabelTargets(labels: readonly (readonly number[])[], numClasses: number, smoothing: number): Float32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  }
  if (!(smoothing >= 0 && smoothing <= 1)) {
    throw new RangeError(`smoothing must be in [0, 1], got ${smoothing}`);
  }
  const k = numClasses;
  const out = new Float32Array(labels.length * k);
  const row = new Float64Array(k);
  labels.forEach((rowLabels, b) => {
    if (rowLabels.length === 0) throw new RangeError(`row ${b} has no labels`);
    row.fill(0);
    for (const label of rowLabels) {
      if (!Number.isInteger(label) || label < 0 || label >= k) {
        throw new RangeError(`row ${b}: label ${label} is not a class id in [0, ${k})`);
      }
      row[label] += 1;
    }
    const total = rowLabels.length;
    for (let c = 0; c < k; c++) {
      out[b * k + c] = (row[c] / total) * (1 - smoothing) + smoothing / k;
    }
  });
  return out;
}

/**
 * Softmax cross-entropy with soft targets, mean over the batch.
 * logits, targets: [B, K] -> scalar. One fused kernel on WebGPU (engine.fused).
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  if (logits.shape[0] !== targets.shape[0] || logits.shape[1] !== targets.shape[1]) {
    throw new Error(`softmaxCrossEntropy: logits ${logits.shape} vs targets ${targets.shape}`);
  }
  if (useFused('crossEntropy')) return fusedSoftmaxCrossEntropy(logits, targets, { scale: 1 / logits.shape[0] });
  return tf.tidy(() => {
    const perRow = tf.sum(tf.mul(targets, tf.logSoftmax(logits, -1)), -1); // [B]
    return tf.neg(tf.mean(perRow)) as tf.Scalar;
  });
}
