/**
 * wasm's Sum over leading axes through the SIMD column sum (src/engine/fused/wasm/columnSum.ts)
 * gives tfjs-wasm's own floats, bit for bit, under the same kernel name and counted FLOPs; other
 * sums still go to tfjs-wasm's kernel. Add and Multiply of same-shape float32 tensors through one
 * SIMD pass (src/engine/fused/wasm/sameShapeBinary.ts) give each float its IEEE sum or product,
 * as tfjs-wasm does; broadcasts and other dtypes still go to tfjs-wasm. And the SIMD EMA gives the
 * TypeScript loop's floats.
 * (AdamW's SIMD kernels against the loops: tests/fused-optimizer.test.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../tooling/tfjsBackends';
import { FlopCounter } from '../src/engine/flops/counter';
import { leadingAxesCount } from '../src/engine/fused/leadingAxes';
import { setSimdWithFallbacks } from '../src/engine/fused/wasm/simd/instance';
import { copyVariables, emaUpdate } from '../src/methods/ema';
import { seeded } from './fusedHarness';

const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;

/** What tfjs-wasm's Sum does with leading axes: transpose them innermost, then sum innermost axes. */
function transposedSum(x: tf.Tensor, k: number, keepDims: boolean): tf.Tensor {
  return tf.tidy(() => {
    const r = x.rank;
    const perm = [...Array.from({ length: r - k }, (_, i) => i + k), ...Array.from({ length: k }, (_, i) => i)];
    const inner = Array.from({ length: k }, (_, i) => r - k + i);
    const s = tf.sum(tf.transpose(x, perm), inner);
    return keepDims ? s.reshape([...x.shape.slice(0, k).map(() => 1), ...x.shape.slice(k)]) : s;
  });
}

