/** The fused Linear kernels against tf.fused.matMul, on WebGPU (Dawn + SwiftShader; tfjs's matmuls and the tiled program) and on wasm (the SIMD kernel: with its multiply-adds unfused, the composed path's floats, bit for bit). */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fusedLinear, LINEAR, LINEAR_GRAD_W, LINEAR_GRAD_X } from '../src/engine/fused/webgpu/linear';
import { setFusedKernels } from '../src/engine/fused/enabled';
import { fusedMultiplyAddInUse, setFusedMultiplyAdd } from '../src/engine/fused/wasm/simd/instance';
import { setSoftwareAdapterKernels } from '../src/engine/fused/webgpu/softwareAdapter';
import { Linear, linear3d, ParamStore } from '../src/models/layers';
import { Rng } from '../src/engine/rng';
import { MODEL_KERNEL_BACKENDS, onBackend, relError, runOp, seeded } from './fusedHarness';

/** The composed reference: what Linear.apply / linear3d run with the fused kernels off. */
function reference(x: tf.Tensor, w: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const k = x.shape[x.rank - 1];
  const y = tf.fused.matMul({ a: tf.reshape(x, [-1, k]) as tf.Tensor2D, b: w, bias });
  return tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1] as number]);
}

const callsOf = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

// Ranks 2 and 3 (and 4), odd sizes, batch 1, a single row; with and without bias. `exact`: the
// same floats, as on wasm without fused multiply-adds, where the SIMD kernel adds the products in
// XNNPACK's order (bias, then k = 0, 1, ...) with XNNPACK's roundings.
function matchesComposed(exact = false): void {
  const cases: { x: number[]; n: number }[] = [
    { x: [7, 5], n: 3 },
    { x: [1, 13], n: 9 },
    { x: [1, 1, 11], n: 6 },
    { x: [3, 17, 48], n: 37 },
    { x: [2, 3, 5, 7], n: 10 },
    { x: [96, 192], n: 48 },
  ];
  for (const { x: shape, n } of cases) {
    for (const withBias of [true, false]) {
      it(`matches tf.fused.matMul, values and x/w/bias gradients, x ${shape.join('x')} -> ${n}${withBias ? ' + bias' : ''}`, async () => {
        const k = shape[shape.length - 1];
        const x = seeded(shape, 1, 2);
        const w = seeded([k, n], 2, 0.5);
        const b = seeded([n], 3);
        const dy = seeded([...shape.slice(0, -1), n], 4);
        const inputs = withBias ? [x, w, b] : [x, w];
        const f = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => fusedLinear(xi, wi, bi);
        const fused = await runOp(f, inputs, dy, true);
        const composed = await runOp(reference, inputs, dy, false);
        expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
        expect(fused.grads.length).toBe(inputs.length);
        fused.grads.forEach((g, i) => expect(relError(g, composed.grads[i])).toBeLessThan(1e-4));
        if (exact) {
          expect(Array.from(fused.value)).toEqual(Array.from(composed.value));
          fused.grads.forEach((g, i) => expect(Array.from(g), `gradient ${i}`).toEqual(Array.from(composed.grads[i])));
        }
        // One forward kernel, one per gradient.
        expect(fused.counts.calls[LINEAR]).toBe(1);
        expect(fused.counts.calls[LINEAR_GRAD_X]).toBe(1);
        expect(fused.counts.calls[LINEAR_GRAD_W]).toBe(1);
        expect(fused.counts.calls.BatchMatMul ?? 0).toBe(0);
        expect(fused.counts.calls._FusedMatMul ?? 0).toBe(0);
        expect(fused.counts.calls.Reshape ?? 0).toBe(0);
        expect(fused.counts.calls.Sum ?? 0).toBe(withBias ? 1 : 0);
        tf.dispose([x, w, b, dy]);
      });
    }
  }
}

