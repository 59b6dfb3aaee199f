/**
 * Every method the lab knows: one entry each, holding its label, paper, options
 * schema (defaults, ranges, help, the paper's value) and a loader for its
 * implementation. Adding a method is its file plus one entry here. Free of
 * tfjs: the implementations load on demand (in the worker), so the page bundle
 * can validate configs and draw option controls from this file alone.
 *
 * Each default sits beside the paper's value; comments say why the toy value
 * differs, with the measurement (docs/recipes.md has the sweeps).
 */
import { z } from 'zod';
import { VOCAB } from '../data/tokenize';
import type { VitConfig } from '../models/vit';
import { maeDecoderConfig } from '../models/maeDecoderShape';
import { textTowerSize } from '../models/textSizes';
import { defineMethod, option, optionControls, type EncoderPass, type MethodSpec, type OptionControl } from './spec';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const unit = () => z.number().min(0).max(1);
const widthMult = () => z.number().gt(0).max(16);
const temperature = () => z.number().gt(0).max(10);

export const supervisedOptions = z.strictObject({
  labelSmoothing: option(z.number().min(0).lt(1).default(0.1), {
    label: 'Label smoothing',
    help: 'Applied after averaging multi-label targets.',
    paper: '0.1 (A.3)',
    step: 0.05,
  }),
  // A run of the default budget sees each image of the pool about twice: nothing to regularise
  // against, and a crop only slows learning. Measured (toy-B, 1,000 steps, wasm, kNN probe on
  // 1,000/500 images): area U(0.35, 1) 33.4 %, no crop 81.8 % (docs/recipes.md).
  cropScale: option(z.number().gt(0).max(1).default(1), {
    label: 'Min crop area',
    help: 'Smallest area of the random resized crop; 1 = flip only (the toy default: a short run sees each image about twice).',
    paper: 'crop-resize, area U(0.08, 1) (I1K)',
    step: 0.05,
  }),
});

export const maeOptions = z.strictObject({
  maskRatio: option(z.number().gt(0).lt(1).default(0.75), {
    label: 'Mask ratio',
    help: 'Fraction of patches hidden from the encoder (it must keep one patch and hide one).',
    paper: '0.75; A.5 sweeps 0.55 / 0.65 / 0.75 / 0.85',
    step: 0.05,
    sweep: [0.55, 0.65, 0.75, 0.85],
  }),
  decoder: option(z.enum(['standard', 'tiny']).default('standard'), {
    label: 'Decoder',
    help: "standard: the toy analogue of MAE's decoder (2/3 of the encoder's width and depth, at least 2 layers); tiny: one layer.",
    paper: '8 layers x 512 wide; tiny: 1 layer (A.5)',
    sweep: ['standard', 'tiny'],
  }),
  normPixLoss: option(z.boolean().default(true), {
    label: 'Normalised pixel targets',
    help: 'Reconstruct each patch normalised by its own mean and variance (norm_pix_loss).',
    paper: "true (MAE's best results)",
  }),
});

export const simclrOptions = z.strictObject({
  // Batch 32 has few negatives, and 0.1 or 0.2 reached the same probe with a curve that fell
  // after its first point (docs/recipes.md).
  temperature: option(temperature().default(0.5), {
    label: 'Temperature',
    help: 'NT-Xent temperature; 0.5 (CIFAR-10\'s value) suits the toy batch of 32.',
    paper: '0.1 (ImageNet; 0.5 on CIFAR-10)',
    step: 0.05,
  }),
  projLayers: option(int(1, 4).default(2), { label: 'Projection layers', help: 'Linear layers of the projection head.', paper: '2 (v1); 3 (v2)', advanced: true }),
  projHiddenMult: option(widthMult().default(2), {
    label: 'Projection hidden (x D)',
    help: 'Hidden width as a multiple of the encoder width D (ViT SSL heads are wider than ResNet ones).',
    paper: 'x1 (2048 on ResNet-50)',
    advanced: true,
  }),
  projDim: option(int(1, 4096).default(64), { label: 'Projection output', help: 'Toy widths are 32-192.', paper: '128', advanced: true }),
});

