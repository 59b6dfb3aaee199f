/**
 * SimCLR (Chen et al. 2020; google-research/simclr): two augmented views of
 * each image go through the shared encoder (one pass over the 2B views, as the
 * official code concatenates them) and a projection head; NT-Xent pulls the
 * two projections of an image together and pushes the other 2B - 2 away.
 *
 *   views [B,S,S,3] x2 -> concat [2B,S,S,3] -> encoder -> [2B,D] -> head -> [2B,P]
 *   -> split z1, z2 [B,P] -> ntXentLoss(z1, z2, t)
 *
 * Head as the official 'nonlinear' projection head: Linear + BN (+ReLU) per
 * layer, BN without offset on the last; BN statistics over all 2B views, as
 * there. Paper A.3: same optimiser settings as BYOL, no EMA.
 */
import * as tf from '@tensorflow/tfjs';
import { inceptionRatio, TOY_GLOBAL_CROP, TOY_GRAYSCALE_P, TOY_HUE } from '../../data/augment';
import type { ViewSpec } from '../../data/viewSpec';
import { ParamStore } from '../../models/layers';
import { simclrProjector } from '../../models/heads';
import type { VitConfig } from '../../models/vit';
import { ntXentLoss } from './loss';
import type { SimclrOptions } from './options';
import type { Method, MethodRequirements } from '../types';

/**
 * SimCLR (Chen et al. 2020, appendix A): random resized crop, area U(0.08, 1),
 * aspect log-U(3/4, 4/3); flip p=0.5; colour jitter applied with p=0.8 and
 * strength s: (0.8s, 0.8s, 0.8s, 0.2s); grayscale ("colour drop") p=0.2;
 * Gaussian blur p=0.5 with sigma U(0.1, 2.0) at 224 px. ImageNet uses s=1, as we
 * do for brightness, contrast and saturation (0.8 each); hue and grayscale are
 * strengthened to TOY_HUE and TOY_GRAYSCALE_P (see src/data/augment.ts). Lab scale:
 * no crop (TOY_GLOBAL_CROP; the paper's U(0.08, 1) kept the NT-Xent loss near ln(2B-1)
 * and the probe near random init). Blur keeps ImageNet's p=0.5, whose sigma at 32 px is
 * at most 0.29 px, i.e. nearly a no-op. Two identically distributed views.
 */
export function simclrViews(imageSize: number): ViewSpec[] {
  const view = (): ViewSpec => ({
    size: imageSize,
    scale: TOY_GLOBAL_CROP(),
    ratio: inceptionRatio(),
    flipP: 0.5,
    jitter: { p: 0.8, brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: TOY_HUE },
    grayscaleP: TOY_GRAYSCALE_P,
    blurP: 0.5,
    solarizeP: 0,
  });
  return [view(), view()];
}

export const simclr: Method<SimclrOptions> = {
  requires(_options: SimclrOptions, model: VitConfig): MethodRequirements {
    return { views: simclrViews(model.imageSize), targets: false, tokens: false };
  },
  init(ctx) {
    const o = ctx.options;
    const d = ctx.model.dim;
    const store = new ParamStore('simclr');
    const head = simclrProjector(store, d, Math.max(1, Math.round(o.projHiddenMult * d)), o.projDim, o.projLayers, ctx.rng.split('head'));
    return {
      trainable: [...ctx.encoder.variables, ...store.variables],
      loss(batch) {
        const views = batch.views;
        if (!views || views.length !== 2) throw new Error(`simclr needs batch.views with 2 views, got ${views?.length ?? 0}`);
        // The view concat (0 FLOPs) sits in the encoder scope so no 'other' component appears.
        const features = ctx.scope('encoder', () => ctx.encoder.features(tf.concat(views, 0), ctx.scope));
        const [z1, z2] = ctx.scope('head', () => tf.split(head.apply(features), 2, 0) as tf.Tensor2D[]);
        return ctx.scope('loss', () => ntXentLoss(z1, z2, o.temperature));
      },
      dispose: () => store.dispose(),
    };
  },
};
