/**
 * The one training step, shared by every method: batch -> method.loss inside
 * variableGrads (forward, then backward) -> AdamW with global-norm clipping
 * (optimiser) -> method.afterStep (teacher EMA etc.). The FLOP counter sees
 * every kernel of all three phases. Nothing is read back to the CPU here.
 */
import * as tf from '@tensorflow/tfjs';
import { FlopCounter, type FlopCounts } from '../engine/flops/counter';
import { AdamW, withDecayRule } from '../engine/optimizer';
import { Rng } from '../engine/rng';
import { warmupCosine } from '../engine/schedule';
import { SceneDataset } from '../data/dataset';
import { augmentView } from '../data/augment';
import { pseudoCaption, tokenizeBatch } from '../data/tokenize';
import { VitEncoder } from '../models/vit';
import { getMethod } from '../methods/registry';
import { smoothedMultiLabelTargets } from '../methods/losses/classification';
import type { Batch, Method, MethodRequirements, MethodState } from '../methods/types';
import { knnAccuracy, type ProbeSet } from '../eval/knn';
import type { ExperimentConfig } from './config';
import type { Preview, StepProfile } from './records';

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** ImageNet-normalised [B, H, W, 3] back to RGB bytes (int32 0..255). */
function toBytes(images: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => tf.clipByValue(tf.round(tf.mul(tf.add(tf.mul(images, IMAGENET_STD), IMAGENET_MEAN), 255)), 0, 255).toInt());
}

export interface StepResult {
  loss: tf.Scalar;
  counts: FlopCounts;
  lr: number;
}

export class Trainer {
  readonly counter = new FlopCounter();
  readonly encoder: VitEncoder;
  readonly method: Method;
  readonly state: MethodState;
  readonly dataset: SceneDataset;
  private readonly requires: MethodRequirements;
  private readonly options: Record<string, unknown>;
  private readonly rng: Rng;
  private readonly optimizer: AdamW;
  private probeSets: { train: ProbeSet; test: ProbeSet } | null = null;

  constructor(readonly config: ExperimentConfig) {
    const rng = new Rng(config.seed);
    this.rng = rng;
    this.method = getMethod(config.method);
    const options = { ...this.method.defaults, ...config.methodOptions };
    this.options = options;
    this.requires = this.method.requires(options, config.model);
    this.dataset = new SceneDataset(config.dataset, config.model.imageSize, config.seed);
    this.encoder = new VitEncoder(config.model, rng.split('init', 'encoder'));
    this.state = this.method.init({
      encoder: this.encoder,
      model: config.model,
      numClasses: this.dataset.numClasses,
      steps: config.steps,
      options,
      rng: rng.split('init', 'method'),
      scope: (component, f) => this.counter.scope(component, f),
    });
    const o = config.optim;
    this.optimizer = new AdamW(withDecayRule(this.state.trainable), {
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
      clipNorm: o.clipNorm,
    });
  }

  lrAt(step: number): number {
    const o = this.config.optim;
    return warmupCosine(step, this.config.steps, o.lr, o.warmupSteps, o.minLr);
  }

  /** Uploads the batch of step `step` with exactly what the method requires. */
  makeBatch(step: number): Batch {
    const { batchSize, model } = this.config;
    const host = this.dataset.batch(this.dataset.stepIndices(step, batchSize));
    const s = model.imageSize;
    const batch: Batch = { images: tf.tensor4d(host.images, [batchSize, s, s, 3]) };
    if (this.requires.views.length > 0) {
      // One seeded stream per (step, image, view): views never depend on what ran before.
      const augment = this.rng.split('augment', step);
      batch.views = this.requires.views.map((spec, v) => {
        const per = spec.size * spec.size * 3;
        const out = new Float32Array(batchSize * per);
        host.pixels.forEach((pixels, i) => augmentView(pixels, s, spec, augment.split(i, v), out, i * per));
        return tf.tensor4d(out, [batchSize, spec.size, spec.size, 3]);
      });
    }
    if (this.requires.tokens) {
      const { maxLen, source } = this.requires.tokens;
      const captions = source === 'pseudo' ? host.labels.map((l) => pseudoCaption(l)) : host.captions;
      batch.tokenIds = tokenizeBatch(captions, maxLen);
      batch.tokens = tf.tensor2d(batch.tokenIds, [batchSize, maxLen], 'int32');
    }
    if (this.requires.targets) {
      const smoothing = typeof this.options.labelSmoothing === 'number' ? this.options.labelSmoothing : 0;
      const t = smoothedMultiLabelTargets(host.labels, this.dataset.numClasses, smoothing);
      batch.targets = tf.tensor2d(t, [batchSize, this.dataset.numClasses]);
    }
    return batch;
  }