export const byolOptions = z.strictObject({
  // BYOL's code: 0.97 for 40 epochs, 0.99 for 100-300, 0.996 for 1000. Toy runs are a few hundred steps.
  baseMomentum: option(unit().default(0.99), {
    label: 'Target EMA (base)',
    help: 'Target momentum at step 0, rising to 1 by cosine.',
    paper: '0.99 (JFT/ALIGN), 0.996 (I1K), 0.97 (COCO)',
    step: 0.001,
  }),
  projHiddenMult: option(widthMult().default(2), { label: 'Projector hidden (x D)', help: 'Projector hidden width as a multiple of D.', paper: '4096 (2 x 2048)', advanced: true }),
  projDim: option(int(1, 4096).default(64), { label: 'Projection output', help: 'Projector and predictor output width.', paper: '256', advanced: true }),
  predHiddenMult: option(widthMult().default(2), { label: 'Predictor hidden (x D)', help: 'Predictor hidden width as a multiple of D.', paper: '4096', advanced: true }),
});

export const dinoOptions = z.strictObject({
  // 2 rather than 10, so that the default budget buys about 290 steps rather than 200 (docs/recipes.md).
  localCrops: option(int(0, 16).default(2), { label: 'Local crops', help: 'Small crops only the student sees.', paper: '10 (A.3)', step: 1 }),
  localSize: option(int(0, 512).default(0), {
    label: 'Local crop side (px)',
    help: '0 = half the image on the patch grid (16 px at 32 px); otherwise a multiple of the patch size.',
    paper: '96 px of 224',
    advanced: true,
  }),
  prototypes: option(int(2, 65536).default(256), { label: 'Prototypes K', help: 'Head output width; a few hundred is plenty for the toy classes.', paper: '65536', advanced: true }),
  headHiddenMult: option(widthMult().default(4), { label: 'Head hidden (x D)', help: 'Head MLP hidden width as a multiple of D.', paper: '2048 (2.7 x D for ViT-B)', advanced: true }),
  bottleneckDim: option(int(1, 4096).default(64), { label: 'Bottleneck', help: 'l2-normalised before the prototypes.', paper: '256', advanced: true }),
  studentTemp: option(temperature().default(0.1), { label: 'Student temperature', help: 'Sharpness of the student softmax.', paper: '0.1', advanced: true, step: 0.01 }),
  warmupTeacherTemp: option(temperature().default(0.04), { label: 'Teacher temp. at start', help: 'Teacher temperature at step 0.', paper: '0.04', advanced: true, step: 0.01 }),
  teacherTemp: option(temperature().default(0.04), { label: 'Teacher temperature', help: 'After the warm-up ("above 0.07 is unstable").', paper: '0.04 (0.07 in long runs)', step: 0.01 }),
  teacherTempWarmup: option(unit().default(0.3), { label: 'Teacher temp. warm-up', help: 'Fraction of the steps over which the teacher temperature rises.', paper: '30 epochs of 100-300', advanced: true, step: 0.05 }),
  // 0.95 rather than 0.996: a default run is a few hundred steps and the teacher must move within
  // it (as BYOL's code lowers its momentum for short schedules).
  baseMomentum: option(unit().default(0.95), { label: 'Teacher EMA (base)', help: 'Teacher momentum at step 0, rising to 1 by cosine.', paper: '0.996', advanced: true, step: 0.001 }),
  centerMomentum: option(unit().default(0.9), { label: 'Centre momentum', help: 'EMA of the mean teacher logit.', paper: '0.9', advanced: true, step: 0.01 }),
});

