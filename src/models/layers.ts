/**
 * The few layers a ViT needs, written directly in tfjs ops so that every kernel
 * they run is visible to the FLOP counter and every op has a gradient on all
 * backends (no tf.layers: its LayerNormalization tiles full-size tensors).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import { useFused } from '../engine/fused/enabled';
import { fusedLayerNorm } from '../engine/fused/webgpu/layerNorm';
import { fusedGelu } from '../engine/fused/webgpu/gelu';
import { fusedLinear } from '../engine/fused/webgpu/linear';

/** Collects the parameters of a module under dotted names. */
export class ParamStore {
  readonly params = new Map<string, tf.Variable>();
  /** `trainable: false` for EMA teachers: they are updated by assignment, never by gradients. */
  constructor(
    readonly prefix: string,
    readonly trainable = true,
  ) {}

  add(name: string, value: tf.Tensor): tf.Variable {
    const full = `${this.prefix}.${name}`;
    if (this.params.has(full)) throw new Error(`duplicate parameter ${full}`);
    const variable = tf.variable(value, this.trainable, `${full}_${uid()}`);
    value.dispose();
    this.params.set(full, variable);
    return variable;
  }

  get variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

// tfjs variable names are global; a counter keeps two models' names apart.
let nextUid = 0;
const uid = () => (nextUid++).toString(36);

/** Truncated-normal weights (std 0.02, as ViT/MAE/DINO init), from a seeded stream. */
export function truncNormal(shape: number[], std: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.truncNormal(std);
  return tf.tensor(values, shape);
}

/** Xavier-uniform weights, as MAE initialises its linear layers. */
function xavierUniform(fanIn: number, fanOut: number, rng: Rng): tf.Tensor {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-limit, limit);
  return tf.tensor(values, [fanIn, fanOut]);
}

export class Linear {
  readonly w: tf.Variable;
  readonly b: tf.Variable | null;

  constructor(
    store: ParamStore,
    name: string,
    readonly inDim: number,
    readonly outDim: number,
    rng: Rng,
    opts: { bias?: boolean; biasInit?: number } = {},
  ) {
    this.w = store.add(`${name}.w`, xavierUniform(inDim, outDim, rng.split(name)));
    this.b = opts.bias === false ? null : store.add(`${name}.b`, tf.fill([outDim], opts.biasInit ?? 0));
  }

  /**
   * x: [M, in] -> [M, out]: one fused kernel on WebGPU (engine.fused), else tf.fused.matMul.
   * Callers reshape to 2-D first: a broadcast batch matmul has a wrong-shape gradient in tfjs.
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return matMulBias(x, this.w, this.b);
  }
}

/** x w (+ b), x [M, in], w [in, out]: the fused Linear kernel where it runs (engine.fused), else tf.fused.matMul. */
export function matMulBias(x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor | null): tf.Tensor2D {
  if (useFused('linear')) return fusedLinear(x, w, b);
  return tf.fused.matMul({ a: x, b: w as tf.Tensor2D, bias: b ?? undefined }) as tf.Tensor2D;
}

export class LayerNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(
    store: ParamStore,
    name: string,
    dim: number,
    readonly eps = 1e-6,
  ) {
    this.gamma = store.add(`${name}.gamma`, tf.ones([dim]));
    this.beta = store.add(`${name}.beta`, tf.zeros([dim]));
  }

  /** Normalises over the last axis: one fused kernel on WebGPU (engine.fused), else the composed ops below. */
  apply<T extends tf.Tensor>(x: T): T {
    if (useFused('layerNorm')) return fusedLayerNorm(x, this.gamma, this.beta, this.eps);
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normed, this.gamma), this.beta) as T;
    });
  }
}

/** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), as ViT uses: one fused kernel forward and one backward on WebGPU and wasm (engine.fused), else the composed ops. */
export function gelu<T extends tf.Tensor>(x: T): T {
  if (useFused('gelu')) return fusedGelu(x);
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T);
}

/** Applies a 2-D linear to the last axis of a [B, T, D] tensor (the fused kernel takes the 3-D x as it is). */
export function linear3d(layer: Linear, x: tf.Tensor3D): tf.Tensor3D {
  if (useFused('linear')) return fusedLinear(x, layer.w, layer.b);
  const [b, t, d] = x.shape;
  return layer.apply(x.reshape([b * t, d])).reshape([b, t, layer.outDim]);
}
