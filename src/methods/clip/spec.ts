/**
 * CLIP: what the page, the config and the memory estimate know of it (label, paper, options,
 * collapse rule, encoder passes) and a loader for its implementation (./method.ts, tfjs, worker side).
 */
import { VOCAB } from '../../data/tokenize';
import { textTowerSize } from '../../models/textSizes';
import { defineMethod } from '../spec';
import { clipOptions } from './options';

export const clipSpec = defineMethod({
  label: 'CLIP',
  paper: 'https://arxiv.org/abs/2103.00020',
  summary: 'Contrastive image–caption matching with a small text transformer.',
  atLabScale:
    'linear and kNN probes about 32-34 % with pseudo-captions, which name the shape, from about 14 % at random init (median of 3 seeds; npm run signal).',
  options: clipOptions,
  encoderPasses(o, model) {
    const text = textTowerSize(o.textSize, model);
    const e = o.embedDim;
    return [
      // Image tower, its projection and l2 norm; the loss's [B, B] logits: similarity, scaled, the labels
      // constant, both log-softmaxes, the transpose and the two products (8 per pair).
      { imageSize: model.imageSize, count: 1, grad: true, extraParams: model.dim * e + text.width * e + 1, extraFloats: model.dim + 4 * e, pairFloats: 8 },
      {
        // Caption tower: a causal transformer over maxLen tokens; token and position embeddings, final norm.
        imageSize: model.imageSize,
        count: 1,
        grad: true,
        blocks: { dim: text.width, depth: text.layers, heads: text.heads, mlpDim: text.mlpDim, tokens: o.maxLen },
        extraParams: (VOCAB.length + o.maxLen + 2) * text.width,
        extraFloats: 2 * o.maxLen * text.width + text.width + 4 * e,
      },
    ];
  },
  load: () => import('./method').then((m) => m.clip),
});
