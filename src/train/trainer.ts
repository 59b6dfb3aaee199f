/**
 * The one training step, shared by every method: batch -> method.loss inside
 * variableGrads (forward, then backward) -> AdamW with global-norm clipping
 * (optimiser) -> method.afterStep (teacher EMA etc.). The FLOP counter sees
 * every kernel of all three phases. Nothing is read back to the CPU here.
 */
import * as tf from '@tensorflow/tfjs';
import { FlopCounter, shapeSignature, type FlopCounts } from '../engine/flops/counter';
import { AdamW, withDecayRule } from '../engine/optimizer';
import { Rng } from '../engine/rng';
import { warmupCosine } from '../engine/schedule';
import type { BatchMaker, BatchNeeds, HostTrainBatch } from '../data/methodBatch';
import { batchMakerFor } from './batchFeed';
import { IMAGENET_MEAN, IMAGENET_STD } from '../data/normalize';
import { createDataSource, createProbeSource } from '../data/presets';
import type { DataSource } from '../data/source';
import { VitEncoder } from '../models/vit';
import { loadMethod } from '../methods/registry';
import { methodSpec } from '../methods/catalog';
import { smoothedMultiLabelTargets } from '../methods/classification';
import type { Batch, Method, MethodRequirements, MethodState } from '../methods/types';
import { embed, knnProbe, knnScore, type FeatureFn, type ProbeSet } from '../eval/knn';
import { linearProbe, linearScore } from '../eval/linearProbe';
import type { ProbeScore } from '../eval/interval';
import { densePatchProbe, densePatchSets, type PatchSets } from '../eval/densePatchProbe';
import { setFusedKernels } from '../engine/fused/enabled';
import { resolveConfig, type ExperimentConfig, type ExperimentInput } from './config';
import type { TensorData, TrainerCheckpoint } from './checkpoint';
import type { Preview, StepProfile } from './records';

/** ImageNet-normalised [B, H, W, 3] back to RGB bytes (int32 0..255). */
function toBytes(images: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => tf.clipByValue(tf.round(tf.mul(tf.add(tf.mul(images, [...IMAGENET_STD]), [...IMAGENET_MEAN]), 255)), 0, 255).toInt());
}

export interface ProbeSets {
  train: ProbeSet;
  test: ProbeSet;
  numClasses: number;
}

/**
 * The probe's labelled sets: a fixed held-out shape task, the same whatever the
 * pre-training preset, so datasets are compared on one downstream task.
 * Imported images with class folders are probed on their own held-out splits.
 * The images live on the device as one tensor per set (the default 1000 + 500
 * at 32 px are 18 MB); embed() runs the encoder over them in bounded chunks.
 * The caller owns (and disposes) both image tensors.
 */
export function buildProbeSets(config: ExperimentConfig, dataset: DataSource): ProbeSets {
  const p = config.probe;
  const s = config.model.imageSize;
  const ownProbe = dataset.info.id === 'imported' && dataset.numClasses > 0;
  const make = (stream: string, size: number): { set: ProbeSet; numClasses: number } => {
    const source = ownProbe ? createDataSource(config.dataset, s, config.seed, stream) : createProbeSource(s, config.seed, stream);
    const host = source.batch(Array.from({ length: size }, (_, i) => i % source.size));
    const set = { images: tf.keep(tf.tensor4d(host.images, [size, s, s, 3])), labels: Int32Array.from(host.labels.map((l) => l[0])) };
    return { set, numClasses: source.numClasses };
  };
  const train = make('probe-train', p.trainSize);
  const test = make('probe-test', p.testSize);
  return { train: train.set, test: test.set, numClasses: train.numClasses };
}

export interface StepResult {
  loss: tf.Scalar;
  counts: FlopCounts;
  lr: number;
}

/** A trainer for `config` (validated here, so a spread or partial config is completed and checked), its method loaded. */
export async function createTrainer(config: ExperimentConfig | ExperimentInput): Promise<Trainer> {
  const resolved = resolveConfig(config);
  return new Trainer(resolved, await loadMethod(resolved.method));
}

export class Trainer {
  readonly counter = new FlopCounter();
  readonly encoder: VitEncoder;
  readonly state: MethodState;
  readonly dataset: DataSource;
  private readonly requires: MethodRequirements;
  private readonly batches: BatchMaker;
  private readonly optimizer: AdamW;
  private probeSets: ProbeSets | null = null;
  private patchSets: PatchSets | null = null;
  /**
   * The probe sets' readout embeddings for the encoder as it is now, and their linear probe once
   * scored (it is deterministic); dropped when a step or a restore changes the encoder.
   */
  private embedded: { train: tf.Tensor2D; test: tf.Tensor2D; linear?: ProbeScore } | null = null;

