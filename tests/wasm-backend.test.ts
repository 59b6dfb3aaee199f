/**
 * The wasm backend's gaps, checked on wasm itself (in Node). One-hot targets are
 * built on the host because tfjs-wasm's OneHot kernel with dtype float32 returns
 * 1.4e-45 instead of 1 (the segmentation loss was silently 0); Gather's gradient
 * needs UnsortedSegmentSum, which wasm lacks and src/engine/wasmKernels.ts adds.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { oneHotRows } from '../src/engine/oneHot';
import { segLoss } from '../src/transfer/finetune';
import { installKernelHooks, FlopCounter } from '../src/engine/flops/counter';
import { mergeAxes, swapMiddleDims } from '../src/engine/wasmTranspose';

async function useWasm(): Promise<void> {
  const require = createRequire(import.meta.url);
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
  tf.env().set('IS_TEST', true);
  await tf.setBackend('wasm');
  await tf.ready();
  installKernelHooks('wasm');
}

describe('wasm backend gaps', () => {
  it('are exact rows, zero for ignored (-1), and name a bad label', () => {
    expect(Array.from(oneHotRows([2, -1, 0], 3))).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0]);
    expect(() => oneHotRows([3], 3)).toThrow('oneHotRows: label 3 at 0 is not a class in 0..2 (or -1 for ignored)');
  });

  it('give the segmentation loss its value on the wasm backend: uniform logits cost ln K per labelled pixel', async () => {
    await useWasm();
    const labels = [0, 3, -1, 10];
    const oneHot = tf.tensor2d(oneHotRows(labels, 11), [4, 11]);
    const logits = tf.zeros([1, 2, 2, 11]) as tf.Tensor4D;
    const loss = segLoss(logits, oneHot, 3);
    expect((await loss.data())[0]).toBeCloseTo(Math.log(11), 5);
    tf.dispose([oneHot, logits, loss]);
  });

  it('Gather has a gradient on wasm (segment sums of the upstream rows), counted as a reduction', async () => {
    await useWasm();
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const idx = tf.tensor1d([2, 0, 2], 'int32');
    const counter = new FlopCounter();
    counter.begin('forward');
    const g = tf.grad((t: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.gather(t, idx),
          tf.tensor2d([
            [1, 10],
            [100, 1000],
            [2, 20],
          ]),
        ),
      ),
    )(x);
    const counts = counter.end();
    // Row 0 receives the second upstream row, row 2 the first and third, row 1 nothing.
    expect(Array.from(await g.data())).toEqual([100, 1000, 0, 0, 3, 30]);
    expect(counts.calls.UnsortedSegmentSum).toBe(1);
    expect(counts.uncounted.UnsortedSegmentSum).toBeUndefined();
    tf.dispose([x, idx, g]);
  });

  it('Slice reads its input in place and gives the composed values for every rank, dtype and box (src/engine/wasmSlice.ts)', async () => {
    await useWasm();
    expect((tf.getKernel('Slice', 'wasm') as { viewSlice?: boolean }).viewSlice).toBe(true);
    const cases: [number[], number[], number[]][] = [
      [[7], [2], [4]],
      [
        [5, 3],
        [1, 0],
        [3, 3],
      ],
      [
        [5, 3],
        [0, 1],
        [5, 2],
      ],
      [
        [4, 5, 3],
        [1, 2, 0],
        [2, 3, 3],
      ],
      [
        [4, 5, 3],
        [0, 0, 0],
        [4, 5, 3],
      ],
      [
        [6, 3, 5, 2],
        [2, 0, 0, 0],
        [3, 3, 5, 2],
      ],
      [
        [6, 3, 5, 2],
        [1, 1, 2, 1],
        [4, 2, 2, 1],
      ],
      [
        [3, 2, 4, 3, 5],
        [1, 0, 1, 2, 1],
        [2, 2, 2, 1, 3],
      ],
      [
        [4, 3],
        [1, 1],
        [0, 2],
      ],
    ];
    for (const [shape, begin, size] of cases)
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? (i * 7) % 3 === 0 : dtype === 'int32' ? i * 3 - 11 : i * 0.5 - 3.25));
        // The expected values from index arithmetic, not from another slice.
        const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
        const expected: (number | boolean)[] = [];
        const walk = (axis: number, off: number): void => {
          if (axis === shape.length) expected.push(values[off]);
          else for (let i = 0; i < size[axis]; i++) walk(axis + 1, off + (begin[axis] + i) * strides[axis]);
        };
        walk(0, 0);
        const x = tf.tensor(values as number[], shape, dtype);
        const y = tf.slice(x, begin, size);
        expect(y.shape).toEqual(size);
        expect(Array.from(await y.data())).toEqual(expected.map(Number));
        tf.dispose([x, y]);
      }
  });

  it('Transpose swaps the middle of [A, I, J, L] on the SIMD kernel, with the values of index arithmetic for every case (src/engine/wasmTranspose.ts)', async () => {
    await useWasm();
    expect((tf.getKernel('Transpose', 'wasm') as { swapMiddle?: boolean }).swapMiddle).toBe(true);
    expect(mergeAxes([2, 3, 4, 5], [0, 1, 3, 2])).toEqual({ shape: [6, 4, 5], perm: [0, 2, 1] });
    expect(mergeAxes([3, 1, 4], [1, 0, 2])).toEqual({ shape: [12], perm: [0] });
    expect(swapMiddleDims(mergeAxes([8, 4, 8, 4, 8, 3], [0, 1, 3, 2, 4, 5]))).toEqual([32, 8, 4, 24]);
    expect(swapMiddleDims(mergeAxes([3, 4, 5], [1, 0, 2]))).toEqual([1, 3, 4, 5]);
    expect(swapMiddleDims(mergeAxes([2, 3, 4, 5], [2, 0, 1, 3]))).toEqual([1, 6, 4, 5]);
    expect(swapMiddleDims(mergeAxes([2, 3, 4, 5], [1, 0, 3, 2]))).toBeNull();
    expect(swapMiddleDims(mergeAxes([4, 3], [1, 0]))).toBeNull();
    const cases: [number[], number[]][] = [
      [
        [3, 4, 2, 5, 2, 3],
        [0, 1, 3, 2, 4, 5],
      ], // a patchify
      [
        [2, 3, 4, 5],
        [0, 2, 1, 3],
      ],
      [
        [2, 3, 4, 7],
        [0, 2, 1, 3],
      ], // runs of 7: a quad and 3 floats
      [
        [3, 5, 2],
        [1, 0, 2],
      ],
      [
        [2, 3, 4, 5],
        [2, 0, 1, 3],
      ],
      [
        [2, 3, 4, 5],
        [1, 0, 3, 2],
      ], // the last axis moves: the original kernel
      [
        [4, 3],
        [1, 0],
      ],
      [
        [3, 1, 4, 2],
        [1, 2, 0, 3],
      ], // a size-1 axis
      [
        [2, 3, 1],
        [1, 0, 2],
      ], // a last axis of 1
      [
        [2, 0, 3],
        [1, 0, 2],
      ], // empty
    ];
    for (const [shape, perm] of cases)
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? (i * 7) % 3 === 0 : dtype === 'int32' ? i * 3 - 11 : i * 0.5 - 3.25));
        const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
        const outShape = perm.map((a) => shape[a]);
        const expected: (number | boolean)[] = [];
        const walk = (axis: number, off: number): void => {
          if (axis === perm.length) expected.push(values[off]);
          else for (let i = 0; i < outShape[axis]; i++) walk(axis + 1, off + i * strides[perm[axis]]);
        };
        walk(0, 0);
        const x = tf.tensor(values as number[], shape, dtype);
        const y = tf.transpose(x, perm);
        expect(y.shape, `${shape} by ${perm}`).toEqual(outShape);
        expect(Array.from(await y.data()), `${shape} by ${perm}, ${dtype}`).toEqual(expected.map(Number));
        tf.dispose([x, y]);
      }
  });
});
