/**
 * SimCLR: what the page, the config and the memory estimate know of it (label, paper, options,
 * collapse rule, encoder passes) and a loader for its implementation (./method.ts, tfjs, worker side).
 */
import { defineMethod } from '../spec';
import { BN_LAYER_FLOATS } from '../passSizes';
import { simclrOptions } from './options';

export const simclrSpec = defineMethod({
  label: 'SimCLR',
  paper: 'https://arxiv.org/abs/2002.05709',
  summary: 'Contrastive: two augmented views attract, other images repel (NT-Xent).',
  atLabScale:
    'kNN probe about 22 %, 6-11 points above random init, below the raw-pixel line (about 25 %); linear about 18 %. The only self-supervised method that rises at this budget (docs/recipes.md).',
  options: simclrOptions,
  encoderPasses(o, model) {
    const d = model.dim;
    const hidden = Math.max(1, Math.round(o.projHiddenMult * d));
    const dims = [d, ...Array.from({ length: o.projLayers - 1 }, () => hidden), o.projDim];
    // Projection head: Linear (no bias) + BatchNorm per layer (the last BN without offset).
    const params = dims.slice(1).reduce((sum, out, i) => sum + dims[i] * out + 2 * out, 0) - o.projDim;
    // Both views in one encoder call; NT-Xent over [2B, 2B]: similarity, scaled, masked, log-softmax,
    // the positives constant and their product (7 per pair).
    return [
      {
        imageSize: model.imageSize,
        count: 2,
        grad: true,
        extraParams: params,
        extraFloats: d + BN_LAYER_FLOATS * hidden * (o.projLayers - 1) + 11 * o.projDim,
        pairFloats: 7,
      },
    ];
  },
  load: () => import('./method').then((m) => m.simclr),
});
