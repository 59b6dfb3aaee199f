/**
 * Heads that sit on the pooled encoder feature during self-supervised
 * pre-training (they are thrown away afterwards: evaluation uses only the
 * encoder). All work on 2-D tensors [N, D] through Linear.apply.
 *
 * - `MlpHead`: Linear -> (BatchNorm) -> ReLU/GELU, repeated, then a last Linear
 *   (optionally followed by BatchNorm). It builds the SimCLR projection head,
 *   BYOL's projector and predictor, and the MLP part of DINO's head.
 * - `DinoHead`: 3-layer GELU MLP -> l2-normalise -> weight-normalised last
 *   Linear with K prototypes (DINO's `norm_last_layer=True`).
 *
 * BatchNorm choice: the SimCLR and BYOL heads of the original code use batch
 * normalisation (SimCLR on every layer, the last one without offset; BYOL on
 * the hidden layer only), and without it BYOL is known to collapse easily
 * (its ViT runs in the paper lack the "strong normalisation" it relies on).
 * We write BN from `tf.moments` over the batch axis and always use the batch
 * statistics (training mode): these heads are only ever run while training,
 * so running averages would never be read and are not kept. A Linear that is
 * followed by BN has no bias (BN's mean subtraction cancels it exactly), as in
 * the SimCLR code; BYOL's hidden Linear has one in haiku, but it is a no-op
 * there too. No cross-device BN: the lab has one device.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import { gelu, Linear, matMulBias, ParamStore, truncNormal } from './layers';
import { useFused } from '../engine/fused/enabled';
import { fusedBatchNorm } from '../engine/fused/webgpu/batchNorm';

/** Batch normalisation over axis 0 of [N, C], batch statistics only (see the file comment). */
export class BatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable | null;
  private readonly eps: number;

  /** eps 1e-5 as in the SimCLR (TF) and BYOL (haiku) code; `offset: false` drops beta (SimCLR's last layer). */
  constructor(store: ParamStore, name: string, dim: number, opts: { offset?: boolean; eps?: number } = {}) {
    this.gamma = store.add(`${name}.gamma`, tf.ones([dim]));
    this.beta = opts.offset === false ? null : store.add(`${name}.beta`, tf.zeros([dim]));
    this.eps = opts.eps ?? 1e-5;
  }

  /** One fused kernel on WebGPU (engine.fused), else the composed ops below. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (useFused('batchNorm')) return fusedBatchNorm(x, this.gamma, this.beta, this.eps);
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, 0, true);
      const scaled = tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps))), this.gamma);
      return (this.beta ? tf.add(scaled, this.beta) : scaled) as tf.Tensor2D;
    });
  }
}

export interface MlpHeadConfig {
  /** Layer widths: [input, hidden..., output]; at least [input, output]. */
  dims: number[];
  /** BatchNorm after every hidden Linear. */
  batchNorm: boolean;
  /** Also BatchNorm (scale only, no offset) after the last Linear: SimCLR's head. */
  batchNormLast?: boolean;
  activation: 'relu' | 'gelu';
  /** Bias on the last Linear (BYOL: none; DINO: yes). Ignored when batchNormLast. */
  biasLast?: boolean;
  /** Weight init: Xavier-uniform (the lab default) or DINO's truncated normal, std 0.02. */
  init?: 'xavier' | 'truncNormal';
}

export class MlpHead {
  readonly layers: Linear[] = [];
  readonly norms: (BatchNorm | null)[] = [];

  constructor(
    store: ParamStore,
    name: string,
    readonly cfg: MlpHeadConfig,
    rng: Rng,
  ) {
    const { dims } = cfg;
    if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 1))
      throw new Error(`MlpHead ${name}: dims must be >= 2 positive integers, got [${dims}]`);
    const r = rng.split(name);
    const last = dims.length - 2;
    for (let i = 0; i <= last; i++) {
      const isLast = i === last;
      const withBn = isLast ? !!cfg.batchNormLast : cfg.batchNorm;
      const bias = withBn ? false : isLast ? (cfg.biasLast ?? true) : true;
      const layer = new Linear(store, `${name}.fc${i}`, dims[i], dims[i + 1], r, { bias });
      // assign() keeps its argument alive: the tidy disposes the fresh tensor.
      if (cfg.init === 'truncNormal') tf.tidy(() => layer.w.assign(truncNormal([dims[i], dims[i + 1]], 0.02, r.split(`fc${i}`))));
      this.layers.push(layer);
      this.norms.push(withBn ? new BatchNorm(store, `${name}.bn${i}`, dims[i + 1], { offset: !isLast }) : null);
    }
  }

  get outDim(): number {
    return this.cfg.dims[this.cfg.dims.length - 1];
  }

  /** x: [N, in] -> [N, out]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach((layer, i) => {
        h = layer.apply(h);
        const bn = this.norms[i];
        if (bn) h = bn.apply(h);
        if (i < this.layers.length - 1) h = this.cfg.activation === 'relu' ? tf.relu(h) : gelu(h);
      });
      return h;
    });
  }
}

/**
 * SimCLR projection head g(h): `layers` Linear layers with BN on every layer
 * (the last without offset) and ReLU between them, as google-research/simclr
 * `ProjectionHead` ('nonlinear' mode; the SimCLR v1 paper uses 2 layers, v2 3).
 */
