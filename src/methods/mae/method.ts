/**
 * MAE, masked autoencoder (He et al. 2022; facebookresearch/mae models_mae.py;
 * paper section 2.1 and A.5): hide a random 75% of the patches of each image,
 * encode only the visible ones, and let a light decoder reconstruct the pixels
 * of the hidden ones; the loss counts the masked patches only.
 *
 *   images [B, H, W, 3] -> encoder.embed -> [B, N, D] (patch + position embedding)
 *   -> keep K = int(N * (1 - maskRatio)) rows per image (flat gather) -> [B, K, D]
 *   -> encoder.encode -> latent [B, c+K, D]  (c = 1 class token)
 *   -> MaeDecoder -> pred [B, N, p*p*3]
 *   -> maeLoss(pred, patchify(images), mask, normPixLoss)
 *
 * Masking is per image, as MAE's random_masking: N uniform noise values,
 * argsort ascending, the first K are kept (in that shuffled order), ids_restore
 * is the inverse permutation and mask = 1 where a patch is hidden. All of it is
 * built in JS from a seeded stream per step (`rng.split('mask', step)`) and
 * uploaded as int32/float32: no random or sort op runs on the device, and the
 * shapes stay fixed from step to step (K depends on the ratio only).
 *
 * Visualisation: the state returned by `init` is a `MaeState`, whose
 * `reconstruct(images, step)` (also `maeReconstruct(state, images, step)`)
 * gives the masked input and the reconstruction with visible patches pasted in.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../engine/rng';
import { MaeDecoder, maeDecoderConfig, prefixTokens, unpatchify, unshuffleIndex } from '../../models/maeDecoder';
import { lenKeep, type MaeOptions } from './options';
import { maeLoss, patchify } from './loss';
import type { Method, MethodState } from '../types';

export interface MaskPlan {
  batch: number;
  numPatches: number;
  kept: number;
  /** [B*K] patch index of each kept token, image by image, in shuffled order (MAE's ids_keep). */
  idsKeep: Int32Array;
  /** [B*N] rank of each patch in its image's shuffle (MAE's ids_restore). */
  idsRestore: Int32Array;
  /** [B*N] 1 = hidden (reconstructed and counted by the loss), 0 = visible. */
  mask: Float32Array;
}

/** Per-image random masking by argsort of uniform noise (MAE's random_masking), in JS. */
export function randomMasking(rng: Rng, batch: number, numPatches: number, maskRatio: number): MaskPlan {
  const kept = lenKeep(numPatches, maskRatio);
  const idsKeep = new Int32Array(batch * kept);
  const idsRestore = new Int32Array(batch * numPatches);
  const mask = new Float32Array(batch * numPatches);
  const noise = new Float64Array(numPatches);
  const order = Array.from({ length: numPatches }, (_, i) => i);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < numPatches; i++) {
      noise[i] = rng.next();
      order[i] = i;
    }
    order.sort((x, y) => noise[x] - noise[y] || x - y); // ids_shuffle: small noise is kept
    for (let r = 0; r < numPatches; r++) {
      const patch = order[r];
      idsRestore[b * numPatches + patch] = r;
      mask[b * numPatches + patch] = r < kept ? 0 : 1;
      if (r < kept) idsKeep[b * kept + r] = patch;
    }
  }
  return { batch, numPatches, kept, idsKeep, idsRestore, mask };
}