  /** One training step; the caller owns (and disposes) the returned loss. */
  step(step: number): StepResult {
    const lr = this.lrAt(step);
    const batch = this.makeBatch(step);
    this.counter.begin('forward');
    try {
      const { value, grads } = tf.variableGrads(() => {
        const loss = this.state.loss(batch, step);
        // Everything the engine runs after f returns is the backward pass.
        this.counter.phase = 'backward';
        return loss;
      }, this.state.trainable);
      this.counter.phase = 'optimizer';
      this.counter.component = 'optimizer';
      const gradList = this.state.trainable.map((v) => grads[v.name]);
      const norm = this.optimizer.step(gradList, lr);
      norm.dispose();
      tf.dispose(grads);
      // Teacher EMA and centring are parameter updates too, shown apart from AdamW.
      this.counter.component = 'ema';
      this.state.afterStep?.(step);
      return { loss: value, counts: this.counter.end(), lr };
    } finally {
      if (this.counter.recording) this.counter.end();
      tf.dispose(batch as unknown as tf.TensorContainer);
    }
  }

  /** FLOP profile of a step's counts, in the API's shape. */
  profile(counts: FlopCounts): StepProfile {
    const { forward, backward, optimizer } = counts.byPhase;
    return {
      totalFlops: counts.total,
      byKernel: counts.byKernel,
      byPhase: { forward, backward, optimizer },
      byComponent: counts.byComponent,
      uncounted: counts.uncounted,
      calls: counts.calls,
      config: this.config,
    };
  }

  private buildProbeSets(): { train: ProbeSet; test: ProbeSet } {
    const p = this.config.probe;
    const make = (stream: string, size: number): ProbeSet => {
      const ds = new SceneDataset({ ...this.config.dataset, size }, this.config.model.imageSize, this.config.seed, stream);
      const host = ds.batch(Array.from({ length: size }, (_, i) => i));
      const s = this.config.model.imageSize;
      return { images: tf.keep(tf.tensor4d(host.images, [size, s, s, 3])), labels: Int32Array.from(host.labels.map((l) => l[0])) };
    };
    return { train: make('probe-train', p.trainSize), test: make('probe-test', p.testSize) };
  }

  /** kNN probe accuracy on held-out labelled scenes; its FLOPs are returned apart. */
  async probe(): Promise<{ accuracy: number; flops: number }> {
    this.probeSets ??= this.buildProbeSets();
    const { train, test } = this.probeSets;
    this.counter.begin('eval');
    let flops = 0;
    try {
      const accuracy = await knnAccuracy((x) => this.encoder.features(x), train, test, this.config.probe.k, this.dataset.numClasses);
      flops = this.counter.end().total;
      return { accuracy, flops };
    } finally {
      if (this.counter.recording) this.counter.end();
    }
  }

  /**
   * The method's preview images for 4 fixed held-out scenes, as RGB bytes, or
   * null if the method shows none. Its kernels are counted as evaluation FLOPs.
   */
  async preview(step: number): Promise<{ preview: Preview; flops: number } | null> {
    if (!this.state.preview) return null;
    this.probeSets ??= this.buildProbeSets();
    const test = this.probeSets.test;
    const count = Math.min(4, test.labels.length);
    const size = this.config.model.imageSize;
    this.counter.begin('eval');
    let panels: { label: string; bytes: tf.Tensor }[];
    let flops = 0;
    try {
      panels = tf.tidy(() => {
        const images = tf.slice(test.images, [0, 0, 0, 0], [count, -1, -1, -1]) as tf.Tensor4D;
        return this.state.preview!(images, step).map((p) => ({ label: p.label, bytes: toBytes(p.images) }));
      });
    } finally {
      flops = this.counter.end().total;
    }
    const data = await Promise.all(panels.map((p) => p.bytes.data()));
    tf.dispose(panels.map((p) => p.bytes));
    return { preview: { size, count, panels: panels.map((p, i) => ({ label: p.label, pixels: Array.from(data[i]) })) }, flops };
  }

  dispose(): void {
    this.state.dispose();
    this.optimizer.dispose();
    this.encoder.dispose();
    if (this.probeSets) {
      this.probeSets.train.images.dispose();
      this.probeSets.test.images.dispose();
    }
  }
}
