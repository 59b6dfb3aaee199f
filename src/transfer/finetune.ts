/**
 * Transfer evaluation by segmentation fine-tuning (paper A.4, scaled down):
 * a copy of the pre-trained encoder (or a random one: the from-scratch
 * baseline) plus the FCN-style head (segHead.ts), all fine-tuned on the ADE-like
 * train split with AdamW (b1 0.9, b2 0.999, eps 1e-8, decay on weight matrices),
 * linear warm-up + polynomial decay, global-norm clipping, random rescale-crop
 * and photometric augmentation, and per-pixel softmax cross-entropy that skips
 * ignored (255) pixels; then mIoU on the fixed validation split, un-augmented.
 *
 * FLOPs: a FlopCounter of its own counts every kernel of the fine-tuning steps
 * (forward, backward, optimiser) and of the evaluation, reported apart from
 * pre-training FLOPs. Deterministic given the seed on the cpu backend. Yields to
 * the event loop after every step, so a worker stays responsive and can stop it.
 */
import * as tf from '@tensorflow/tfjs';
import { FlopCounter } from '../engine/flops/counter';
import { AdamW, withDecayRule } from '../engine/optimizer';
import { hashSeed, Rng } from '../engine/rng';
import { warmupPoly } from '../engine/schedule';
import { oneHotRows } from '../engine/oneHot';
import { VitEncoder, type VitConfig } from '../models/vit';
import { adeData, IGNORE_INDEX, NUM_SEG_CLASSES, type AdeData, type AdeSplit } from './ade';
import { confusionMatrix, miouFromConfusion } from './miou';
import { augmentSegSample } from './segAugment';
import { patchTokens, SegHead } from './segHead';
import { validateSegSettings, type SegSettings } from './settings';
import { median } from '../lib/stats';
import { nextTask } from '../lib/nextTask';

export { type SegSettings } from './settings';

export interface FinetuneResult {
  seed: number;
  /** Validation mIoU in [0, 1] (NaN if stopped before evaluation). */
  miou: number;
  perClassIoU: (number | null)[];
  pixelAccuracy: number;
  /** All fine-tuning kernel FLOPs: trainFlops + evalFlops. */
  flops: number;
  trainFlops: number;
  evalFlops: number;
  /** Loss of the last step read back (NaN if none ran). */
  finalLoss: number;
  /** Steps done. */
  steps: number;
  /** True when shouldStop() ended it early (then there is no evaluation). */
  stopped: boolean;
}

export interface FinetuneArgs {
  model: VitConfig;
  /** Encoder to start from (copied, never modified); null = from scratch, random init from `seed`. */
  init: VitEncoder | null;
  /** Missing fields take SEG_DEFAULTS. */
  settings: Partial<SegSettings>;
  /** Fine-tuning seed: head init (and scratch encoder init), batch order, augmentation. */
  seed: number;
  /** ADE-like splits; built from `seed` when absent (transferEvaluation passes one set to every seed). */
  data?: AdeData;
  /** Called with the loss of every 10th step and of the last (each a read-back). */
  onStep?: (step: number, loss: number) => void;
  /** Called after every step with the number of steps done (no read-back). */
  onProgress?: (stepsDone: number) => void;
  shouldStop?: () => boolean;
}

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const LOSS_EVERY = 10;

const CONFIG_KEYS = ['imageSize', 'patchSize', 'dim', 'depth', 'heads', 'mlpDim', 'pool'] as const;
function checkSameConfig(init: VitConfig, model: VitConfig): void {
  for (const key of CONFIG_KEYS)
    if (init[key] !== model[key]) throw new Error(`finetuneSegmentation: init encoder has ${key} ${init[key]} but model has ${key} ${model[key]}`);
}

/** Training images of step `step`: consecutive slices of a fresh seeded permutation per epoch. */
export function segStepIndices(step: number, batchSize: number, size: number, seed: number): number[] {
  const out: number[] = [];
  let perm: Int32Array | null = null;
  let epoch = -1;
  for (let i = 0; i < batchSize; i++) {
    const position = step * batchSize + i;
    const e = Math.floor(position / size);
    if (e !== epoch) [epoch, perm] = [e, new Rng(hashSeed(seed, 'seg-epoch', e)).permutation(size)];
    out.push(perm![position % size]);
  }
  return out;
}

