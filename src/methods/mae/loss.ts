/**
 * MAE pixel-reconstruction loss and patchify (He et al. 2022;
 * facebookresearch/mae `models_mae.py`, MaskedAutoencoderViT.patchify and
 * forward_loss).
 *
 * Images are NHWC here ([B, H, W, C]); MAE's patchify works on NCHW with
 * einsum 'nchpwq->nhwpqc', so the patch index runs row-major over the
 * (H/p, W/p) grid and each patch is flattened in (p, q, c) order: row within
 * the patch, then column, then channel. `patchify` reproduces that order with
 * reshape -> 4-D transpose -> reshape (no strided slices, no einsum).
 */
import * as tf from '@tensorflow/tfjs';

/** [B, H, W, C] -> [B, (H/p)*(W/p), p*p*C], MAE's patch order. */
export function patchify(images: tf.Tensor4D, patchSize: number): tf.Tensor3D {
  const [b, hPix, wPix, c] = images.shape;
  const p = patchSize;
  if (!Number.isInteger(p) || p < 1 || hPix % p !== 0 || wPix % p !== 0) {
    throw new RangeError(`patchify: image ${hPix}x${wPix} is not divisible by patch ${p}`);
  }
  const h = hPix / p;
  const w = wPix / p;
  return tf.tidy(() => {
    // [B*h, p(row), w, p(col)*C] -> [B*h, w, p(row), p(col)*C] -> [B, h*w, p*p*C]
    const x = tf.reshape(images, [b * h, p, w, p * c]);
    const t = tf.transpose(x, [0, 2, 1, 3]);
    return tf.reshape(t, [b, h * w, p * p * c]) as tf.Tensor3D;
  });
}

/**
 * MAE forward_loss.
 * pred, target: [B, N, D] (target = patchify(images)); mask: [B, N] with
 * 1 = masked (reconstructed, counted) and 0 = visible (ignored).
 * With normPix, each target patch is normalised by its own mean and torch's
 * default UNBIASED variance (divisor D - 1): (t - mean) / sqrt(var + 1e-6).
 * Loss: per-patch mean over D of (pred - target)^2, then
 * sum(loss * mask) / sum(mask). Returns a scalar (NaN if nothing is masked,
 * as in the original).
 */
export function maeLoss(pred: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor2D, normPix: boolean): tf.Scalar {
  const [b, n, d] = pred.shape;
  if (target.shape[0] !== b || target.shape[1] !== n || target.shape[2] !== d) {
    throw new Error(`maeLoss: pred ${pred.shape} vs target ${target.shape}`);
  }
  if (mask.shape[0] !== b || mask.shape[1] !== n) {
    throw new Error(`maeLoss: mask must be [${b}, ${n}], got [${mask.shape}]`);
  }
  if (normPix && d < 2) throw new RangeError('maeLoss: normPix needs at least 2 values per patch');
  return tf.tidy(() => {
    let t: tf.Tensor = target;
    if (normPix) {
      const mean = tf.mean(target, -1, true);
      const centred = tf.sub(target, mean);
      const variance = tf.div(tf.sum(tf.square(centred), -1, true), d - 1); // unbiased
      t = tf.div(centred, tf.sqrt(tf.add(variance, 1e-6)));
    }
    const perPatch = tf.mean(tf.square(tf.sub(pred, t)), -1); // [B, N]
    return tf.div(tf.sum(tf.mul(perPatch, mask)), tf.sum(mask)) as tf.Scalar;
  });
}
