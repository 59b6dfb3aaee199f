/**
 * CLIP (Radford et al. 2021; paper section 2.1 and appendix A.3): the shared ViT
 * encoder's pooled feature and a small causal text transformer's EOS feature
 * are each projected linearly (no bias, as CLIP's `proj`/`text_projection`)
 * into a joint space, and a symmetric InfoNCE loss over the batch matches each
 * image with its caption. The temperature is learned: `logitScale` is the log
 * of the logit multiplier, initialised to ln(1/0.07) and clamped to at most
 * ln(100) after every step, as CLIP does.
 *
 * Captions: 'pseudo' is the paper's "this is a photo of <label> and <label2> ..."
 * built from the image's labels (what it used for JFT); 'scene' is the
 * dataset's own caption (descriptive for COCO-like, noisy alt-text for
 * ALIGN-like); 'auto' (default) takes the dataset's captions where it has them
 * and pseudo-captions otherwise, as the paper did per dataset. All reach the
 * loss as batch.tokens.
 *
 * Scopes: 'encoder' image tower, 'text' text tower, 'head' both projections,
 * 'loss' the contrastive loss.
 */
import * as tf from '@tensorflow/tfjs';
import { VOCAB } from '../../data/tokenize';
import { Linear, ParamStore } from '../../models/layers';
import { CaptionEncoder, captionEncoderConfig } from '../../models/textEncoder';
import { clipLoss } from './loss';
import type { ClipOptions } from './options';
import type { Batch, Method, MethodContext, MethodState } from '../types';

/** CLIP's temperature init and clamp, on the log scale. */
export const LOGIT_SCALE_INIT = Math.log(1 / 0.07);
export const LOGIT_SCALE_MAX = Math.log(100);

/** CLIP's state, with the parts tests and a later zero-shot probe need. */
export interface ClipState extends MethodState {
  text: CaptionEncoder;
  /** log of the logit multiplier (a scalar variable). */
  logitScale: tf.Variable;
  /** Joint-space embeddings (unnormalised) of the batch's images and captions: [B, embedDim] each. */
  embed(batch: Batch): { image: tf.Tensor2D; text: tf.Tensor2D };
}

export function initClip(ctx: MethodContext & { options: ClipOptions }): ClipState {
  const o = ctx.options;
  const text = new CaptionEncoder(captionEncoderConfig(o.textSize, VOCAB.length, o.maxLen, ctx.model), ctx.rng.split('text'));
  const store = new ParamStore('clip');
  const headRng = ctx.rng.split('head');
  const imageProj = new Linear(store, 'imageProj', ctx.model.dim, o.embedDim, headRng, { bias: false });
  const textProj = new Linear(store, 'textProj', text.cfg.width, o.embedDim, headRng, { bias: false });
  const logitScale = store.add('logitScale', tf.scalar(LOGIT_SCALE_INIT));

  function embed(batch: Batch): { image: tf.Tensor2D; text: tf.Tensor2D } {
    const tokens = batch.tokens;
    if (!tokens) throw new Error('clip needs batch.tokens');
    return tf.tidy(() => {
      const textFeatures = ctx.scope('text', () => text.features(tokens, batch.tokenIds));
      const imageFeatures = ctx.encoder.features(batch.images, ctx.scope);
      return ctx.scope('head', () => ({ image: imageProj.apply(imageFeatures), text: textProj.apply(textFeatures) }));
    });
  }

  return {
    text,
    logitScale,
    embed,
    trainable: [...ctx.encoder.variables, ...text.variables, ...store.variables],
    loss(batch) {
      return tf.tidy(() => {
        const e = embed(batch);
        return ctx.scope('loss', () => clipLoss(e.image, e.text, logitScale as tf.Scalar));
      });
    },
    afterStep() {
      tf.tidy(() => logitScale.assign(tf.minimum(logitScale, LOGIT_SCALE_MAX)));
    },
    monitors: () => ({ logitScale: tf.exp(logitScale) as tf.Scalar }),
    dispose() {
      text.dispose();
      store.dispose();
    },
  };
}

export const clip: Method<ClipOptions> = {
  requires(o) {
    return { views: [], targets: false, tokens: { maxLen: o.maxLen, source: o.captionSource } };
  },
  init: initClip,
};
