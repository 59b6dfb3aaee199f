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
import { withoutTape } from '../../engine/tape';
import type { ViewSpec } from '../../data/viewSpec';
import { cosineRamp } from '../../engine/schedule';
import { DinoHead, type DinoHeadConfig } from '../../models/heads';
import { ParamStore } from '../../models/layers';
import { VitEncoder, type VitConfig } from '../../models/vit';
import { byolView } from '../byol/method';
import { TOY_GLOBAL_CROP } from '../../data/augment';
import { dinoCenter, dinoLoss, teacherEntropy, teacherMarginalEntropy } from './loss';
import { dinoLocalSide, type DinoOptions } from './options';
import { emaUpdate, nonTrainableCopy } from '../ema';
import type { Method, MethodRequirements } from '../types';

/**
 * DINO (Caron et al. 2021, main_dino.py DataAugmentationDINO): every view gets
 * BYOL's colour recipe (byolView): flip 0.5, colour jitter p=0.8 (0.4, 0.4,
 * 0.2, 0.1) and grayscale 0.2 (lab scale: hue TOY_HUE and grayscale
 * TOY_GRAYSCALE_P, src/data/augment.ts);
 * global 1: blur p=1.0; global 2: blur p=0.1 and solarisation p=0.2; locals:
 * blur p=0.5. DINO crops globals at 224 px with area U(0.4, 1) and locals at
 * 96 px with area U(0.05, 0.4), so local max = global min.
 *
 * Toy scale: globals uncropped (TOY_GLOBAL_CROP, src/data/augment.ts: at 32 px a
 * crop rescales the object and the probe stays at random init), locals U(0.05, 0.25)
 * of the image: a local of at most 25% area (half the side) frames part of the
 * object, which the student must match to the teacher's whole view. Local side
 * `localSize` plays the role of 96 px.
 */
export function dinoViews(imageSize: number, localCrops: number, localSize: number): ViewSpec[] {
  if (!Number.isInteger(localCrops) || localCrops < 0) throw new Error(`dinoViews: localCrops must be a non-negative integer, got ${localCrops}`);
  if (!Number.isInteger(localSize) || localSize < 1) throw new Error(`dinoViews: localSize must be a positive integer, got ${localSize}`);
  const views = [byolView(imageSize, TOY_GLOBAL_CROP(), 1.0, 0), byolView(imageSize, TOY_GLOBAL_CROP(), 0.1, 0.2)];
  for (let i = 0; i < localCrops; i++) views.push(byolView(localSize, [0.05, 0.25], 0.5, 0));
  return views;
}

/** Teacher temperature at `step`: linear warm-up (np.linspace over the warm-up steps), then constant. */
export function dinoTeacherTemp(o: DinoOptions, step: number, steps: number): number {
  const warm = Math.round(o.teacherTempWarmup * steps);
  if (step >= warm) return o.teacherTemp;
  return warm > 1 ? o.warmupTeacherTemp + ((o.teacherTemp - o.warmupTeacherTemp) * step) / (warm - 1) : o.warmupTeacherTemp;
}

export const dino: Method<DinoOptions> = {
  requires(options: DinoOptions, model: VitConfig): MethodRequirements {
    return { views: dinoViews(model.imageSize, options.localCrops, dinoLocalSide(options.localSize, model)), targets: false, tokens: false };
  },
  init(ctx) {
    const o = ctx.options;
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

    // Centre of the teacher logits [1, K] and the one before the last update (for monitors): non-trainable
    // variables, so a checkpoint keeps them (`buffers`). Both start at zero (no drift before the first update).
    const bufferStore = new ParamStore('dino.buffers', false);
    const center = bufferStore.add('center', tf.zeros([1, o.prototypes]));
    const prevCenter = bufferStore.add('prevCenter', tf.zeros([1, o.prototypes]));
    // Teacher logits of the last `loss` call [2B, K], its temperature, and whether the centre has taken them in.
    let lastTeacher: tf.Tensor2D | null = null;
    let lastTemp = o.warmupTeacherTemp;
    let centred = true;

    return {
      trainable: studentVars,
      teacher: { variables: teacherVars, student: studentVars },
      buffers: bufferStore.variables,
      loss(batch, step) {
        const views = batch.views;
        const nViews = 2 + o.localCrops;
        if (!views || views.length !== nViews)
          throw new Error(`dino needs batch.views with ${nViews} crops (2 global + ${o.localCrops} local), got ${views?.length ?? 0}`);
        const globals = views.slice(0, 2);
        const locals = views.slice(2);
        const temp = dinoTeacherTemp(o, step, ctx.steps);
        // Teacher: global crops only, non-trainable variables only.
        const teacherLogits = ctx.scope('teacher', () => withoutTape(() => teacher.module.apply(teacherEncoder.features(tf.concat(globals, 0)))));
        // Student: one encoder pass per resolution, the head once over all crops.
        const features = ctx.scope('encoder', () => {
          const f = [ctx.encoder.features(tf.concat(globals, 0), ctx.scope)];
          if (locals.length > 0) f.push(ctx.encoder.features(tf.concat(locals, 0), ctx.scope));
          return f.length === 1 ? f[0] : tf.concat(f, 0);
        });
        const studentOut = ctx.scope('head', () => tf.split(head.apply(features), nViews, 0) as tf.Tensor2D[]);
        const loss = ctx.scope('loss', () => {
          const teacherOut = tf.split(teacherLogits, 2, 0) as tf.Tensor2D[];
          return dinoLoss(studentOut, teacherOut, center as tf.Tensor2D, o.studentTemp, temp);
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
          const teacherLogits = lastTeacher;
          tf.tidy(() => {
            const next = dinoCenter([teacherLogits], center as tf.Tensor2D, o.centerMomentum);
            prevCenter.assign(center);
            center.assign(next);
          });
          centred = true;
        }
      },
      monitors() {
        if (!lastTeacher) return {};
        const used = (centred ? prevCenter : center) as tf.Tensor2D;
        return tf.tidy(() => ({
          // Mean entropy (nats) of the teacher targets of the last step: ~0 one-hot collapse, log K uniform collapse.
          teacherEntropy: teacherEntropy([lastTeacher!], used, lastTemp),
          // Entropy of the batch's mean target: ~0 when every image picks the same prototypes.
          teacherMarginalEntropy: teacherMarginalEntropy([lastTeacher!], used, lastTemp),
          // L2 norm of the last centre update.
          centerDrift: tf.norm(tf.sub(center, prevCenter)) as tf.Scalar,
        }));
      },
      dispose() {
        headStore.dispose();
        teacher.store.dispose();
        teacherEncoder.dispose();
        bufferStore.dispose();
        lastTeacher?.dispose();
        lastTeacher = null;
      },
    };
  },
};
