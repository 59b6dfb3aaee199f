/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) with global-norm gradient
 * clipping, written in tfjs ops so its kernels are counted in the optimiser
 * phase. The learning rate is passed per step (schedules live outside).
 */
import * as tf from '@tensorflow/tfjs';
import { useFusedOptimizer } from './fused/enabled';
import { ADAMW_PARAM, adamwMoments, adamwParam } from './fused/webgpu/adamw';
import { fusedClipScale, fusedSumSquares } from './fused/webgpu/sumSquares';
import { wasmSumSquares } from './fused/wasm/optimizer';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global-norm clipping threshold; 0 disables. */
  clipNorm: number;
}

export interface OptimParam {
  variable: tf.Variable;
  decay: boolean;
}

/** Weight decay applies to weight matrices only, not to biases, norms or tokens. */
export function withDecayRule(variables: tf.Variable[]): OptimParam[] {
  return variables.map((variable) => ({ variable, decay: variable.rank === 2 }));
}

/** A zero moment buffer; the initial tensor is freed (the variable keeps its data). */
function zeroState(like: tf.Variable): tf.Variable {
  const zeros = tf.zerosLike(like);
  const state = tf.variable(zeros, false);
  zeros.dispose();
  return state;
}

/** A non-trainable variable holding `value`'s data; `value` is freed (made inside a tidy is fine too). */
function ownVariable(value: tf.Tensor): tf.Variable {
  const v = tf.variable(value, false);
  value.dispose();
  return v;
}

/**
 * tf.addN in groups of at most 7 tensors on WebGPU: tfjs-webgpu's AddN binds every input at
 * once, and past 7 (8 storage buffers with the output) its pipeline is invalid, which drops the
 * whole command buffer it was recorded in (other kernels' work with it). Same FLOPs (n-1 adds).
 */
function addNBounded(xs: tf.Tensor[]): tf.Tensor {
  if (tf.getBackend() !== 'webgpu' || xs.length <= 7) return tf.addN(xs);
  const parts: tf.Tensor[] = [];
  for (let k = 0; k < xs.length; k += 7) parts.push(xs.length - k === 1 ? xs[k] : tf.addN(xs.slice(k, k + 7)));
  return addNBounded(parts);
}

/**
 * Whether this step takes the fused kernels: on webgpu (WGSL) and on wasm (loops over the wasm
 * heap, src/engine/fused/wasm/optimizer.ts), each registered with the FLOP hooks for its backend.
 */
function fusedOptimizer(): boolean {
  return useFusedOptimizer() && tf.getKernel(ADAMW_PARAM, tf.getBackend()) !== undefined;
}

export class AdamW {
  /**
   * The moments, per parameter either as two variables m, v (the composed path's layout) or
   * packed as one [2, n] variable `mv` (m in row 0, v in row 1) that the fused WebGPU kernel
   * updates in place; a parameter's moments live in exactly one of the two. Each path converts
   * what it needs (a few copies, once), and `state` hands out the m, v layout.
   */
  private readonly m: (tf.Variable | null)[];
  private readonly v: (tf.Variable | null)[];
  private readonly mv: (tf.Variable | null)[];
  private t = 0;

  constructor(
    readonly params: OptimParam[],
    readonly opts: AdamWOptions,
  ) {
    // Born in the layout the steps will use, so the first (profiled) step converts nothing.
    const packed = fusedOptimizer();
    this.m = params.map((p) => (packed ? null : zeroState(p.variable)));
    this.v = params.map((p) => (packed ? null : zeroState(p.variable)));
    this.mv = params.map((p) => (packed ? ownVariable(tf.zeros([2, p.variable.size])) : null));
  }

  /** Moments of parameter i as m, v variables (unpacks `mv`). */
  private split(i: number): void {
    const mv = this.mv[i];
    if (!mv) return;
    const shape = this.params[i].variable.shape;
    const [m, v] = tf.tidy(() => tf.unstack(mv).map((x) => tf.reshape(x, shape)));
    this.m[i] = ownVariable(m);
    this.v[i] = ownVariable(v);
    mv.dispose();
    this.mv[i] = null;
  }

  /** Moments of parameter i packed as one [2, n] variable. */
  private pack(i: number): tf.Variable {
    const have = this.mv[i];
    if (have) return have;
    const m = this.m[i] as tf.Variable;
    const v = this.v[i] as tf.Variable;
    const mv = ownVariable(tf.tidy(() => tf.stack([tf.reshape(m, [-1]), tf.reshape(v, [-1])])));
    m.dispose();
    v.dispose();
    this.m[i] = null;
    this.v[i] = null;
    this.mv[i] = mv;
    return mv;
  }

