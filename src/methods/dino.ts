/**
 * DINO (Caron et al. 2021; facebookresearch/dino main_dino.py).
 *
 * student (trainable): encoder + DinoHead on ALL crops
 * teacher (EMA, non-trainable): encoder copy + head copy on the 2 GLOBAL crops
 *
 *   globals [2B,S,S,3], locals [LB,s,s,3] -> student encoder per resolution
 *   -> features [(2+L)B,D] -> head once -> split into 2+L logits [B,K]
 *   teacher: globals -> encoder -> head -> 2 logits [B,K]     ('teacher', no gradient)
 *   loss = dinoLoss(student, teacher, center, 0.1, teacherTemp(step))
 *
 * As DINO's MultiCropWrapper, crops of one resolution share an encoder pass and
 * the head runs once over all crops. After each optimiser step (`afterStep`):
 * the teacher moves towards the student with momentum 0.996 -> 1 (cosine), and
 * the centre takes the mean teacher logit of that step with momentum 0.9; the
 * teacher logits are kept from `loss` to `afterStep` for that (DINO updates
 * the centre inside the loss module's forward; same values, same order).
 * The teacher temperature rises linearly from `warmupTeacherTemp` to
 * `teacherTemp` over the first `teacherTempWarmup` of the steps (DINO: per
 * epoch, np.linspace over warmup_teacher_temp_epochs).
 *
 * Not reproduced: freezing the last layer during the first epoch
 * (freeze_last_layer), the weight-decay schedule 0.04 -> 0.4 and drop-path
 * (optimiser/trainer matters), per-GPU batch statistics (none here).
 */
import * as tf from '@tensorflow/tfjs';
import { dinoViews } from '../data/augment';
import { cosineRamp } from '../engine/schedule';
import { DinoHead, type DinoHeadConfig } from '../models/heads';
import { ParamStore } from '../models/layers';
import { VitEncoder, type VitConfig } from '../models/vit';
import { dinoCenter, dinoLoss, teacherEntropy } from './losses/dino';
import { CATALOG } from './catalog';
import { emaUpdate, nonTrainableCopy } from './ema';
import type { Method, MethodRequirements } from './types';

export interface DinoOptions extends Record<string, unknown> {
  /** Local (small) crops per image, besides the 2 global crops. */
  localCrops: number;
  /** Side of a local crop in pixels; 0 = auto (half the image, rounded to a multiple of the patch). */
  localSize: number;
  /** K, the number of prototypes (output width of the head). */
  prototypes: number;
  /** Head MLP hidden width, as a multiple of the encoder width D. */
  headHiddenMult: number;
  /** Head bottleneck width (l2-normalised before the prototypes). */
  bottleneckDim: number;
  studentTemp: number;
  /** Teacher temperature at step 0. */
  warmupTeacherTemp: number;
  /** Teacher temperature after the warm-up. */
  teacherTemp: number;
  /** Fraction of the steps over which the teacher temperature warms up. */
  teacherTempWarmup: number;
  /** Teacher EMA momentum at step 0, cosine-ramped to 1. */
  baseMomentum: number;
  centerMomentum: number;
}

/** The local crop side: the option, or half the image rounded to a multiple of the patch (at least one patch). */
export function dinoLocalSize(o: DinoOptions, model: VitConfig): number {
  if (o.localSize !== 0) return o.localSize;
  const p = model.patchSize;
  return Math.max(p, Math.round(model.imageSize / 2 / p) * p);
}