describe('wasm SIMD column sum and EMA', () => {
  beforeAll(async () => {
    await useWasmBackend();
    await tf.setBackend('wasm');
  });

  it('reads which axes are a leading run', () => {
    expect(leadingAxesCount(0, 2)).toBe(1);
    expect(leadingAxesCount([1, 0], 3)).toBe(2);
    expect(leadingAxesCount([-3, -2], 3)).toBe(2);
    expect(leadingAxesCount([0, 2], 3)).toBe(0); // not a run
    expect(leadingAxesCount([1], 3)).toBe(0); // not leading
    expect(leadingAxesCount([0, 1], 2)).toBe(0); // every axis: a full reduction
  });

  // Columns a multiple of 4, with tails of 1, 2 and 3; one row; the bias gradient's [B, T, D].
  const cases: [number[], number[]][] = [
    [[544, 192], [0]],
    [[37, 5], [0]],
    [[9, 6], [0]],
    [[1, 7], [0]],
    [
      [4, 17, 33],
      [0, 1],
    ],
    [[4, 17, 33], [-3]],
  ];
  for (const [shape, axes] of cases)
    for (const keepDims of [false, true])
      it(`Sum of [${shape}] over [${axes}]${keepDims ? ', keepDims' : ''}: tfjs-wasm's floats, one Sum call, its FLOPs`, async () => {
        const x = seeded(shape, shape.length * 100 + shape[0], 3);
        const k = leadingAxesCount(axes, shape.length);
        expect(k).toBeGreaterThan(0);
        const counter = new FlopCounter();
        counter.begin('backward');
        const got = tf.sum(x, axes, keepDims);
        const counts = counter.end();
        const want = transposedSum(x, k, keepDims);
        expect(got.shape).toEqual(want.shape);
        expect(await read(got)).toEqual(await read(want));
        expect(counts.calls).toEqual({ Sum: 1 });
        expect(counts.total).toBe(x.size); // one add per element read, as tfjs's Sum is counted
        // The sums did run over the rows (one row: the sum is that row).
        const first = Math.abs((await read(got))[0] - (await read(x))[0]);
        if (shape[0] > 1) expect(first).toBeGreaterThan(1e-6);
        else expect(first).toBe(0);
        tf.dispose([x, got, want]);
      });

  it('other sums (inner axes, all axes, int32) still go to tfjs-wasm', async () => {
    const x = seeded([6, 10], 3);
    const inner = tf.sum(x, 1);
    const all = tf.sum(x);
    const ints = tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0);
    const xs = await read(x);
    expect(await inner.data()).toEqual(Float32Array.from({ length: 6 }, (_, r) => xs.slice(10 * r, 10 * r + 10).reduce((a, b) => Math.fround(a + b), 0)));
    expect(Math.abs((await all.data())[0] - xs.reduce((a, b) => a + b, 0))).toBeLessThan(1e-4);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(await ints.data())).toEqual([9, 12]);
    tf.dispose([x, inner, all, ints]);
  });

  it('no leak: the column sum frees nothing it should keep and keeps nothing it should free', () => {
    const x = seeded([50, 12], 9);
    tf.sum(x, 0).dispose();
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 5; i++) tf.sum(x, 0).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
    x.dispose();
  });

  // Sizes: whole passes of 16, quads and floats left (1..3), the residual stream's [B, T, D].
  for (const shape of [[1], [3], [5, 7], [16], [37], [2, 17, 48]])
    it(`Add and Multiply of two [${shape}] float32 tensors: each float's IEEE sum or product, one call each, its FLOPs`, async () => {
      const [a, b] = [seeded(shape, 11 + shape.length, 3), seeded(shape, 29 + shape[0], 2)];
      const counter = new FlopCounter();
      counter.begin('forward');
      const [sum, product] = [tf.add(a, b), tf.mul(a, b)];
      const counts = counter.end();
      const [av, bv] = [await read(a), await read(b)];
      expect(await read(sum)).toEqual(av.map((v, i) => Math.fround(v + bv[i])));
      expect(await read(product)).toEqual(av.map((v, i) => Math.fround(v * bv[i])));
      expect(counts.calls).toEqual({ Add: 1, Multiply: 1 });
      // Through the SIMD pass, not tfjs-wasm's own kernels (which give the same floats).
      for (const name of ['Add', 'Multiply']) expect((tf.getKernel(name, 'wasm') as unknown as Record<string, unknown>).sameShape).toBe(true);
      expect(counts.total).toBe(2 * a.size);
      expect(sum.shape).toEqual(shape);
      tf.dispose([a, b, sum, product]);
    });

  it('Add and Multiply with a broadcast, or on int32, still go to tfjs-wasm; the SIMD pass leaks nothing', async () => {
    const [x, row] = [seeded([3, 4], 5), seeded([4], 6)];
    const [xs, rs] = [await read(x), await read(row)];
    expect(await read(tf.add(x, row))).toEqual(xs.map((v, i) => Math.fround(v + rs[i % 4])));
    expect(await read(tf.mul(x, 2))).toEqual(xs.map((v) => Math.fround(v * 2)));
    const ints = tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([4, 5, 6], 'int32'));
    expect(ints.dtype).toBe('int32');
    expect(Array.from(await ints.data())).toEqual([5, 7, 9]);
    tf.add(x, x).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.tidy(() => void tf.mul(tf.add(x, x), x));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, row, ints]);
  });

  it("the SIMD EMA gives the TypeScript loop's floats, bit for bit", async () => {
    const shapes = [[1], [3, 5], [7], [45, 41], [2000]];
    const results: Float32Array[][] = [];
    for (const simd of [false, true]) {
      setSimdWithFallbacks(simd);
      const online = shapes.map((s, i) => tf.variable(seeded(s, 60 + i), true, `simd_ema_online_${simd}_${i}`));
      const teacher = shapes.map((s, i) => tf.variable(tf.zeros(s), false, `simd_ema_teacher_${simd}_${i}`));
      copyVariables(teacher, online);
      for (let s = 0; s < 6; s++) {
        tf.tidy(() => online.forEach((o, i) => o.assign(tf.add(o, seeded(shapes[i], 7 * s + i, 0.3)))));
        emaUpdate(teacher, online, 0.9 + 0.01 * s);
      }
      results.push(await Promise.all(teacher.map(read)));
      tf.dispose([...online, ...teacher]);
    }
    setSimdWithFallbacks(undefined);
    results[1].forEach((v, i) => expect(v).toEqual(results[0][i]));
    expect(results[1][3].some((v) => v !== 0)).toBe(true);
  });
});
