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
import { simclrViews } from '../data/augment';
import { ParamStore } from '../models/layers';
import { simclrProjector } from '../models/heads';
import type { VitConfig } from '../models/vit';
import { ntXentLoss } from './losses/ntxent';
import { CATALOG } from './catalog';
import type { Method, MethodRequirements } from './types';

export interface SimclrOptions extends Record<string, unknown> {
  /** NT-Xent temperature. */
  temperature: number;
  /** Linear layers in the projection head. */
  projLayers: number;
  /** Hidden width of the projection head, as a multiple of the encoder width D. */
  projHiddenMult: number;
  /** Output width of the projection head. */
  projDim: number;
}

export function validateSimclrOptions(o: SimclrOptions): void {
  if (!(typeof o.temperature === 'number' && o.temperature > 0)) throw new Error(`methodOptions.temperature must be > 0, got ${o.temperature}`);
  if (!(Number.isInteger(o.projLayers) && o.projLayers >= 1 && o.projLayers <= 4))
    throw new Error(`methodOptions.projLayers must be an integer in 1..4, got ${o.projLayers}`);
  if (!(typeof o.projHiddenMult === 'number' && o.projHiddenMult > 0 && o.projHiddenMult <= 16))
    throw new Error(`methodOptions.projHiddenMult must be in (0, 16], got ${o.projHiddenMult}`);
  if (!(Number.isInteger(o.projDim) && o.projDim >= 1 && o.projDim <= 4096))
    throw new Error(`methodOptions.projDim must be an integer in 1..4096, got ${o.projDim}`);
}

export const simclr: Method<SimclrOptions> = {
  id: 'simclr',
  ...CATALOG.simclr,
  defaults: {
    // Paper/official code: 0.1 (SimCLR Table 5: best with large batches; 0.5 was used for CIFAR-10).
    // Toy: 0.5, CIFAR's value: batch 32 has few negatives, and 0.1 or 0.2 reached the same probe
    // with a curve that fell after its first point (docs/recipes.md).
    temperature: 0.5,
    // SimCLR v1: 2 (g = W2 ReLU(W1 h)); v2 and the official TF2 code default: 3. Toy: 2.
    projLayers: 2,
    // Official: hidden width = input width (2048 for ResNet-50, i.e. x1); ViT SSL heads are wider
    // (MoCo v3: 4096 for D=768). Toy: 2 x D.
    projHiddenMult: 2,
    // Official: 128. Toy: 64 (encoder widths are 32-192).
    projDim: 64,
  },
  requires(options: SimclrOptions, model: VitConfig): MethodRequirements {
    validateSimclrOptions(options);
    return { views: simclrViews(model.imageSize), targets: false, tokens: false };
  },
  init(ctx) {
    const o = ctx.options;
    validateSimclrOptions(o);
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