export function validateDinoOptions(o: DinoOptions, model?: VitConfig): void {
  const fail = (key: string, rule: string) => {
    throw new Error(`methodOptions.${key} must be ${rule}, got ${String(o[key])}`);
  };
  const isInt = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!isInt(o.localCrops, 0, 16)) fail('localCrops', 'an integer in 0..16');
  if (!isInt(o.localSize, 0, 512)) fail('localSize', 'a non-negative integer (0 = auto)');
  if (!isInt(o.prototypes, 2, 65536)) fail('prototypes', 'an integer in 2..65536');
  if (!(isNum(o.headHiddenMult) && o.headHiddenMult > 0 && o.headHiddenMult <= 16)) fail('headHiddenMult', 'in (0, 16]');
  if (!isInt(o.bottleneckDim, 1, 4096)) fail('bottleneckDim', 'an integer in 1..4096');
  for (const key of ['studentTemp', 'warmupTeacherTemp', 'teacherTemp'] as const) if (!(isNum(o[key]) && o[key] > 0)) fail(key, '> 0');
  if (!(isNum(o.teacherTempWarmup) && o.teacherTempWarmup >= 0 && o.teacherTempWarmup <= 1)) fail('teacherTempWarmup', 'in [0, 1]');
  for (const key of ['baseMomentum', 'centerMomentum'] as const) if (!(isNum(o[key]) && o[key] >= 0 && o[key] <= 1)) fail(key, 'in [0, 1]');
  if (model && o.localSize !== 0) {
    const p = model.patchSize;
    if (o.localSize % p !== 0 || o.localSize > model.imageSize)
      fail('localSize', `a multiple of the patch size ${p} and at most the image size ${model.imageSize} (0 = auto)`);
  }
}

/** Teacher temperature at `step`: linear warm-up (np.linspace over the warm-up steps), then constant. */
export function dinoTeacherTemp(o: DinoOptions, step: number, steps: number): number {
  const warm = Math.round(o.teacherTempWarmup * steps);
  if (step >= warm) return o.teacherTemp;
  return warm > 1 ? o.warmupTeacherTemp + ((o.teacherTemp - o.warmupTeacherTemp) * step) / (warm - 1) : o.warmupTeacherTemp;
}

