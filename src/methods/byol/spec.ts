/**
 * BYOL: what the page, the config and the memory estimate know of it (label, paper, options,
 * collapse rule, encoder passes) and a loader for its implementation (./method.ts, tfjs, worker side).
 */
import { defineMethod } from '../spec';
import { BN_LAYER_FLOATS } from '../passSizes';
import { byolOptions } from './options';

/** The collapse rule's threshold, well inside the extremes a collapsed run reaches. BYOL: an output spread under a tenth of the spread-out value (SimSiam's collapsed runs fall to ~0). */
const COLLAPSED_SPREAD = 0.1;

export const byolSpec = defineMethod({
  label: 'BYOL',
  paper: 'https://arxiv.org/abs/2006.07733',
  summary: 'Predicts an EMA target network’s projection of another view; no negatives.',
  atLabScale:
    'kNN and linear probes at random-init level (about 13-15 %); a PyTorch re-implementation on the same views agrees. Its predictor and EMA target need more than the default budget (docs/recipes.md).',
  options: byolOptions,
  collapse: ({ monitors: { outputSpread } }) =>
    outputSpread !== undefined && outputSpread < COLLAPSED_SPREAD
      ? `the target's normalised outputs have a spread of ${outputSpread.toFixed(3)} (1 for outputs spread over the sphere): every image maps to nearly the same vector`
      : null,
  encoderPasses(o, model) {
    const d = model.dim;
    const projHidden = Math.max(1, Math.round(o.projHiddenMult * d));
    const predHidden = Math.max(1, Math.round(o.predHiddenMult * d));
    // byolMlp: Linear (no bias) + BatchNorm + ReLU, then Linear without bias.
    const mlp = (inDim: number, hidden: number) => inDim * hidden + 2 * hidden + hidden * o.projDim;
    const projector = mlp(d, projHidden);
    const mlpFloats = (hidden: number) => BN_LAYER_FLOATS * hidden + o.projDim;
    return [
      // Online: both views in one encoder call, then projector and predictor per view, the loss.
      {
        imageSize: model.imageSize,
        count: 2,
        grad: true,
        extraParams: projector + mlp(o.projDim, predHidden),
        extraFloats: d + mlpFloats(projHidden) + mlpFloats(predHidden) + 4 * o.projDim,
      },
      // Target: the frozen copies of the encoder and projector on the same two views.
      { imageSize: model.imageSize, count: 2, grad: false, extraParams: projector, extraFloats: d + mlpFloats(projHidden) },
    ];
  },
  load: () => import('./method').then((m) => m.byol),
});
