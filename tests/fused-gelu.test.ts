/** The fused GELU kernels against the composed reference (tf.erf), on WebGPU (Dawn + SwiftShader) and on wasm (the SIMD kernels, src/engine/fused/wasm/gelu.ts). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedGelu } from '../src/engine/fused/webgpu/gelu';
import { gelu } from '../src/models/layers';
import { MODEL_KERNEL_BACKENDS, onBackend, relError, runOp, seeded } from './fusedHarness';

/** erf in float64 (Taylor series for |x| < 3, continued fraction for erfc beyond). */
function erf64(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let sum = 0;
    let term = a;
    for (let n = 0; n < 200; n++) {
      sum += term / (2 * n + 1);
      term *= (-a * a) / (n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let cf = 0;
  for (let n = 60; n >= 1; n--) cf = n / 2 / (a + cf);
  return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + cf));
}

describe.each(MODEL_KERNEL_BACKENDS)('fused GELU on $backend', (backend) => {
  beforeAll(() => onBackend(backend));

  // Odd sizes, a single element, batch 1, and an MLP-hidden-sized block.
  const shapes = [[2, 5, 48], [1, 1, 7], [1], [3, 13], [65, 768]];
  for (const shape of shapes) {
    it(`matches the composed ops, values and gradient, at ${shape.join('x')}`, async () => {
      const x = seeded(shape, 11, 4);
      const dy = seeded(shape, 12);
      const fused = await runOp((xi) => gelu(xi), [x], dy, true);
      const composed = await runOp((xi) => gelu(xi), [x], dy, false);
      expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
      expect(relError(fused.grads[0], composed.grads[0])).toBeLessThan(1e-4);
      // One kernel forward, one backward, and no composed Erf left.
      expect(fused.counts.calls.FlopLabGelu).toBe(1);
      expect(fused.counts.calls.FlopLabGeluGrad).toBe(1);
      expect(fused.counts.calls.Erf).toBeUndefined();
      tf.dispose([x, dy]);
    });
  }

  it('is float32-accurate against a float64 erf, tails included', async () => {
    const n = 4001;
    const xs = Float32Array.from({ length: n }, (_, i) => -12 + (24 * i) / (n - 1));
    const x = tf.tensor1d(xs);
    const dy = tf.onesLike(x);
    const fused = await runOp((xi) => fusedGelu(xi), [x], dy, true);
    let worstValue = 0;
    let worstGrad = 0;
    for (let i = 0; i < n; i++) {
      const v = xs[i];
      const phi = 0.5 * (1 + erf64(v / Math.SQRT2));
      const value = v * phi;
      const grad = phi + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI);
      // Absolute error on the scale of max(|x|, 1) (float32 rounding of x Phi(x) is ~6e-8 of that).
      worstValue = Math.max(worstValue, Math.abs(fused.value[i] - value) / Math.max(1, Math.abs(v)));
      worstGrad = Math.max(worstGrad, Math.abs(fused.grads[0][i] - grad));
    }
    expect(worstValue).toBeLessThan(1e-6);
    expect(worstGrad).toBeLessThan(1e-6);
    // Far tails: exactly 0 and x, gradient 0 and 1, no NaN.
    const tails = await runOp((xi) => fusedGelu(xi), [tf.tensor1d([-1e30, -60, 60, 1e30])], tf.ones([4]), true);
    // (+ 0 turns -0 into 0: toEqual tells them apart.)
    expect(Array.from(tails.value, (v) => v + 0)).toEqual([0, 0, 60, Math.fround(1e30)]);
    expect(Array.from(tails.grads[0], (v) => v + 0)).toEqual([0, 0, 1, 1]);
    tf.dispose([x, dy]);
  });

  it('counts 5 per element forward and 11 backward (composed: 5 and 10), and leaks no tensor', async () => {
    const shape = [32, 65, 96];
    const n = 32 * 65 * 96;
    const x = seeded(shape, 3, 3);
    const dy = seeded(shape, 4);
    const before = tf.memory().numTensors;
    const fused = await runOp((xi) => gelu(xi), [x], dy, true);
    const composed = await runOp((xi) => gelu(xi), [x], dy, false);
    expect(tf.memory().numTensors).toBe(before);
    expect(fused.counts.byKernel.FlopLabGelu).toBe(5 * n);
    expect(fused.counts.byKernel.FlopLabGeluGrad).toBe(11 * n);
    expect(fused.counts.total).toBe(16 * n);
    expect(composed.counts.total).toBe(15 * n);
    tf.dispose([x, dy]);
  });
});
