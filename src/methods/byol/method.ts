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
import { inceptionRatio, TOY_GLOBAL_CROP, TOY_GRAYSCALE_P, TOY_HUE } from '../../data/augment';
import type { ViewSpec } from '../../data/viewSpec';
import { cosineRamp } from '../../engine/schedule';
import { withoutTape } from '../../engine/tape';
import { byolMlp, type MlpHead } from '../../models/heads';
import { ParamStore } from '../../models/layers';
import { VitEncoder, type VitConfig } from '../../models/vit';
import { byolLoss } from './loss';
import type { ByolOptions } from './options';
import { emaUpdate, nonTrainableCopy } from '../ema';
import type { Method, MethodRequirements } from '../types';

/**
 * BYOL (Grill et al. 2020, Table 6), two asymmetric views T and T': crop area
 * U(0.08, 1), aspect log-U(3/4, 4/3); flip 0.5 / 0.5; colour jitter p 0.8 / 0.8
 * with brightness 0.4, contrast 0.4, saturation 0.2, hue 0.1; colour dropping
 * (grayscale) 0.2 / 0.2; Gaussian blur 1.0 / 0.1 (sigma U(0.1, 2.0) at 224 px);
 * solarisation 0.0 / 0.2. Lab scale: hue TOY_HUE, grayscale TOY_GRAYSCALE_P,
 * no crop (TOY_GLOBAL_CROP, src/data/augment.ts).
 */
export function byolViews(imageSize: number): ViewSpec[] {
  return [byolView(imageSize, TOY_GLOBAL_CROP(), 1.0, 0.0), byolView(imageSize, TOY_GLOBAL_CROP(), 0.1, 0.2)];
}

/** One view of BYOL's colour recipe (also DINO's, which follows BYOL's augmentations) at the given size, crop area, blur and solarisation. */
export function byolView(size: number, scale: [number, number], blurP: number, solarizeP: number): ViewSpec {
  return {
    size,
    scale,
    ratio: inceptionRatio(),
    flipP: 0.5,
    jitter: { p: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: TOY_HUE },
    grayscaleP: TOY_GRAYSCALE_P,
    blurP,
    solarizeP,
  };
}

/**
 * Spread of l2-normalised outputs [B, P] across the batch: the per-dimension standard deviation,
 * averaged and scaled by sqrt(P), so ~1 for directions spread over the sphere and 0 when every
 * image maps to the same vector (SimSiam's collapse measure, Chen & He 2021 fig. 2).
 */
export function outputSpread(z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const unit = tf.div(z, tf.add(tf.norm(z, 'euclidean', 1, true), 1e-12));
    const { variance } = tf.moments(unit, 0);
    return tf.mul(tf.mean(tf.sqrt(variance)), Math.sqrt(z.shape[1])) as tf.Scalar;
  });
}

export const byol: Method<ByolOptions> = {
  requires(_options: ByolOptions, model: VitConfig): MethodRequirements {
    return { views: byolViews(model.imageSize), targets: false, tokens: false };
  },
  init(ctx) {
    const o = ctx.options;
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

    // The target's projections of view 1 at the last step, for the collapse monitor.
    let lastTarget: tf.Tensor2D | null = null;
    const project = (head: MlpHead, y: tf.Tensor2D[]) => y.map((v) => head.apply(v));
    return {
      trainable: [...ctx.encoder.variables, ...projStore.variables, ...predStore.variables],
      teacher: { variables: targetVars, student: online },
      loss(batch) {
        const views = batch.views;
        if (!views || views.length !== 2) throw new Error(`byol needs batch.views with 2 views, got ${views?.length ?? 0}`);
        const [y1, y2] = ctx.scope('encoder', () => tf.split(ctx.encoder.features(tf.concat(views, 0), ctx.scope), 2, 0) as tf.Tensor2D[]);
        const [p1, p2] = ctx.scope('head', () => project(predictor, project(projector, [y1, y2])));
        // Target forward: non-trainable variables only, so nothing here is differentiated: off the tape.
        const [t1, t2] = ctx.scope('teacher', () =>
          withoutTape(() => {
            const ys = tf.split(targetEncoder.features(tf.concat(views, 0)), 2, 0) as tf.Tensor2D[];
            return project(targetProjector, ys);
          }),
        );
        lastTarget?.dispose();
        lastTarget = tf.keep(t1);
        return ctx.scope('loss', () => byolLoss(p1, t2, p2, t1));
      },
      monitors(): Record<string, tf.Scalar> {
        // Not counted: read at log steps, outside the step's FLOP scope (as DINO's entropies).
        return lastTarget ? { outputSpread: outputSpread(lastTarget) } : {};
      },
      afterStep(step) {
        emaUpdate(targetVars, online, cosineRamp(step, ctx.steps, o.baseMomentum, 1));
      },
      dispose() {
        lastTarget?.dispose();
        lastTarget = null;
        projStore.dispose();
        predStore.dispose();
        target.store.dispose();
        targetEncoder.dispose();
      },
    };
  },
};