export const dino: Method<DinoOptions> = {
  id: 'dino',
  ...CATALOG.dino,
  defaults: {
    // Paper A.3: 10 local views (DINO: 2 globals at 224 px + 8-10 locals at 96 px). Toy: 2, so that
    // the default budget buys about 290 steps rather than 200 (docs/recipes.md).
    localCrops: 2,
    // DINO: 96 px of 224 (0.43). Toy: 0 = auto, imageSize / 2 on the patch grid (16 px at 32 px).
    localSize: 0,
    // DINO: K = 65536 (out_dim). Toy: 256 (a few hundred pseudo-classes are plenty for 10 shape classes).
    prototypes: 256,
    // DINO: hidden 2048 (5.3 x D for ViT-S, 2.7 x D for ViT-B). Toy: 4 x D.
    headHiddenMult: 4,
    // DINO: bottleneck 256. Toy: 64.
    bottleneckDim: 64,
    // DINO: student temperature 0.1. Toy: same.
    studentTemp: 0.1,
    // DINO: warmup_teacher_temp 0.04. Toy: same.
    warmupTeacherTemp: 0.04,
    // DINO: teacher_temp 0.04 by default (0.07 in longer runs; "above 0.07 is unstable"). Toy: 0.04.
    teacherTemp: 0.04,
    // DINO: 30 warm-up epochs of 100-300 (0 by default in main_dino.py). Toy: the first 30% of steps.
    teacherTempWarmup: 0.3,
    // DINO: momentum_teacher 0.996, cosine to 1, over 100-800 epochs. Toy: 0.95, since a default run
    // is a few hundred steps and the teacher must move within it (as BYOL's code lowers its
    // momentum for short schedules).
    baseMomentum: 0.95,
    // DINO: center_momentum 0.9. Toy: same.
    centerMomentum: 0.9,
  },
  requires(options: DinoOptions, model: VitConfig): MethodRequirements {
    validateDinoOptions(options, model);
    return { views: dinoViews(model.imageSize, options.localCrops, dinoLocalSize(options, model)), targets: false, tokens: false };
  },
  init(ctx) {
    const o = ctx.options;
    validateDinoOptions(o, ctx.model);
    const d = ctx.model.dim;
    const headCfg: DinoHeadConfig = {
      inDim: d,
      hiddenDim: Math.max(1, Math.round(o.headHiddenMult * d)),
      bottleneckDim: o.bottleneckDim,
      prototypes: o.prototypes,
    };
    const rng = ctx.rng.split('dino');
    const headStore = new ParamStore('dino.student');
    const head = new DinoHead(headStore, 'head', headCfg, rng);
    const teacherEncoder = new VitEncoder(ctx.model, rng.split('teacher'), { name: 'dino.teacher.encoder', trainable: false });
    teacherEncoder.copyFrom(ctx.encoder);
    const teacher = nonTrainableCopy(headStore, 'dino.teacher', (s) => new DinoHead(s, 'head', headCfg, rng));
    const studentVars = [...ctx.encoder.variables, ...headStore.variables];
    const teacherVars = [...teacherEncoder.variables, ...teacher.store.variables];

    // Centre of the teacher logits [1, K]; the one before the last update (for monitors).
    let center: tf.Tensor2D = tf.keep(tf.zeros([1, o.prototypes]));
    let prevCenter: tf.Tensor2D | null = null;
    // Teacher logits of the last `loss` call [2B, K], its temperature, and whether the centre has taken them in.
    let lastTeacher: tf.Tensor2D | null = null;
    let lastTemp = o.warmupTeacherTemp;
    let centred = true;

    return {
      trainable: studentVars,
      teacher: { variables: teacherVars, student: studentVars },
      loss(batch, step) {
        const views = batch.views;
        const nViews = 2 + o.localCrops;
        if (!views || views.length !== nViews) throw new Error(`dino needs batch.views with ${nViews} crops (2 global + ${o.localCrops} local), got ${views?.length ?? 0}`);
        const globals = views.slice(0, 2);
        const locals = views.slice(2);
        const temp = dinoTeacherTemp(o, step, ctx.steps);
        // Teacher: global crops only, non-trainable variables only.
        const teacherLogits = ctx.scope('teacher', () => teacher.module.apply(teacherEncoder.features(tf.concat(globals, 0))));
        // Student: one encoder pass per resolution, the head once over all crops.
        const features = ctx.scope('encoder', () => {
          const f = [ctx.encoder.features(tf.concat(globals, 0), ctx.scope)];
          if (locals.length > 0) f.push(ctx.encoder.features(tf.concat(locals, 0), ctx.scope));
          return f.length === 1 ? f[0] : tf.concat(f, 0);
        });
        const studentOut = ctx.scope('head', () => tf.split(head.apply(features), nViews, 0) as tf.Tensor2D[]);
        const loss = ctx.scope('loss', () => {
          const teacherOut = tf.split(teacherLogits, 2, 0) as tf.Tensor2D[];
          return dinoLoss(studentOut, teacherOut, center, o.studentTemp, temp);
        });
        lastTeacher?.dispose();
        lastTeacher = tf.keep(teacherLogits);
        lastTemp = temp;
        centred = false;
        return loss;
      },
      afterStep(step) {
        emaUpdate(teacherVars, studentVars, cosineRamp(step, ctx.steps, o.baseMomentum, 1));
        if (lastTeacher && !centred) {
          const next = dinoCenter([lastTeacher], center, o.centerMomentum);
          prevCenter?.dispose();
          prevCenter = center;
          center = tf.keep(next);
          centred = true;
        }
      },
      monitors() {
        if (!lastTeacher) return {};
        const used = centred && prevCenter ? prevCenter : center;
        return tf.tidy(() => ({
          // Mean entropy (nats) of the teacher targets of the last step: ~0 one-hot collapse, log K uniform collapse.
          teacherEntropy: teacherEntropy([lastTeacher!], used, lastTemp),
          // L2 norm of the last centre update.
          centerDrift: prevCenter ? (tf.norm(tf.sub(center, prevCenter)) as tf.Scalar) : tf.scalar(0),
        }));
      },
      dispose() {
        headStore.dispose();
        teacher.store.dispose();
        teacherEncoder.dispose();
        center.dispose();
        prevCenter?.dispose();
        lastTeacher?.dispose();
        prevCenter = null;
        lastTeacher = null;
      },
    };
  },
};
