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
   * only at log steps).
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
      this.params.forEach((p, i) => {
        const g = scale ? tf.mul(grads[i], scale) : grads[i];
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
        let next = tf.sub(p.variable, tf.mul(update, lr));
        if (p.decay && weightDecay > 0) next = tf.sub(next, tf.mul(p.variable, lr * weightDecay));
        p.variable.assign(next);
      });
      return tf.keep(norm);
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
