/**
 * Exponential moving averages of parameter lists (BYOL target, DINO teacher),
 * and non-trainable copies of ParamStore-built modules to hold them.
 *
 * tfjs has no stop-gradient op, so an EMA network is built from variables
 * created with `trainable: false`: `variableGrads` never differentiates them,
 * and the kernels of their forward pass are not on any path from a trainable
 * variable to the loss, so the backward pass runs none of them.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../models/layers';
import { useFusedOptimizer } from '../engine/fused/enabled';
import { EMA, fusedEma } from '../engine/fused/webgpu/ema';

function checkPairs(target: readonly tf.Variable[], online: readonly tf.Variable[], what: string): void {
  if (target.length !== online.length) throw new Error(`${what}: ${target.length} target vs ${online.length} online variables`);
  target.forEach((t, i) => {
    const o = online[i];
    if (t.shape.length !== o.shape.length || t.shape.some((d, j) => d !== o.shape[j]))
      throw new Error(`${what}: variable ${i} shapes differ (${t.name} [${t.shape}] vs ${o.name} [${o.shape}])`);
  });
}

/** target <- momentum * target + (1 - momentum) * online, variable by variable. */
export function emaUpdate(target: readonly tf.Variable[], online: readonly tf.Variable[], momentum: number): void {
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`emaUpdate: momentum must be in [0, 1], got ${momentum}`);
  checkPairs(target, online, 'emaUpdate');
  // On WebGPU and wasm one in-place kernel per tensor (src/engine/fused/webgpu/ema.ts, wasm/optimizer.ts): same arithmetic and FLOPs.
  if (useFusedOptimizer() && tf.getKernel(EMA, tf.getBackend())) {
    target.forEach((t, i) => fusedEma(t, online[i], momentum));
    return;
  }
  tf.tidy(() => {
    target.forEach((t, i) => t.assign(tf.add(tf.mul(t, momentum), tf.mul(online[i], 1 - momentum))));
  });
}

/** target <- online (teacher initialisation). */
export function copyVariables(target: readonly tf.Variable[], online: readonly tf.Variable[]): void {
  checkPairs(target, online, 'copyVariables');
  target.forEach((t, i) => t.assign(online[i]));
}

/**
 * Builds a second instance of a module with a non-trainable ParamStore and
 * copies the online values into it. `build` must create the same parameters
 * in the same order as it did for `online` (names are checked).
 */
export function nonTrainableCopy<T>(online: ParamStore, prefix: string, build: (store: ParamStore) => T): { module: T; store: ParamStore } {
  const store = new ParamStore(prefix, false);
  const module = build(store);
  const strip = (s: ParamStore) => [...s.params.keys()].map((k) => k.slice(s.prefix.length + 1));
  const a = strip(store);
  const b = strip(online);
  if (a.length !== b.length || a.some((n, i) => n !== b[i])) {
    store.dispose();
    throw new Error(`nonTrainableCopy: parameters differ (${a.join(',')} vs ${b.join(',')})`);
  }
  copyVariables(store.variables, online.variables);
  return { module, store };
}
