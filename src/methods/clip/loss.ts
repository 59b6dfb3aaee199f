/**
 * CLIP symmetric contrastive loss (Radford et al. 2021; openai/CLIP
 * `model.py` + mlfoundations/open_clip `loss.py` ClipLoss, one device).
 *
 * image, text: [N, D] embeddings of N matched (image, caption) pairs (row i of
 * each is a pair). Both are l2-normalised (x / max(|x|, 1e-12), as
 * F.normalize); logitScale is the learnable LOG scale (CLIP's `logit_scale`
 * parameter, init ln(1/0.07)); logits = exp(logitScale) * image @ text^T, and
 *     loss = (CE(logits, arange(N)) + CE(logits^T, arange(N))) / 2,
 * CE being the batch-mean softmax cross-entropy. Returns a scalar.
 * CLIP clamps exp(logitScale) to 100 in the training loop, not in the loss:
 * that clamp belongs to the method's afterStep.
 */
import * as tf from '@tensorflow/tfjs';
import { useFused } from '../../engine/fused/enabled';
import { fusedSoftmaxCrossEntropy } from '../../engine/fused/webgpu/crossEntropy';

function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  const norm = tf.sqrt(tf.sum(tf.square(x), -1, true));
  return tf.div(x, tf.maximum(norm, 1e-12)) as tf.Tensor2D;
}

export function clipLoss(image: tf.Tensor2D, text: tf.Tensor2D, logitScale: tf.Scalar): tf.Scalar {
  if (image.shape[0] !== text.shape[0] || image.shape[1] !== text.shape[1]) {
    throw new Error(`clipLoss: image ${image.shape} vs text ${text.shape}`);
  }
  if (logitScale.rank !== 0) throw new Error(`clipLoss: logitScale must be a scalar, got [${logitScale.shape}]`);
  const n = image.shape[0];
  // arange(N) labels as a one-hot [N, N] constant built in JS.
  const eye = new Float32Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return tf.tidy(() => {
    const labels = tf.tensor2d(eye, [n, n]);
    const sim = tf.matMul(l2Normalize(image), l2Normalize(text), false, true); // [N, N]
    const logits = tf.mul(tf.exp(logitScale), sim);
    if (useFused('crossEntropy')) {
      // Two fused kernels, the second reading logits as its transpose (no Transpose kernel).
      const opts = { scale: 1 / (2 * n) };
      const perImage = fusedSoftmaxCrossEntropy(logits as tf.Tensor2D, labels, opts);
      const perText = fusedSoftmaxCrossEntropy(logits as tf.Tensor2D, labels, { ...opts, transpose: true });
      return tf.add(perImage, perText) as tf.Scalar;
    }
    const ce = (l: tf.Tensor): tf.Tensor => tf.div(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(l, -1)))), n);
    const perImage = ce(logits);
    const perText = ce(tf.transpose(logits));
    return tf.div(tf.add(perImage, perText), 2) as tf.Scalar;
  });
}