describe.each(MODEL_KERNEL_BACKENDS)('fused Linear on $backend', (backendCase) => {
  beforeAll(async () => {
    await onBackend(backendCase);
    setSoftwareAdapterKernels(false); // tfjs's own matmul programs (hardware adapters); the tiled ones below
  });

  if (backendCase.backend === 'wasm') {
    // Relaxed SIMD's fused multiply-add (the default where the engine has it: Chromium, and Node
    // with the flag the tooling sets) rounds each product once, XNNPACK twice: within 1e-4.
    describe('products fused (relaxed SIMD)', () => {
      it('is the form in use', () => expect(fusedMultiplyAddInUse()).toBe(true));
      matchesComposed(false);
    });
    describe('products as multiply then add (engines without relaxed SIMD)', () => {
      beforeAll(() => setFusedMultiplyAdd(false));
      afterAll(() => setFusedMultiplyAdd(undefined));
      matchesComposed(true);
    });
  } else matchesComposed(false);

  it('Linear.apply and linear3d take the fused kernel and match the composed path, with the same FLOPs, fewer calls, no leak', async () => {
    const store = new ParamStore('lincount');
    const layer = new Linear(store, 'l', 48, 192, new Rng(5));
    layer.b!.assign(seeded([192], 9));
    const x3 = seeded([32, 65, 48], 3);
    const dy3 = seeded([32, 65, 192], 4);
    const x2 = seeded([32 * 65, 48], 5);
    const dy2 = seeded([32 * 65, 192], 6);
    const before = tf.memory().numTensors;
    for (const [f, x, dy] of [
      [(xi: tf.Tensor) => linear3d(layer, xi as tf.Tensor3D), x3, dy3],
      [(xi: tf.Tensor) => layer.apply(xi as tf.Tensor2D), x2, dy2],
    ] as const) {
      // x and the layer's own w and b: gradients with respect to all three.
      const g = (xi: tf.Tensor, _w: tf.Tensor, _b: tf.Tensor) => f(xi);
      const fused = await runOp(g, [x, layer.w, layer.b!], dy, true);
      const composed = await runOp(g, [x, layer.w, layer.b!], dy, false);
      expect(tf.memory().numTensors).toBe(before);
      expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
      fused.grads.forEach((gr, i) => expect(relError(gr, composed.grads[i])).toBeLessThan(1e-4));
      expect(fused.counts.calls[LINEAR]).toBe(1);
      // Same counted FLOPs forward+backward, to the FLOP.
      expect(fused.counts.total).toBe(composed.counts.total);
      const m = 32 * 65;
      expect(fused.counts.byKernel[LINEAR]).toBe(2 * m * 192 * 48 + m * 192);
      expect(fused.counts.byKernel[LINEAR_GRAD_X]).toBe(2 * m * 192 * 48);
      expect(fused.counts.byKernel[LINEAR_GRAD_W]).toBe(2 * m * 192 * 48);
      // Forward, 2 clones of the saved x and w, dx, dW, db's Sum.
      expect(callsOf(fused.counts.calls)).toBe(6);
      expect(callsOf(fused.counts.calls)).toBeLessThan(callsOf(composed.counts.calls));
    }
    // Many steps leak nothing either.
    for (let i = 0; i < 3; i++) await runOp((xi: tf.Tensor) => linear3d(layer, xi as tf.Tensor3D), [x3], dy3, true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x3, dy3, x2, dy2]);
    store.dispose();
  });

  it('computes (and counts) every gradient as the composed path does, also when the tape needs no dx', async () => {
    const x = seeded([4, 9, 12], 1);
    const w = seeded([12, 5], 2);
    const b = seeded([5], 3);
    const dy = seeded([4, 9, 5], 4);
    // x is data (a patch embedding's input): only w and b are differentiated.
    const f = (wi: tf.Tensor, bi: tf.Tensor) => (fusedKernels() ? fusedLinear(x, wi, bi) : reference(x, wi, bi));
    let on = true;
    const fusedKernels = () => on;
    const before = tf.memory().numTensors;
    const fused = await runOp(f, [w, b], dy, true);
    on = false;
    const composed = await runOp(f, [w, b], dy, false);
    expect(tf.memory().numTensors).toBe(before);
    fused.grads.forEach((g, i) => expect(relError(g, composed.grads[i])).toBeLessThan(1e-4));
    expect(fused.counts.total).toBe(composed.counts.total);
    expect(fused.counts.calls[LINEAR_GRAD_X]).toBe(1);
    tf.dispose([x, w, b, dy]);
  });

  it('keeps the composed path when the fused kernels are off', async () => {
    const store = new ParamStore('linoff');
    const layer = new Linear(store, 'l', 8, 4, new Rng(1), { bias: false });
    const x = seeded([2, 3, 8], 1);
    setFusedKernels(false);
    try {
      const y = linear3d(layer, x as tf.Tensor3D);
      expect(y.shape).toEqual([2, 3, 4]);
      y.dispose();
    } finally {
      setFusedKernels(true);
    }
    const y = linear3d(layer, x as tf.Tensor3D);
    expect(y.shape).toEqual([2, 3, 4]);
    tf.dispose([x, y]);
    store.dispose();
  });
});

// Software adapters run the three products as the lab's own strided 4 x 4 program (tiledMatmul.ts).
const webgpu = MODEL_KERNEL_BACKENDS.find((b) => b.backend === 'webgpu');
if (webgpu)
  describe('fused Linear on webgpu, tiled products', () => {
    beforeAll(async () => {
      await onBackend(webgpu);
      setSoftwareAdapterKernels(true);
    });
    afterAll(() => setSoftwareAdapterKernels(true)); // Node's Dawn runs SwiftShader: the tiled products, as in tooling/nodeWebgpu.ts
    matchesComposed();
  });
