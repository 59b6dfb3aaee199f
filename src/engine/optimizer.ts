/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) with global-norm gradient
 * clipping, written in tfjs ops so its kernels are counted in the optimiser
 * phase. The learning rate is passed per step (schedules live outside).
 */
import * as tf from '@tensorflow/tfjs';

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

export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(readonly params: OptimParam[], readonly opts: AdamWOptions) {
    this.m = params.map((p) => zeroState(p.variable));
    this.v = params.map((p) => zeroState(p.variable));
  }

  /**
   * Applies one update. `grads` are aligned with `params`. Returns the global
   * gradient norm before clipping as a scalar tensor the caller owns (read back
   * only at log steps). Off WebGPU each parameter's update runs in its own tidy, so
   * its temporaries (about 17 of its size) are freed before the next one: at
   * ViT-B (86M weights) one tidy over all of them held about 6 GB, past the
   * wasm heap. Same kernels in the same order, so FLOPs and results are unchanged.
   */
  step(grads: tf.Tensor[], lr: number): tf.Scalar {
    if (grads.length !== this.params.length) throw new Error(`AdamW got ${grads.length} gradients for ${this.params.length} params`);
    this.t += 1;
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.opts;
    const bc1 = 1 - Math.pow(beta1, this.t);
    const bc2 = 1 - Math.pow(beta2, this.t);
    return tf.tidy(() => {
      const sq = grads.map((g) => tf.sum(tf.square(g)));
      const norm = tf.sqrt(tf.addN(sq)) as tf.Scalar;
      // scale = min(1, clip / (norm + 1e-6)): computed on the device, no readback.
      const scale = clipNorm > 0 ? tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6))) : null;
      const update = (p: (typeof this.params)[number], i: number) => {
        const g = scale ? tf.mul(grads[i], scale) : grads[i];
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const step = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
        let next = tf.sub(p.variable, tf.mul(step, lr));
        if (p.decay && weightDecay > 0) next = tf.sub(next, tf.mul(p.variable, lr * weightDecay));
        p.variable.assign(next);
      };
      // A tidy per tensor frees each update's temporaries at once: only so does a ViT-B/16 step fit
      // wasm's heap. On WebGPU the same made training diverge to NaN within 5-10 steps (tfjs-webgpu
      // 4.22 on SwiftShader, the smoke preset, 2026-11-30), so there the updates share the outer tidy.
      if (tf.getBackend() === 'webgpu') this.params.forEach(update);
      else this.params.forEach((p, i) => tf.tidy(() => update(p, i)));
      return tf.keep(norm);
    });
  }

  /** Steps taken and the moment buffers (aligned with `params`), for checkpoints. */
  get state(): { t: number; m: tf.Variable[]; v: tf.Variable[] } {
    return { t: this.t, m: this.m, v: this.v };
  }

  /** Continues from a checkpoint: the step count (bias correction) and the moments' values. */
  restore(t: number, m: tf.Tensor[], v: tf.Tensor[]): void {
    if (m.length !== this.m.length || v.length !== this.v.length) throw new Error(`AdamW checkpoint has ${m.length} moments for ${this.m.length} params`);
    this.t = t;
    this.m.forEach((x, i) => x.assign(m[i]));
    this.v.forEach((x, i) => x.assign(v[i]));
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
