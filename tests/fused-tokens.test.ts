/** The fused class-token prepend against tile + concat, on WebGPU (Dawn + SwiftShader) and on wasm (src/engine/fused/wasm/tokens.ts). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedPrependToken } from '../src/engine/fused/webgpu/tokens';
import { MODEL_KERNEL_BACKENDS, onBackend, relError, runOp, seeded } from './fusedHarness';

const composed = (token: tf.Tensor, x: tf.Tensor) => tf.concat([tf.tile(token, [x.shape[0], 1, 1]), x], 1);

describe.each(MODEL_KERNEL_BACKENDS)('fused class-token prepend on $backend', (backend) => {
  beforeAll(() => onBackend(backend));

  for (const [b, n, d] of [
    [1, 1, 1],
    [3, 5, 7],
    [32, 16, 48],
  ]) {
    it(`matches tile + concat, values and gradients, at B=${b} N=${n} D=${d}`, async () => {
      const token = seeded([1, 1, d], 11);
      const x = seeded([b, n, d], 12);
      const dy = seeded([b, n + 1, d], 13);
      const before = tf.memory().numTensors;
      const fused = await runOp((t, xi) => fusedPrependToken(t, xi as tf.Tensor3D), [token, x], dy, true);
      const reference = await runOp(composed, [token, x], dy, false);
      expect(tf.memory().numTensors).toBe(before);
      expect(relError(fused.value, reference.value)).toBe(0);
      expect(relError(fused.grads[1], reference.grads[1])).toBe(0);
      // The token's gradient adds the images' rows in order, as Tile's gradient does: bit for bit too.
      expect(relError(fused.grads[0], reference.grads[0])).toBe(0);
      // Same FLOPs (the class token's gradient sums B rows of D), 3 kernel calls instead of 2B + 5.
      expect(fused.counts.total).toBe(reference.counts.total);
      expect(fused.counts.total).toBe(b * d);
      const calls = Object.values(fused.counts.calls).reduce((s, c) => s + c, 0);
      expect(calls).toBe(3);
      tf.dispose([token, x, dy]);
    });
  }
});