/** Augmented host batch; labels as int32 with ignored pixels as -1 (one-hot of -1 is all zeros). */
function trainBatch(split: AdeSplit, step: number, batchSize: number, seed: number) {
  const s = split.imageSize;
  const images = new Float32Array(batchSize * s * s * 3);
  const masks = new Uint8Array(batchSize * s * s);
  segStepIndices(step, batchSize, split.size, seed).forEach((index, i) => {
    const mask = split.masks.subarray(index * s * s, (index + 1) * s * s);
    augmentSegSample(split.pixels[index], mask, s, new Rng(hashSeed(seed, 'seg-augment', step, i)), images, masks, i);
  });
  const labels = new Int32Array(masks.length);
  let valid = 0;
  masks.forEach((m, i) => {
    labels[i] = m === IGNORE_INDEX ? -1 : m;
    if (m !== IGNORE_INDEX) valid++;
  });
  return { images, labels, valid };
}

/** Mean softmax cross-entropy over labelled pixels: logits [B, S, S, K], one-hot [B*S*S, K] (zero rows for ignored pixels). */
export function segLoss(logits: tf.Tensor4D, oneHot: tf.Tensor2D, valid: number): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[3];
    const logProbs = tf.logSoftmax(logits.reshape([-1, k]));
    return tf.div(tf.neg(tf.sum(tf.mul(oneHot, logProbs))), Math.max(1, valid)) as tf.Scalar;
  });
}

/** Validation confusion matrix, in batches; counts eval FLOPs. */
async function evaluate(encoder: VitEncoder, head: SegHead, split: AdeSplit, batchSize: number, counter: FlopCounter) {
  const s = split.imageSize;
  const cm = new Float64Array(NUM_SEG_CLASSES * NUM_SEG_CLASSES);
  let flops = 0;
  for (let start = 0; start < split.size; start += batchSize) {
    const n = Math.min(batchSize, split.size - start);
    counter.begin('eval');
    let pred: tf.Tensor;
    try {
      pred = tf.tidy(() => {
        const x = tf.tensor4d(split.images.subarray(start * s * s * 3, (start + n) * s * s * 3), [n, s, s, 3]);
        const tokens = patchTokens(encoder, x, (c, f) => counter.scope(c, f));
        return tf.argMax(
          counter.scope('head', () => head.apply(tokens)),
          3,
        );
      });
    } finally {
      flops += counter.end().total;
    }
    const values = await pred.data();
    pred.dispose();
    confusionMatrix(values, split.masks.subarray(start * s * s, (start + n) * s * s), NUM_SEG_CLASSES, IGNORE_INDEX, cm);
  }
  return { cm, flops };
}