export const clipOptions = z.strictObject({
  textSize: option(z.enum(['mini', 'medium']).default('mini'), {
    label: 'Text encoder',
    help: 'mini: 1 layer, 16 wide; medium: 2 layers, 32 wide; beside vit-b16 / vit-l16, the paper\'s 4 x 256 and 8 x 512 (src/models/textSizes.ts).',
    paper: 'BERT-mini 4 x 256; BERT-medium 8 x 512',
  }),
  // Our tokens are whole words; 55 characters hold about 11-12 words, i.e. 13-14 tokens with BOS
  // and EOS, so 16 covers the paper's limit with a little slack. 3 at least: BOS, a word, EOS.
  maxLen: option(int(3, 256).default(16), { label: 'Caption tokens', help: 'Caption length in tokens, BOS and EOS included.', paper: '55 characters', advanced: true }),
  // 48 is toy-B's width, the lab's ViT-B analogue, as 768 is ViT-B's.
  embedDim: option(int(1, 4096).default(48), { label: 'Joint embedding', help: 'Width of the joint image-text space.', paper: '768', advanced: true }),
  captionSource: option(z.enum(['auto', 'pseudo', 'scene']).default('auto'), {
    label: 'Captions',
    help: 'auto: the dataset\'s captions where it has them, else pseudo; pseudo: "this is a photo of <label> and ..."; scene: the dataset\'s captions.',
    paper: 'pseudo-captions for JFT, alt-text for ALIGN',
  }),
});

export type SupervisedOptions = z.output<typeof supervisedOptions>;
export type MaeOptions = z.output<typeof maeOptions>;
export type SimclrOptions = z.output<typeof simclrOptions>;
export type ByolOptions = z.output<typeof byolOptions>;
export type DinoOptions = z.output<typeof dinoOptions>;
export type ClipOptions = z.output<typeof clipOptions>;

/** Patches the encoder sees: MAE's len_keep = int(N * (1 - mask_ratio)). */
export const lenKeep = (numPatches: number, maskRatio: number): number => Math.trunc(numPatches * (1 - maskRatio));

/*
 * What one training step of each method runs, for the memory estimate (`encoderPasses`,
 * priced by src/train/memoryEstimate.ts). The estimate prices the transformer blocks from
 * the model; each entry adds its own layers: weights (`extraParams`) and about the sum of
 * their forward outputs per image (`extraFloats`), read off the method files. Sizes the
 * implementations use come from tfjs-free modules both sides import (maeDecoderShape,
 * textSizes, dinoLocalSide below).
 */

const linearParams = (inDim: number, outDim: number, bias = true) => inDim * outDim + (bias ? outDim : 0);

/** DINO's local crop side: the option, or (0) half the image rounded to the patch grid, at least one patch. */
export function dinoLocalSide(localSize: number, model: VitConfig): number {
  if (localSize !== 0) return localSize;
  return Math.max(model.patchSize, Math.round(model.imageSize / 2 / model.patchSize) * model.patchSize);
}

/** Classes the supervised head is sized for: the presets have at most 70 (JFT-like); an imported set has its folders'. */
const ASSUMED_CLASSES = 100;

/** A hidden Linear + BatchNorm + ReLU layer keeps about 9 outputs of its width (BN: sub, square, sub, rsqrt-mul, gamma, beta). */
const BN_LAYER_FLOATS = 9;
/** A hidden Linear + exact GELU layer keeps 6 outputs of its width (src/models/layers.ts gelu: 4 ops + the product). */
const GELU_LAYER_FLOATS = 6;

/*
 * Collapse thresholds (the methods' `collapse` rules). A collapsed representation maps every
 * image to (nearly) one output; its signs are at the extremes, so the thresholds sit well inside
 * them. MAE: a loss within 2 % of predicting nothing. BYOL: an output spread under a tenth of
 * the spread-out value (SimSiam's collapsed runs fall to ~0). DINO: per-image targets above
 * 90 % of the uniform entropy, or fewer than 2 prototypes in use across the batch.
 */
const MAE_TRIVIAL_SHARE = 0.98;
const COLLAPSED_SPREAD = 0.1;
const UNIFORM_SHARE = 0.9;
const MIN_PROTOTYPES_USED = 2;

