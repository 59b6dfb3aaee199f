/**
 * Shared by the fused-kernel tests: WebGPU in Node through Dawn on SwiftShader (the
 * software adapter headless Chromium uses; needs libvulkan1, which .ci/run installs), and a
 * comparison of a fused op with its composed reference, values and every input's gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { useNodeWebgpu } from '../tooling/nodeWebgpu';
import { setFusedKernels } from '../src/engine/fused/enabled';
import { FlopCounter, type FlopCounts } from '../src/engine/flops/counter';
import { useWasmBackend } from '../tooling/tfjsBackends';
import { seededValues } from '../src/lib/seededValues';

export async function webgpuInNode(): Promise<void> {
  await useNodeWebgpu('fused-kernel tests');
}

/** The backends whose fused model kernels a suite checks: WebGPU (WGSL) and wasm (loops over the heap). */
export const MODEL_KERNEL_BACKENDS = [
  { backend: 'webgpu', setup: webgpuInNode },
  { backend: 'wasm', setup: useWasmBackend },
] as const;

/** beforeAll for one of MODEL_KERNEL_BACKENDS: set it up (once per process) and make it current. */
export async function onBackend(b: (typeof MODEL_KERNEL_BACKENDS)[number]): Promise<void> {
  await b.setup();
  await tf.setBackend(b.backend);
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

export interface OpRun {
  value: Float32Array;
  grads: Float32Array[];
  counts: FlopCounts;
}

/**
 * Runs `f` on `inputs` forward and backward (upstream gradient `dy`), with the fused
 * kernels on or off, counting the kernels that ran. Every tensor made here is freed.
 */
export async function runOp(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], dy: tf.Tensor, fused: boolean): Promise<OpRun> {
  setFusedKernels(fused);
  const counter = new FlopCounter();
  counter.begin('forward');
  const { value, grads } = tf.tidy(() => tf.valueAndGrads((...xs: tf.Tensor[]) => f(...xs))(inputs, dy));
  const counts = counter.end();
  const out = { value: (await value.data()) as Float32Array, grads: await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array)), counts };
  value.dispose();
  tf.dispose(grads);
  setFusedKernels(true);
  return out;
}

/** Seeded uniform values in [-scale, scale] (a small LCG: tests must not depend on Math.random). */
export function seeded(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
      scale,
    ),
    shape,
  );
}