export async function finetuneSegmentation(args: FinetuneArgs): Promise<FinetuneResult> {
  const settings = validateSegSettings(args.settings);
  const { model, init, seed } = args;
  if (init) checkSameConfig(init.cfg, model);
  const data = args.data ?? adeData(seed, settings.trainSize, settings.valSize, model.imageSize);
  if (data.train.imageSize !== model.imageSize || data.val.imageSize !== model.imageSize)
    throw new Error(`finetuneSegmentation: ADE-like images are ${data.train.imageSize}px but the model takes ${model.imageSize}px`);

  const rng = new Rng(hashSeed(seed, 'finetune'));
  const counter = new FlopCounter();
  const scope = <T>(component: string, f: () => T): T => counter.scope(component, f);
  const s = model.imageSize;
  const grid = model.imageSize / model.patchSize;
  const encoder = new VitEncoder(model, rng.split('encoder'), { name: 'seg-encoder' });
  const head = new SegHead({ dim: model.dim, grid, imageSize: s, width: settings.headWidth, numClasses: NUM_SEG_CLASSES }, rng.split('head'));
  const trainable = [...encoder.variables, ...head.variables];
  const optimizer = new AdamW(withDecayRule(trainable), { ...ADAM, weightDecay: settings.weightDecay, clipNorm: settings.clipNorm });
  if (init) encoder.copyFrom(init);

  let trainFlops = 0;
  let finalLoss = NaN;
  let done = 0;
  try {
    for (let step = 0; step < settings.steps; step++) {
      if (args.shouldStop?.()) break;
      const lr = warmupPoly(step, settings.steps, settings.lr, settings.warmupSteps, settings.power);
      const host = trainBatch(data.train, step, settings.batchSize, seed);
      const b = settings.batchSize;
      const x = tf.tensor4d(host.images, [b, s, s, 3]);
      const oneHot = tf.tensor2d(oneHotRows(host.labels, NUM_SEG_CLASSES), [host.labels.length, NUM_SEG_CLASSES]);
      let loss: tf.Scalar;
      counter.begin('forward');
      try {
        const { value, grads } = tf.variableGrads(() => {
          const tokens = patchTokens(encoder, x, scope);
          const logits = scope('head', () => head.apply(tokens));
          const l = scope('loss', () => segLoss(logits, oneHot, host.valid));
          counter.phase = 'backward';
          return l;
        }, trainable);
        counter.phase = 'optimizer';
        counter.component = 'optimizer';
        optimizer
          .step(
            trainable.map((v) => grads[v.name]),
            lr,
          )
          .dispose();
        tf.dispose(grads);
        loss = value;
      } finally {
        trainFlops += counter.end().total;
        tf.dispose([x, oneHot]);
      }
      done = step + 1;
      if (step % LOSS_EVERY === 0 || done === settings.steps) {
        finalLoss = (await loss.data())[0];
        args.onStep?.(step, finalLoss);
      }
      loss.dispose();
      args.onProgress?.(done);
      await nextTask();
    }
    if (done < settings.steps)
      return { seed, miou: NaN, perClassIoU: [], pixelAccuracy: NaN, flops: trainFlops, trainFlops, evalFlops: 0, finalLoss, steps: done, stopped: true };
    const { cm, flops: evalFlops } = await evaluate(encoder, head, data.val, settings.batchSize, counter);
    const scores = miouFromConfusion(cm);
    return {
      seed,
      miou: scores.miou,
      perClassIoU: scores.perClass,
      pixelAccuracy: scores.pixelAccuracy,
      flops: trainFlops + evalFlops,
      trainFlops,
      evalFlops,
      finalLoss,
      steps: done,
      stopped: false,
    };
  } finally {
    if (counter.recording) counter.end();
    optimizer.dispose();
    head.dispose();
    encoder.dispose();
  }
}

export interface TransferResult {
  /** Median validation mIoU over the seeds run (NaN if stopped before the first finished). */
  median: number;
  runs: FinetuneResult[];
  /** Fine-tuning FLOPs of all runs. */
  flops: number;
  stopped: boolean;
}

/**
 * Fine-tunes `settings.seeds` times (seeds seed, seed+1, ...) on one ADE-like
 * set fixed by the experiment `seed`, and reports the median mIoU (paper: five).
 */
export async function transferEvaluation(args: {
  model: VitConfig;
  init: VitEncoder | null;
  settings: Partial<SegSettings>;
  seed: number;
  onProgress?: (seedIndex: number, stepsDone: number) => void;
  shouldStop?: () => boolean;
}): Promise<TransferResult> {
  const settings = validateSegSettings(args.settings);
  const data = adeData(args.seed, settings.trainSize, settings.valSize, args.model.imageSize);
  const runs: FinetuneResult[] = [];
  let stopped = false;
  for (let i = 0; i < settings.seeds; i++) {
    const run = await finetuneSegmentation({
      model: args.model,
      init: args.init,
      settings,
      seed: args.seed + i,
      data,
      onProgress: (done) => args.onProgress?.(i, done),
      shouldStop: args.shouldStop,
    });
    if (run.stopped) {
      stopped = true;
      break;
    }
    runs.push(run);
  }
  return {
    median: runs.length ? median(runs.map((r) => r.miou)) : NaN,
    runs,
    flops: runs.reduce((sum, r) => sum + r.flops, 0),
    stopped,
  };
}
