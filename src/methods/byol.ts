/**
 * BYOL (Grill et al. 2020; deepmind-research byol/byol_experiment.py).
 *
 * online (trainable):  encoder -> projector -> predictor
 * target (EMA, non-trainable): encoder copy -> projector copy
 *
 *   views v1, v2 [B,S,S,3] -> online encoder on concat [2B] -> y [2B,D] -> split
 *   -> projector -> z [B,P] -> predictor -> p [B,P]          (per view)
 *   -> target encoder + projector on each view -> z' [B,P]   ('teacher', no gradient)
 *   loss = byolLoss(p1, z'2, p2, z'1)   (symmetric: each view predicts the other)
 *
 * The projector and predictor run per view, so their BatchNorm statistics are
 * per view, as in the official code (it applies the network to view1 and view2
 * separately); the encoder (LayerNorm only) runs once on both views, which is
 * the same function. The target gets no gradient because all its variables are
 * non-trainable (tfjs has no stop-gradient). After each optimiser step the
 * target moves towards the updated online weights with momentum
 * tau = 1 - (1 - tau_base) (cos(pi k / K) + 1) / 2 (the official schedule).
 *
 * Difference from the official code: the target starts as a copy of the online
 * weights (the BYOL code draws it from a second random init and reports no
 * significant difference).
 */
import * as tf from '@tensorflow/tfjs';
import { byolViews } from '../data/augment';
import { cosineRamp } from '../engine/schedule';
import { byolMlp, type MlpHead } from '../models/heads';
import { ParamStore } from '../models/layers';
import { VitEncoder, type VitConfig } from '../models/vit';
import { byolLoss } from './losses/byol';
import { CATALOG } from './catalog';
import { emaUpdate, nonTrainableCopy } from './ema';
import type { Method, MethodRequirements } from './types';

export interface ByolOptions extends Record<string, unknown> {
  /** Target EMA momentum at step 0; cosine-ramped to 1 at the last step. */
  baseMomentum: number;
  /** Projector hidden width, as a multiple of the encoder width D. */
  projHiddenMult: number;
  /** Projector (and predictor) output width. */
  projDim: number;
  /** Predictor hidden width, as a multiple of D. */
  predHiddenMult: number;
}

export function validateByolOptions(o: ByolOptions): void {
  if (!(typeof o.baseMomentum === 'number' && o.baseMomentum >= 0 && o.baseMomentum <= 1))
    throw new Error(`methodOptions.baseMomentum must be in [0, 1], got ${o.baseMomentum}`);
  for (const key of ['projHiddenMult', 'predHiddenMult'] as const) {
    const v = o[key];
    if (!(typeof v === 'number' && v > 0 && v <= 16)) throw new Error(`methodOptions.${key} must be in (0, 16], got ${v}`);
  }
  if (!(Number.isInteger(o.projDim) && o.projDim >= 1 && o.projDim <= 4096))
    throw new Error(`methodOptions.projDim must be an integer in 1..4096, got ${o.projDim}`);
}

export const byol: Method<ByolOptions> = {
  id: 'byol',
  ...CATALOG.byol,
  defaults: {
    // Paper A.3: 0.99 for JFT/ALIGN, 0.996 for I1K/I21K, 0.97 for COCO (BYOL code: 0.97 for
    // 40 epochs, 0.99 for 100-300, 0.996 for 1000). Toy runs are a few hundred steps: 0.99.
    baseMomentum: 0.99,
    // BYOL: 4096 hidden (2 x the ResNet-50 feature width 2048). Toy: 2 x D.
    projHiddenMult: 2,
    // BYOL: 256. Toy: 64.
    projDim: 64,
    // BYOL: predictor hidden 4096, same as the projector. Toy: 2 x D.
    predHiddenMult: 2,
  },
  requires(options: ByolOptions, model: VitConfig): MethodRequirements {
    validateByolOptions(options);
    return { views: byolViews(model.imageSize), targets: false, tokens: false };
  },
  init(ctx) {
    const o = ctx.options;
    validateByolOptions(o);
    const d = ctx.model.dim;
    const projHidden = Math.max(1, Math.round(o.projHiddenMult * d));
    const predHidden = Math.max(1, Math.round(o.predHiddenMult * d));
    const rng = ctx.rng.split('byol');
    const projStore = new ParamStore('byol.online');
    const predStore = new ParamStore('byol.online');
    const projector = byolMlp(projStore, 'projector', d, projHidden, o.projDim, rng);
    const predictor = byolMlp(predStore, 'predictor', o.projDim, predHidden, o.projDim, rng);
    // Target: a non-trainable encoder and projector, starting equal to the online ones.
    const targetEncoder = new VitEncoder(ctx.model, rng.split('target'), { name: 'byol.target.encoder', trainable: false });
    targetEncoder.copyFrom(ctx.encoder);
    const target = nonTrainableCopy(projStore, 'byol.target', (s) => byolMlp(s, 'projector', d, projHidden, o.projDim, rng));
    const targetProjector = target.module;
    const online = [...ctx.encoder.variables, ...projStore.variables];
    const targetVars = [...targetEncoder.variables, ...target.store.variables];

    const project = (head: MlpHead, y: tf.Tensor2D[]) => y.map((v) => head.apply(v));
    return {
      trainable: [...ctx.encoder.variables, ...projStore.variables, ...predStore.variables],
      teacher: { variables: targetVars, student: online },
      loss(batch) {
        const views = batch.views;
        if (!views || views.length !== 2) throw new Error(`byol needs batch.views with 2 views, got ${views?.length ?? 0}`);
        const [y1, y2] = ctx.scope('encoder', () => tf.split(ctx.encoder.features(tf.concat(views, 0), ctx.scope), 2, 0) as tf.Tensor2D[]);
        const [p1, p2] = ctx.scope('head', () => project(predictor, project(projector, [y1, y2])));
        // Target forward: non-trainable variables only, so nothing here is differentiated.
        const [t1, t2] = ctx.scope('teacher', () => {
          const ys = tf.split(targetEncoder.features(tf.concat(views, 0)), 2, 0) as tf.Tensor2D[];
          return project(targetProjector, ys);
        });
        return ctx.scope('loss', () => byolLoss(p1, t2, p2, t1));
      },
      afterStep(step) {
        emaUpdate(targetVars, online, cosineRamp(step, ctx.steps, o.baseMomentum, 1));
      },
      dispose() {
        projStore.dispose();
        predStore.dispose();
        target.store.dispose();
        targetEncoder.dispose();
      },
    };
  },
};