export const CATALOG = {
  supervised: defineMethod({
    label: 'Supervised classification',
    paper: 'https://arxiv.org/abs/2010.11929',
    summary: 'Softmax classifier on the class token; labels averaged over objects, smoothed by 0.1 (ViT / paper A.3).',
    atLabScale: 'linear probe about 39 % and kNN about 40 % after 1,000 steps on the off-centre probe, from about 13-14 % at random init (median of 3 seeds; npm run signal).',
    options: supervisedOptions,
    encoderPasses: (_o, model) => [
      // Linear classifier on the class token: logits, smoothing and softmax cross-entropy, a few per class.
      { imageSize: model.imageSize, count: 1, grad: true, extraParams: linearParams(model.dim, ASSUMED_CLASSES), extraFloats: model.dim + 5 * ASSUMED_CLASSES },
    ],
    load: () => import('./supervised').then((m) => m.supervised),
  }),
  mae: defineMethod({
    label: 'MAE (masked autoencoder)',
    paper: 'https://arxiv.org/abs/2111.06377',
    summary: 'Reconstructs masked patches from the visible ones.',
    atLabScale:
      'probed on the mean of its patch tokens: linear about 15 %, kNN about 12 %, 0-4 points above random init; its patch tokens improve for dense tasks (patch mIoU about 15.9 -> 18.7; docs/recipes.md).',
    readout: 'patch-mean',
    options: maeOptions,
    collapse: ({ loss, monitors: { trivialLoss } }) =>
      trivialLoss !== undefined && trivialLoss > 0 && loss >= MAE_TRIVIAL_SHARE * trivialLoss
        ? `MAE's loss ${loss.toFixed(3)} is at its trivial value ${trivialLoss.toFixed(3)} (predicting each masked patch's mean): the encoder has learnt nothing to reconstruct from`
        : null,
    checkWithModel(o, model) {
      const n = (model.imageSize / model.patchSize) ** 2;
      const kept = lenKeep(n, o.maskRatio);
      return kept >= 1 && kept < n ? [] : [{ key: 'maskRatio', message: `${o.maskRatio} keeps ${kept} of ${n} patches; it must keep at least one and hide at least one` }];
    },
    encoderPasses(o, model): EncoderPass[] {
      const n = (model.imageSize / model.patchSize) ** 2;
      const kept = lenKeep(n, o.maskRatio);
      const prefix = model.pool === 'cls' ? 1 : 0;
      const pixels = model.patchSize * model.patchSize * 3;
      const dec = maeDecoderConfig(model, o.decoder);
      return [
        // The encoder sees the kept patches only (all N are embedded first, which the estimate prices).
        { imageSize: model.imageSize, count: 1, grad: true, tokenFraction: kept / n },
        {
          // The decoder: its blocks over all c+N positions; beside them its embed, mask token, norm and
          // pixel head (weights), the embed and unshuffle outputs, the [N, p*p*3] prediction and the
          // loss's target patches, per-patch normalisation and squared error (about 13 per pixel).
          imageSize: model.imageSize,
          count: 1,
          grad: true,
          blocks: dec,
          extraParams: linearParams(model.dim, dec.dim) + dec.dim + 2 * dec.dim + linearParams(dec.dim, pixels),
          extraFloats: (prefix + kept + n) * dec.dim + 13 * n * pixels,
        },
      ];
    },
    load: () => import('./mae').then((m) => m.mae),
  }),
  simclr: defineMethod({
    label: 'SimCLR',
    paper: 'https://arxiv.org/abs/2002.05709',
    summary: 'Contrastive: two augmented views attract, other images repel (NT-Xent).',
    atLabScale: 'kNN probe about 22 %, 7-10 points above random init, at the raw-pixel line; linear about 18 %. The only self-supervised method that rises at this budget (docs/recipes.md).',
    options: simclrOptions,
    encoderPasses(o, model) {
      const d = model.dim;
      const hidden = Math.max(1, Math.round(o.projHiddenMult * d));
      const dims = [d, ...Array.from({ length: o.projLayers - 1 }, () => hidden), o.projDim];
      // Projection head: Linear (no bias) + BatchNorm per layer (the last BN without offset).
      const params = dims.slice(1).reduce((sum, out, i) => sum + dims[i] * out + 2 * out, 0) - o.projDim;
      // Both views in one encoder call; NT-Xent over [2B, 2B]: similarity, scaled, masked, log-softmax,
      // the positives constant and their product (7 per pair).
      return [{ imageSize: model.imageSize, count: 2, grad: true, extraParams: params, extraFloats: d + BN_LAYER_FLOATS * hidden * (o.projLayers - 1) + 11 * o.projDim, pairFloats: 7 }];
    },
    load: () => import('./simclr').then((m) => m.simclr),
  }),
  byol: defineMethod({
    label: 'BYOL',
    paper: 'https://arxiv.org/abs/2006.07733',
    summary: 'Predicts an EMA target network’s projection of another view; no negatives.',
    atLabScale: 'kNN and linear probes at random-init level (about 13-14 %); a PyTorch re-implementation on the same views agrees. Its predictor and EMA target need more than the default budget (docs/recipes.md).',
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
        { imageSize: model.imageSize, count: 2, grad: true, extraParams: projector + mlp(o.projDim, predHidden), extraFloats: d + mlpFloats(projHidden) + mlpFloats(predHidden) + 4 * o.projDim },
        // Target: the frozen copies of the encoder and projector on the same two views.
        { imageSize: model.imageSize, count: 2, grad: false, extraParams: projector, extraFloats: d + mlpFloats(projHidden) },
      ];
    },
    load: () => import('./byol').then((m) => m.byol),
  }),
  dino: defineMethod({
    label: 'DINO',
    paper: 'https://arxiv.org/abs/2104.14294',
    summary: 'Self-distillation across multi-crop views with a centred, sharpened EMA teacher.',
    atLabScale: 'kNN and linear probes at random-init level (about 13-14 %); a PyTorch re-implementation on the same views agrees. Several recipes collapse its teacher to uniform targets, which the run flags (docs/recipes.md).',
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
    load: () => import('./dino').then((m) => m.dino),
  }),
  clip: defineMethod({
    label: 'CLIP',
    paper: 'https://arxiv.org/abs/2103.00020',
    summary: 'Contrastive image–caption matching with a small text transformer.',
    atLabScale: 'linear and kNN probes about 32-33 % with pseudo-captions, which name the shape, from about 14 % at random init (median of 3 seeds; npm run signal).',
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
    load: () => import('./clip').then((m) => m.clip),
  }),
};

