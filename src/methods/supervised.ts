/**
 * Supervised softmax classification (paper appendix A.3): a linear head on the
 * pooled encoder feature, softmax cross-entropy against multi-label targets
 * averaged over the labels present (the "one-hot averaging" scheme of Brock et
 * al. used for JFT) and smoothed by 0.1.
 *
 * Scaled-down choices: no drop-path (the paper uses 0.1; at depth 2-6 it mostly
 * slows learning); the head bias starts at -10 as in the paper (it shifts every
 * logit equally, so softmax is unchanged; kept for fidelity).
 */
import { Linear, ParamStore } from '../models/layers';
import { softmaxCrossEntropy } from './losses/classification';
import { supervisedView } from '../data/augment';
import { CATALOG } from './catalog';
import type { Method } from './types';

export interface SupervisedOptions extends Record<string, unknown> {
  /** Label smoothing applied after averaging multi-label targets (paper: 0.1). */
  labelSmoothing: number;
}

export const supervised: Method<SupervisedOptions> = {
  id: 'supervised',
  ...CATALOG.supervised,
  defaults: { labelSmoothing: 0.1 },
  // Paper A.3: "the standard crop-resize augmentation" (see supervisedView).
  requires: (_options, model) => ({ views: [supervisedView(model.imageSize)], targets: true, tokens: false }),
  init(ctx) {
    const store = new ParamStore('supervised');
    const head = new Linear(store, 'head', ctx.model.dim, ctx.numClasses, ctx.rng.split('head'), { biasInit: -10 });
    return {
      trainable: [...ctx.encoder.variables, ...store.variables],
      loss(batch) {
        if (!batch.targets || !batch.views) throw new Error('supervised needs batch.targets and one augmented view');
        const features = ctx.encoder.features(batch.views[0], ctx.scope);
        const logits = ctx.scope('head', () => head.apply(features));
        return ctx.scope('loss', () => softmaxCrossEntropy(logits, batch.targets!));
      },
      dispose: () => store.dispose(),
    };
  },
};
