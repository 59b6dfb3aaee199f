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
import { inceptionRatio } from '../../data/augment';
import type { ViewSpec } from '../../data/viewSpec';
import { Linear, ParamStore } from '../../models/layers';
import type { SupervisedOptions } from './options';
import { softmaxCrossEntropy } from '../classification';
import type { Method } from '../types';

/**
 * The view (paper A.3: "the standard crop-resize augmentation as is standard in
 * I1K training"): the Inception crop with area U(minScale, 1), aspect
 * log-U(3/4, 4/3), plus flip 0.5; no colour augmentation. minScale = 1 leaves
 * only the flip (the toy default; see the catalog).
 */
export function supervisedView(imageSize: number, minScale: number): ViewSpec {
  return { size: imageSize, scale: [minScale, 1], ratio: inceptionRatio(), flipP: 0.5, jitter: null, grayscaleP: 0, blurP: 0, solarizeP: 0 };
}

export const supervised: Method<SupervisedOptions> = {
  requires: (options, model) => {
    return { views: [supervisedView(model.imageSize, options.cropScale)], targets: { smoothing: options.labelSmoothing }, tokens: false };
  },
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