/** Rows of the flattened [B*N, D] embedding that the encoder keeps: b*N + ids_keep. */
export function keptRowIndex(plan: MaskPlan): Int32Array {
  const out = new Int32Array(plan.idsKeep.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(i / plan.kept) * plan.numPatches + plan.idsKeep[i];
  return out;
}

interface MaeForward {
  plan: MaskPlan;
  /** [B, c+K, D] encoder output for the kept patches. */
  latent: tf.Tensor3D;
  /** [B, N, p*p*3] predicted pixels (normalised per patch when normPixLoss). */
  pred: tf.Tensor3D;
  /** [B, N] float32, 1 = hidden. */
  mask: tf.Tensor2D;
}

export interface MaeState extends MethodState {
  decoder: MaeDecoder;
  /** The forward pass of step `step` (its mask included). Call it inside tf.tidy: it also uploads the index tensors. */
  forward(images: tf.Tensor4D, step: number): MaeForward;
  /**
   * For the UI's input / masked / reconstruction triple, with the mask of step
   * `step`: `masked` is the input with hidden patches set to 0 (the dataset
   * mean colour, as images are ImageNet-normalised); `reconstruction` is the
   * prediction (un-normalised with each target patch's own mean and variance
   * when normPixLoss) with the visible patches pasted from the input. Both
   * [B, H, W, 3] in the input's normalisation; the caller disposes them.
   */
  reconstruct(images: tf.Tensor4D, step: number): { masked: tf.Tensor4D; reconstruction: tf.Tensor4D };
}

export function isMaeState(state: MethodState): state is MaeState {
  return typeof (state as Partial<MaeState>).reconstruct === 'function';
}

/** `state.reconstruct(images, step)` for callers holding a plain MethodState. */
export function maeReconstruct(state: MethodState, images: tf.Tensor4D, step: number): { masked: tf.Tensor4D; reconstruction: tf.Tensor4D } {
  if (!isMaeState(state)) throw new Error('maeReconstruct needs the state of an MAE run');
  return state.reconstruct(images, step);
}

export const mae: Method<MaeOptions> = {
  // MAE pre-trains on the un-augmented images here (the original adds a random resized crop and flip).
  requires() {
    return { views: [], targets: false, tokens: false };
  },
  init(ctx): MaeState {
    const opts = ctx.options;
    const { encoder, model } = ctx;
    const n = encoder.numPatches;
    const kept = lenKeep(n, opts.maskRatio);
    if (kept < 1 || kept >= n)
      throw new Error(`methodOptions.maskRatio ${opts.maskRatio} keeps ${kept} of ${n} patches (the config check should have refused it)`);
    const decoder = new MaeDecoder(model, maeDecoderConfig(model, opts.decoder), ctx.rng.split('decoder'));
    const prefix = prefixTokens(model);
    const p = model.patchSize;

    const forward = (images: tf.Tensor4D, step: number): MaeForward => {
      const b = images.shape[0];
      const plan = randomMasking(ctx.rng.split('mask', step), b, n, opts.maskRatio);
      const keep = tf.tensor1d(keptRowIndex(plan), 'int32');
      const restore = tf.tensor1d(unshuffleIndex(plan.idsRestore, b, n, kept, prefix), 'int32');
      const mask = tf.tensor2d(plan.mask, [b, n]);
      const latent = ctx.scope('encoder', () =>
        tf.tidy(() => {
          const tokens = encoder.embed(images); // [B, N, D]
          const d = tokens.shape[2];
          const visible = tf.gather(tokens.reshape([b * n, d]), keep).reshape([b, kept, d]) as tf.Tensor3D;
          return encoder.encode(visible);
        }),
      );
      const pred = ctx.scope('decoder', () => decoder.apply(latent, restore));
      return { plan, latent, pred, mask };
    };

    // For the UI's input / masked / reconstruction triple, with the mask of step `step`.
    const reconstruct = (images: tf.Tensor4D, step: number) =>
      tf.tidy(() => {
        const { pred, mask } = forward(images, step);
        const target = patchify(images, p);
        let pixels: tf.Tensor3D = pred;
        if (opts.normPixLoss) {
          // Undo maeLoss's per-patch normalisation (unbiased variance, eps 1e-6) with the target's statistics.
          const mean = tf.mean(target, -1, true);
          const variance = tf.div(tf.sum(tf.square(tf.sub(target, mean)), -1, true), target.shape[2] - 1);
          pixels = tf.add(tf.mul(pred, tf.sqrt(tf.add(variance, 1e-6))), mean) as tf.Tensor3D;
        }
        const hidden = mask.expandDims(-1);
        const visible = tf.sub(1, hidden);
        const masked = tf.mul(target, visible) as tf.Tensor3D;
        const reconstruction = tf.add(masked, tf.mul(pixels, hidden)) as tf.Tensor3D;
        return { masked: unpatchify(masked, p), reconstruction: unpatchify(reconstruction, p) };
      });

    // The last step's target patches and mask, for the trivial-loss monitor.
    let last: [tf.Tensor3D, tf.Tensor2D] | null = null;
    return {
      trainable: [...encoder.variables, ...decoder.variables],
      decoder,
      forward,
      loss(batch, step) {
        return tf.tidy(() => {
          const { pred, mask } = forward(batch.images, step);
          return ctx.scope('loss', () => {
            const target = patchify(batch.images, p);
            last?.forEach((t) => t.dispose());
            last = [tf.keep(target), tf.keep(mask)];
            return maeLoss(pred, target, mask, opts.normPixLoss);
          });
        });
      },
      reconstruct,
      monitors(): Record<string, tf.Scalar> {
        // The loss of predicting nothing (zeros: each masked patch's mean under normPixLoss) on the
        // last batch and mask; a loss that stays at this value has learnt nothing. Read at log steps only.
        if (!last) return {};
        const [target, mask] = last;
        return { trivialLoss: tf.tidy(() => maeLoss(tf.zerosLike(target), target, mask, opts.normPixLoss)) };
      },
      preview(images, step) {
        const { masked, reconstruction } = reconstruct(images, step);
        return [
          { label: 'input', images: tf.clone(images) },
          { label: 'masked', images: masked },
          { label: 'reconstruction', images: reconstruction },
        ];
      },
      dispose() {
        last?.forEach((t) => t.dispose());
        decoder.dispose();
      },
    };
  },
};