export type MethodId = keyof typeof CATALOG;
export const METHOD_IDS = Object.keys(CATALOG) as [MethodId, ...MethodId[]];

/** A catalogued method's options at their defaults, typed. */
export function defaultOptions<M extends MethodId>(id: M): z.output<(typeof CATALOG)[M]['options']> {
  return CATALOG[id].options.parse({}) as z.output<(typeof CATALOG)[M]['options']>;
}

/** The catalog plus methods added at run time (a test's throwaway method, a plugin). */
const specs = new Map<string, MethodSpec>(Object.entries(CATALOG));

/** Adds a method at run time, under a new id. */
export function addMethod(id: string, spec: MethodSpec): void {
  if (specs.has(id)) throw new Error(`method '${id}' is already in the catalog`);
  specs.set(id, spec);
}

export const methodSpec = (id: string): MethodSpec | undefined => specs.get(id);
export const methodIds = (): string[] => [...specs.keys()];

export interface MethodInfo {
  id: string;
  label: string;
  /** Every catalogued method is implemented; kept so API callers can filter as before. */
  available: true;
  paper: string;
  summary: string;
  atLabScale: string;
  /** Each option with its default, range, help and the paper's value. */
  options: OptionControl[];
}

export function listMethods(): MethodInfo[] {
  return [...specs].map(([id, m]) => ({
    id,
    label: m.label,
    available: true,
    paper: m.paper,
    summary: m.summary,
    atLabScale: m.atLabScale,
    options: optionControls(m.options),
  }));
}