export function simclrProjector(store: ParamStore, inDim: number, hidden: number, out: number, layers: number, rng: Rng): MlpHead {
  if (!Number.isInteger(layers) || layers < 1) throw new Error(`simclr projection head needs >= 1 layer, got ${layers}`);
  const dims = [inDim, ...Array.from({ length: layers - 1 }, () => hidden), out];
  return new MlpHead(store, 'projector', { dims, batchNorm: true, batchNormLast: true, activation: 'relu' }, rng);
}

/** BYOL's MLP (deepmind-research byol/utils/networks.py): Linear -> BN -> ReLU -> Linear (no bias). */
export function byolMlp(store: ParamStore, name: string, inDim: number, hidden: number, out: number, rng: Rng): MlpHead {
  return new MlpHead(store, name, { dims: [inDim, hidden, out], batchNorm: true, activation: 'relu', biasLast: false }, rng);
}

export interface DinoHeadConfig {
  inDim: number;
  hiddenDim: number;
  bottleneckDim: number;
  /** K, the number of prototypes (DINO: 65536). */
  prototypes: number;
  /** MLP layers before the bottleneck normalisation (DINO: 3). */
  layers?: number;
}

/**
 * DINO head (facebookresearch/dino vision_transformer.py, DINOHead with the
 * defaults use_bn=False, norm_last_layer=True): MLP (in -> hidden -> hidden ->
 * bottleneck, GELU between, trunc-normal 0.02 init, zero biases) ->
 * l2-normalise -> Linear(bottleneck -> K, no bias) under weight normalisation
 * with the gain fixed to 1, i.e. each prototype (a column of our [in, K]
 * weight v; a row of PyTorch's [K, in]) is divided by its norm. Only the
 * direction v/|v| matters, so v starts like PyTorch's default Linear init,
 * U(-1/sqrt(in), 1/sqrt(in)), which sets its initial scale (and with it the
 * effective step size of the normalised weight).
 */
export class DinoHead {
  readonly mlp: MlpHead;
  /** Unnormalised prototypes v: [bottleneck, K]. */
  readonly prototypes: tf.Variable;

  constructor(
    store: ParamStore,
    name: string,
    readonly cfg: DinoHeadConfig,
    rng: Rng,
  ) {
    const layers = cfg.layers ?? 3;
    if (!Number.isInteger(layers) || layers < 1) throw new Error(`DinoHead needs >= 1 MLP layer, got ${layers}`);
    const dims = [cfg.inDim, ...Array.from({ length: layers - 1 }, () => cfg.hiddenDim), cfg.bottleneckDim];
    const r = rng.split(name);
    this.mlp = new MlpHead(store, `${name}.mlp`, { dims, batchNorm: false, activation: 'gelu', init: 'truncNormal' }, r);
    const bound = 1 / Math.sqrt(cfg.bottleneckDim);
    const pr = r.split('prototypes');
    const values = Float32Array.from({ length: cfg.bottleneckDim * cfg.prototypes }, () => pr.uniform(-bound, bound));
    this.prototypes = store.add(`${name}.last.v`, tf.tensor2d(values, [cfg.bottleneckDim, cfg.prototypes]));
  }

  /** x: [N, in] -> logits [N, K]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const h = this.mlp.apply(x);
      // F.normalize(h, dim=-1): h / max(|h|, 1e-12).
      const hn = tf.div(h, tf.maximum(tf.sqrt(tf.sum(tf.square(h), -1, true)), 1e-12));
      // weight_norm with g = 1: every prototype column divided by its norm.
      const colNorm = tf.sqrt(tf.sum(tf.square(this.prototypes), 0, true));
      const w = tf.div(this.prototypes, tf.maximum(colNorm, 1e-12));
      // The fused Linear where it runs (one kernel each way; on wasm tf.matMul's product, without
      // its transposing gradient).
      return matMulBias(hn as tf.Tensor2D, w);
    });
  }
}
