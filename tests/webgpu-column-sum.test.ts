/**
 * WebGPU's Sum over leading axes through the column-sum programs (src/engine/fused/webgpu/columnSum.ts),
 * on Dawn + SwiftShader in Node: the sums of tfjs-webgpu's own path (to float32 rounding), one
 * chunk and several (64 rows a chunk), keepDims, under the kernel name Sum with its FLOPs; the
 * first pass's partial sums are freed; with the fused kernels off, tfjs's own Sum runs.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlopCounter } from '../src/engine/flops/counter';
import { setFusedKernels } from '../src/engine/fused/enabled';
import { relError, seeded, webgpuInNode } from './fusedHarness';

const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;

/** float64 column sums of x viewed as [rows, cols]. */
async function reference(x: tf.Tensor, rows: number): Promise<Float64Array> {
  const v = await read(x);
  const cols = v.length / rows;
  const out = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += v[r * cols + c];
  return out;
}

describe('WebGPU column sum', () => {
  beforeAll(async () => {
    await webgpuInNode();
    await tf.setBackend('webgpu');
  });

  // [shape, axes, leading axes reduced]
  const cases: [number[], number[], number][] = [
    [[7, 5], [0], 1], // one chunk
    [[64, 3], [0], 1], // exactly one chunk
    [[65, 9], [0], 1], // a chunk and one row
    [[4, 65, 48], [0, 1], 2], // the bias gradient of a 64-token layer: 260 rows
    [[300, 2, 6], [-3], 1],
  ];
  for (const [shape, axes, k] of cases)
    for (const keepDims of [false, true])
      it(`Sum of [${shape}] over [${axes}]${keepDims ? ', keepDims' : ''}: the column sums, one Sum call, its FLOPs`, async () => {
        const rows = shape.slice(0, k).reduce((a, b) => a * b, 1);
        const rest = shape.slice(k);
        const x = seeded(shape, rows + shape.length, 2);
        const counter = new FlopCounter();
        const ids = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
        const before = ids();
        counter.begin('backward');
        const got = tf.sum(x, axes, keepDims);
        const counts = counter.end();
        const want = await reference(x, rows);
        expect(got.shape).toEqual(keepDims ? [...Array<number>(k).fill(1), ...rest] : rest);
        expect(relError(await read(got), want)).toBeLessThan(1e-5);
        expect(counts.calls).toEqual({ Sum: 1 });
        expect(counts.total).toBe(x.size);
        expect(ids()).toBe(before + 1); // the result alone: the partial sums were freed
        tf.dispose([x, got]);
      });

  it("with the fused kernels off, tfjs-webgpu's own Sum gives the same sums", async () => {
    const x = seeded([130, 12], 5);
    const fused = tf.sum(x, 0);
    setFusedKernels(false);
    const own = tf.sum(x, 0);
    setFusedKernels(true);
    expect(relError(await read(fused), await read(own))).toBeLessThan(1e-5);
    expect(relError(await read(own), await reference(x, 130))).toBeLessThan(1e-5);
    tf.dispose([x, fused, own]);
  });
});
