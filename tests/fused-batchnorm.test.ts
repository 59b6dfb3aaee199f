/** The fused training-mode BatchNorm against the composed heads' BatchNorm, on WebGPU (Dawn + SwiftShader). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedBatchNorm } from '../src/engine/fused/webgpu/batchNorm';
import { relError, runOp, seeded, webgpuInNode } from './fusedHarness';

beforeAll(webgpuInNode);

const composed = (eps: number, offset: boolean) => (x: tf.Tensor, g: tf.Tensor, b?: tf.Tensor) => {
  const { mean, variance } = tf.moments(x, 0, true);
  const scaled = tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g);
  return offset && b ? tf.add(scaled, b) : scaled;
};

describe('fused BatchNorm on WebGPU', () => {
  // N = 2 is left out: there dx cancels to ~0 and any rounding is a large relative error.
  for (const [n, c] of [
    [3, 1],
    [7, 13],
    [32, 192],
    [64, 5],
  ]) {
    for (const offset of [true, false]) {
      it(`matches the composed ops at N=${n} C=${c}${offset ? '' : ', scale only'}`, async () => {
        const x = seeded([n, c], 21, 2).add(0.3);
        const g = seeded([c], 22).add(1.2);
        const b = seeded([c], 23);
        const dy = seeded([n, c], 24);
        const inputs = offset ? [x, g, b] : [x, g];
        const before = tf.memory().numTensors;
        const fused = await runOp((xi, gi, bi) => fusedBatchNorm(xi as tf.Tensor2D, gi, offset ? bi : null, 1e-5), inputs, dy, true);
        const reference = await runOp(composed(1e-5, offset), inputs, dy, false);
        expect(tf.memory().numTensors).toBe(before);
        expect(relError(fused.value, reference.value)).toBeLessThan(1e-4);
        fused.grads.forEach((gr, i) => expect(relError(gr, reference.grads[i])).toBeLessThan(1e-4));
        expect(fused.counts.calls.FlopLabBatchNorm).toBe(1);
        // What the kernels compute: forward, dx, dgamma (and dbeta's Sum); about a quarter over the
        // composed op alone, as the backward recomputes the statistics (a few 0.1 % of a BYOL step).
        const nc = n * c;
        expect(fused.counts.total).toBe((offset ? 8 : 7) * nc + 4 * c + 14 * nc + 2 * c + 8 * nc + (offset ? nc : 0));
        expect(fused.counts.total / reference.counts.total).toBeLessThan(1.3);
        tf.dispose([x, g, b, dy]);
      });
    }
  }
});
