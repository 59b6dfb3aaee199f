/** The fused LayerNorm kernels against the composed reference, on WebGPU (Dawn + SwiftShader) and on wasm (src/engine/fused/wasm/layerNorm.ts: SIMD, and the TypeScript loops). */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fusedLayerNorm } from '../src/engine/fused/webgpu/layerNorm';
import { LayerNorm, ParamStore } from '../src/models/layers';
import { setSimdWithFallbacks } from '../src/engine/fused/wasm/simd/instance';
import { MODEL_KERNEL_BACKENDS, onBackend, relError, runOp, seeded } from './fusedHarness';

// Odd sizes, a single row, and a ViT-B width.
const SHAPES = [
  [2, 5, 48],
  [1, 1, 7],
  [3, 13],
  [4, 768],
];

function matchesComposed(shape: number[]): void {
  it(`matches the composed ops, values and gradients, at ${shape.join('x')}`, async () => {
    const d = shape[shape.length - 1];
    const store = new ParamStore(`ln${shape.join('_')}`);
    const ln = new LayerNorm(store, 'n', d);
    ln.gamma.assign(seeded([d], 7, 2).add(1));
    ln.beta.assign(seeded([d], 8));
    const x = seeded(shape, 1, 3).add(0.5);
    const dy = seeded(shape, 2);
    // Through the module's own parameters: LayerNorm.apply picks the path.
    const viaModule = (xi: tf.Tensor) => ln.apply(xi);
    const fused = await runOp(viaModule, [x], dy, true);
    const composed = await runOp(viaModule, [x], dy, false);
    expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
    expect(relError(fused.grads[0], composed.grads[0])).toBeLessThan(1e-4);
    // gamma and beta gradients: differentiate with respect to them as inputs.
    const direct = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => fusedLayerNorm(xi, g, b, 1e-6);
    const onGpu = await runOp(direct, [x, ln.gamma, ln.beta], dy, true);
    const ref = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xi, -1, true);
      return tf.add(tf.mul(tf.mul(tf.sub(xi, mean), tf.rsqrt(tf.add(variance, 1e-6))), g), b);
    };
    const reference = await runOp(ref, [x, ln.gamma, ln.beta], dy, false);
    onGpu.grads.forEach((g, i) => expect(relError(g, reference.grads[i])).toBeLessThan(1e-4));
    // One kernel forward; stats, dx, dgamma and a Sum backward.
    expect(fused.counts.calls.FlopLabLayerNorm).toBe(1);
    expect(fused.counts.calls.FlopLabLayerNormGradX).toBe(1);
    tf.dispose([x, dy]);
    store.dispose();
  });
}

describe.each(MODEL_KERNEL_BACKENDS)('fused LayerNorm on $backend', (b) => {
  beforeAll(() => onBackend(b));

  // On wasm: the compiled SIMD kernels where the engine has SIMD (Node and the browsers do).
  SHAPES.forEach(matchesComposed);

  it('counts within 1 % of the composed path forward+backward and leaks no tensor', async () => {
    const store = new ParamStore('lncount');
    const ln = new LayerNorm(store, 'n', 48);
    const x = seeded([32, 65, 48], 3);
    const dy = seeded([32, 65, 48], 4);
    const before = tf.memory().numTensors;
    const fused = await runOp((xi) => ln.apply(xi), [x], dy, true);
    const composed = await runOp((xi) => ln.apply(xi), [x], dy, false);
    expect(tf.memory().numTensors).toBe(before);
    const n = 32 * 65 * 48;
    expect(fused.counts.byKernel.FlopLabLayerNorm).toBe(8 * n + 4 * 32 * 65);
    // Backward recomputes the row statistics (stats kernel): state the gap, keep it small.
    const ratio = fused.counts.total / composed.counts.total;
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.5);
    tf.dispose([x, dy]);
    store.dispose();
  });
});

// wasm's fallback for engines without SIMD: the TypeScript loops.
const wasm = MODEL_KERNEL_BACKENDS.find((b) => b.backend === 'wasm');
if (wasm)
  describe('fused LayerNorm on wasm as TypeScript loops', () => {
    beforeAll(async () => {
      await onBackend(wasm);
      setSimdWithFallbacks(false);
    });
    afterAll(() => setSimdWithFallbacks(undefined));
    SHAPES.forEach(matchesComposed);
  });