  /**
   * Applies one update. `grads` are aligned with `params`. Returns the global
   * gradient norm before clipping as a scalar tensor the caller owns (read back
   * only at log steps). Off WebGPU each parameter's update runs in its own tidy, so
   * its temporaries (about 17 of its size) are freed before the next one: at
   * ViT-B (86M weights) one tidy over all of them held about 6 GB, past the
   * wasm heap. Same kernels in the same order, so FLOPs and results are unchanged.
   * On WebGPU with the fused kernels (engine.fused) the step is ceil(n/7) sum-of-squares
   * dispatches, sqrt, the clip scale, and two in-place kernels per parameter (moments, then
   * parameter): the same arithmetic in the same float32 order (src/engine/fused/webgpu/adamw.ts).
   * On wasm the same kernels run as loops over the heap (src/engine/fused/wasm/optimizer.ts), the sum of
   * squares in one call over every gradient.
   */
  step(grads: tf.Tensor[], lr: number): tf.Scalar {
    if (grads.length !== this.params.length) throw new Error(`AdamW got ${grads.length} gradients for ${this.params.length} params`);
    this.t += 1;
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.opts;
    const bc1 = 1 - Math.pow(beta1, this.t);
    const bc2 = 1 - Math.pow(beta2, this.t);
    if (fusedOptimizer()) return this.fusedStep(grads, lr, bc1, bc2);
    this.params.forEach((_, i) => this.split(i));
    return tf.tidy(() => {
      const sq = grads.map((g) => tf.sum(tf.square(g)));
      const norm = tf.sqrt(addNBounded(sq)) as tf.Scalar;
      // scale = min(1, clip / (norm + 1e-6)): computed on the device, no readback.
      const scale = clipNorm > 0 ? tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6))) : null;
      const update = (p: (typeof this.params)[number], i: number) => {
        const mVar = this.m[i] as tf.Variable;
        const vVar = this.v[i] as tf.Variable;
        const g = scale ? tf.mul(grads[i], scale) : grads[i];
        const m = tf.add(tf.mul(mVar, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(vVar, beta2), tf.mul(tf.square(g), 1 - beta2));
        mVar.assign(m);
        vVar.assign(v);
        const step = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
        let next = tf.sub(p.variable, tf.mul(step, lr));
        if (p.decay && weightDecay > 0) next = tf.sub(next, tf.mul(p.variable, lr * weightDecay));
        p.variable.assign(next);
      };
      // A tidy per tensor frees each update's temporaries at once: only so does a ViT-B/16 step fit
      // wasm's heap. On WebGPU the same made training diverge to NaN within 5-10 steps (tfjs-webgpu
      // 4.22 on SwiftShader, the smoke preset, 2026-11-30), so there the updates share the outer tidy.
      // (A possible cause, not verified: the norm's single AddN over every gradient had more than 7
      // inputs, an invalid pipeline on WebGPU ("56 storage buffers exceeds 8") that drops the whole
      // command buffer it was recorded in; addNBounded now splits it. The per-tensor tidy was not retried.)
      if (tf.getBackend() === 'webgpu') this.params.forEach(update);
      else this.params.forEach((p, i) => tf.tidy(() => update(p, i)));
      return tf.keep(norm);
    });
  }

  /** The fused step (WebGPU or wasm): see `step`. Nothing is read back. */
  private fusedStep(grads: tf.Tensor[], lr: number, bc1: number, bc2: number): tf.Scalar {
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.opts;
    const mv = this.params.map((_, i) => this.pack(i));
    return tf.tidy(() => {
      const norm = tf.sqrt(tf.getBackend() === 'wasm' ? wasmSumSquares(grads) : fusedSumSquares(grads)) as tf.Scalar;
      const scale = clipNorm > 0 ? fusedClipScale(norm, clipNorm) : null;
      this.params.forEach((p, i) => {
        adamwMoments(mv[i], grads[i], scale, { beta1, beta2 });
        adamwParam(p.variable, mv[i], { lr, bc1, bc2, eps, wdLr: p.decay && weightDecay > 0 ? lr * weightDecay : 0 });
      });
      return tf.keep(norm);
    });
  }

  /** Steps taken and the moment buffers (aligned with `params`), for checkpoints. */
  get state(): { t: number; m: tf.Variable[]; v: tf.Variable[] } {
    this.params.forEach((_, i) => this.split(i));
    return { t: this.t, m: this.m as tf.Variable[], v: this.v as tf.Variable[] };
  }

  /** Continues from a checkpoint: the step count (bias correction) and the moments' values. */
  restore(t: number, m: tf.Tensor[], v: tf.Tensor[]): void {
    if (m.length !== this.params.length || v.length !== this.params.length)
      throw new Error(`AdamW checkpoint has ${m.length} moments for ${this.params.length} params`);
    this.params.forEach((_, i) => this.split(i));
    this.t = t;
    this.m.forEach((x, i) => (x as tf.Variable).assign(m[i]));
    this.v.forEach((x, i) => (x as tf.Variable).assign(v[i]));
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v, ...this.mv]) t?.dispose();
  }
}
