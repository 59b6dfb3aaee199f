/**
 * DINO: what the page, the config and the memory estimate know of it (label, paper, options,
 * collapse rule, encoder passes) and a loader for its implementation (./method.ts, tfjs, worker side).
 */
import { defineMethod, type EncoderPass } from '../spec';
import { linearParams, GELU_LAYER_FLOATS } from '../passSizes';
import { dinoOptions, dinoLocalSide } from './options';

/** The collapse rule's threshold, well inside the extremes a collapsed run reaches. DINO: per-image targets above 90 % of the uniform entropy, or fewer than 2 prototypes in use across the batch. */
const UNIFORM_SHARE = 0.9;
const MIN_PROTOTYPES_USED = 2;

export const dinoSpec = defineMethod({
  label: 'DINO',
  paper: 'https://arxiv.org/abs/2104.14294',
  summary: 'Self-distillation across multi-crop views with a centred, sharpened EMA teacher.',
  atLabScale:
    'kNN and linear probes at random-init level (about 13-15 %); a PyTorch re-implementation on the same views agrees. Several recipes collapse its teacher to uniform targets, which the run flags (docs/recipes.md).',
  options: dinoOptions,
  collapse({ monitors: { teacherEntropy, teacherMarginalEntropy } }, o) {
    const uniform = Math.log(o.prototypes);
    if (teacherEntropy !== undefined && teacherEntropy > UNIFORM_SHARE * uniform)
      return `the teacher's targets are nearly uniform (entropy ${teacherEntropy.toFixed(2)} of at most ${uniform.toFixed(2)} nats): centring has flattened a constant output`;
    if (teacherMarginalEntropy !== undefined && Math.exp(teacherMarginalEntropy) < MIN_PROTOTYPES_USED)
      return `the batch uses ${Math.exp(teacherMarginalEntropy).toFixed(1)} of ${o.prototypes} prototypes (effective number): every image gets the same target`;
    return null;
  },
  checkWithModel(o, model) {
    const p = model.patchSize;
    if (o.localSize === 0 || (o.localSize % p === 0 && o.localSize <= model.imageSize)) return [];
    return [{ key: 'localSize', message: `${o.localSize} must be a multiple of the patch size ${p} and at most the image size ${model.imageSize} (0 = auto)` }];
  },
  encoderPasses(o, model) {
    const d = model.dim;
    const hidden = Math.max(1, Math.round(o.headHiddenMult * d));
    const k = o.prototypes;
    // DinoHead: Linear + GELU twice, Linear to the bottleneck, l2 norm, prototypes [bottleneck, K] (no bias).
    const head = linearParams(d, hidden) + linearParams(hidden, hidden) + linearParams(hidden, o.bottleneckDim) + o.bottleneckDim * k;
    const mlpFloats = d + 2 * GELU_LAYER_FLOATS * hidden + 3 * o.bottleneckDim;
    // Student logits, /temperature, log-softmax and the products with the teacher targets; teacher logits, centred, /temperature, softmax.
    const student = { grad: true, extraFloats: mlpFloats + 5 * k };
    const passes: EncoderPass[] = [{ imageSize: model.imageSize, count: 2, ...student, extraParams: head }];
    if (o.localCrops > 0) passes.push({ imageSize: dinoLocalSide(o.localSize, model), count: o.localCrops, ...student });
    passes.push({ imageSize: model.imageSize, count: 2, grad: false, extraParams: head, extraFloats: mlpFloats + 4 * k });
    return passes;
  },
  load: () => import('./method').then((m) => m.dino),
});