  /** `config` must be resolved (complete method options); createTrainer does that and loads the method. */
  constructor(
    readonly config: ExperimentConfig,
    readonly method: Method,
  ) {
    setFusedKernels(config.engine.fused);
    const rng = new Rng(config.seed);
    const options = config.methodOptions;
    this.requires = method.requires(options, config.model);
    this.dataset = createDataSource(config.dataset, config.model.imageSize, config.seed);
    this.batches = batchMakerFor(config, this.requires, this.dataset);
    this.encoder = new VitEncoder(config.model, rng.split('init', 'encoder'));
    this.state = method.init({
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

  /** What each batch holds for this method (a batch maker elsewhere needs it: src/train/batchFeed.ts). */
  get batchNeeds(): BatchNeeds {
    return this.requires;
  }

  /** Uploads the batch of step `step` with exactly what the method requires. */
  makeBatch(step: number): Batch {
    return this.uploadBatch(this.batches.make(step, this.config.batchSize));
  }

  /** Uploads a host batch, made here or by a batch maker of the same config elsewhere. */
  uploadBatch({ host, views, tokenIds }: HostTrainBatch): Batch {
    const { batchSize } = this.config;
    const s = host.imageSize;
    const batch: Batch = { images: tf.tensor4d(host.images, [batchSize, s, s, 3]) };
    if (views.length > 0) batch.views = views.map((v, i) => tf.tensor4d(v, [batchSize, this.requires.views[i].size, this.requires.views[i].size, 3]));
    if (tokenIds && this.requires.tokens) {
      batch.tokenIds = tokenIds;
      batch.tokens = tf.tensor2d(tokenIds, [batchSize, this.requires.tokens.maxLen], 'int32');
    }
    if (this.requires.targets) {
      const t = smoothedMultiLabelTargets(host.labels, this.dataset.numClasses, this.requires.targets.smoothing);
      batch.targets = tf.tensor2d(t, [batchSize, this.dataset.numClasses]);
    }
    return batch;
  }

  /**
   * One training step on its own batch, or on `host`, the same batch made ahead elsewhere
   * (src/train/batchFeed.ts); the caller owns (and disposes) the returned loss.
   */
  step(step: number, host?: HostTrainBatch | null): StepResult {
    const batch = host ? this.uploadBatch(host) : this.makeBatch(step);
    try {
      return this.stepOn(step, batch);
    } finally {
      tf.dispose(batch as unknown as tf.TensorContainer);
    }
  }

  /**
   * One training step on a batch the caller made and still owns: what the bench times on batches
   * made before timing, as the PyTorch mirror does (src/train/bench.ts). The caller owns the loss.
   */
  stepOn(step: number, batch: Batch): StepResult {
    // The fused-kernel switch is global to the worker: set it per step, so another trainer made
    // meanwhile (a profile or comparison during a run) cannot change this run's kernels.
    setFusedKernels(this.config.engine.fused);
    this.dropEmbeddings();
    const lr = this.lrAt(step);
    // Steps of one batch shape run the same kernels: the counter counts them in full until it has seen that, then replays.
    this.counter.begin('forward', shapeSignature(batch));
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
    }
  }

  /** Every variable a step changes, in a fixed order: encoder, trainable, teacher, buffers (each once). */
  private stateVariables(): tf.Variable[] {
    const { encoder, state } = this;
    return [...new Set([...encoder.variables, ...state.trainable, ...(state.teacher?.variables ?? []), ...(state.buffers ?? [])])];
  }

  /** A checkpoint after `step` completed steps (reads every variable back). */
  async snapshot(step: number): Promise<TrainerCheckpoint> {
    const { t, m, v } = this.optimizer.state;
    return {
      step,
      variables: await this.weights(),
      optimizer: { t, m: await Promise.all(m.map(readTensor)), v: await Promise.all(v.map(readTensor)) },
    };
  }

  /** Every variable a step changes, copied out (what a probe on another trainer needs; no optimiser state). */
  async weights(): Promise<TensorData[]> {
    return Promise.all(this.stateVariables().map(readTensor));
  }

  /** Puts weights from `weights()` of a trainer of the same config back; the optimiser is left as it is. */
  setWeights(weights: TensorData[]): void {
    checkShapes('variables', this.stateVariables(), weights);
    this.assignWeights(weights);
  }

  /** Puts a checkpoint's values back; refuses one whose variables do not match this model. */
  restore(cp: TrainerCheckpoint): void {
    const { m, v } = this.optimizer.state;
    checkShapes('variables', this.stateVariables(), cp.variables);
    checkShapes('Adam first moments', m, cp.optimizer.m);
    checkShapes('Adam second moments', v, cp.optimizer.v);
    this.assignWeights(cp.variables);
    tf.tidy(() => {
      const toTensor = (d: TensorData) => tf.tensor(d.data, d.shape, 'float32');
      this.optimizer.restore(cp.optimizer.t, cp.optimizer.m.map(toTensor), cp.optimizer.v.map(toTensor));
    });
  }

  /** Assigns checked weights (the embeddings of the old ones are dropped). */
  private assignWeights(weights: TensorData[]): void {
    this.dropEmbeddings();
    const vars = this.stateVariables();
    tf.tidy(() => vars.forEach((x, i) => x.assign(tf.tensor(weights[i].data, weights[i].shape, 'float32'))));
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

  /** The encoder's features as the method's paper probes them (its catalog `readout`). */
  private readoutFeatures(): FeatureFn {
    const readout = methodSpec(this.config.method)?.readout ?? 'cls';
    return (x) => this.encoder.readout(x, readout);
  }

  /**
   * The end-of-run measure: a linear probe (logistic regression, src/eval/linearProbe.ts) on the
   * method's readout, on the same held-out sets as the live probe; its kernels count as evaluation.
   */
  async linearReadout(): Promise<ProbeScore & { flops: number }> {
    this.probeSets ??= buildProbeSets(this.config, this.dataset);
    const { train, test, numClasses } = this.probeSets;
    this.counter.begin('eval');
    try {
      const e = this.embeddings();
      const score = await this.linearScoreOf(e, train.labels, test.labels, numClasses);
      return { ...score, flops: this.counter.end().total };
    } finally {
      if (this.counter.recording) this.counter.end();
    }
  }

  /**
   * Online probe (kNN or linear) of the encoder as it is now, on held-out labelled
   * scenes: accuracy, counts and 95% interval, with its FLOPs apart. Before step 0
   * the encoder is the seed's random init, so a probe then is the run's baseline.
   * With `rawPixels`, also the same probe on the flattened images (no encoder): the template line.
   */
  async probe(opts: { rawPixels?: boolean } = {}): Promise<ProbeScore & { flops: number; patchMiou?: number; rawPixels?: ProbeScore }> {
    this.probeSets ??= buildProbeSets(this.config, this.dataset);
    const { train, test, numClasses } = this.probeSets;
    const { model, seed } = this.config;
    if (this.config.probe.dense) this.patchSets ??= densePatchSets(seed, model.imageSize, model.patchSize);
    const linear = this.config.probe.kind === 'linear';
    const score = (features: FeatureFn) =>
      linear ? linearProbe(features, train, test, numClasses) : knnProbe(features, train, test, this.config.probe.k, numClasses);
    this.counter.begin('eval');
    try {
      // The encoder's embeddings are kept until the next step: the end-of-run linear readout scores the same ones.
      const e = this.embeddings();
      const encoded = await (linear
        ? this.linearScoreOf(e, train.labels, test.labels, numClasses)
        : knnScore(e.train, e.test, train.labels, test.labels, this.config.probe.k, numClasses));
      const rawPixels = opts.rawPixels ? await score((x) => tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D) : undefined;
      const patchMiou = this.patchSets ? (await densePatchProbe(this.encoder, this.patchSets)).miou : undefined;
      return { ...encoded, patchMiou, rawPixels, flops: this.counter.end().total };
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
    this.probeSets ??= buildProbeSets(this.config, this.dataset);
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

  /** The probe sets' readout embeddings (counted where the caller's counter records, once per encoder state). */
  private embeddings(): { train: tf.Tensor2D; test: tf.Tensor2D } {
    if (!this.embedded) {
      const { train, test } = (this.probeSets ??= buildProbeSets(this.config, this.dataset));
      const features = this.readoutFeatures();
      this.embedded = { train: embed(features, train.images), test: embed(features, test.images) };
    }
    return this.embedded;
  }

  /** The linear probe of these embeddings: scored once, then reused (a linear-kind probe and the end-of-run readout at one step). */
  private async linearScoreOf(e: NonNullable<Trainer['embedded']>, trainLabels: Int32Array, testLabels: Int32Array, numClasses: number): Promise<ProbeScore> {
    e.linear ??= await linearScore(e.train, e.test, trainLabels, testLabels, numClasses);
    return e.linear;
  }

  private dropEmbeddings(): void {
    if (this.embedded) tf.dispose([this.embedded.train, this.embedded.test]);
    this.embedded = null;
  }

  dispose(): void {
    this.dropEmbeddings();
    this.state.dispose();
    this.optimizer.dispose();
    this.encoder.dispose();
    if (this.probeSets) {
      this.probeSets.train.images.dispose();
      this.probeSets.test.images.dispose();
    }
  }
}

const readTensor = async (v: tf.Tensor): Promise<TensorData> => ({ shape: [...v.shape], data: Float32Array.from(await v.data()) });

/** Refuses saved tensors that do not match this model's, naming the first that differs. */
function checkShapes(what: string, have: readonly tf.Tensor[], got: TensorData[]): void {
  if (have.length !== got.length) throw new Error(`checkpoint has ${got.length} ${what} for this run's ${have.length}: it belongs to another model or method`);
  have.forEach((v, i) => {
    if (v.shape.join('x') !== got[i].shape.join('x') || got[i].data.length !== v.size)
      throw new Error(`checkpoint ${what} ${i} has shape [${got[i].shape}] where this run has [${v.shape}]`);
  });
}
