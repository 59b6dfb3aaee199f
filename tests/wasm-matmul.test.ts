/**
 * The wasm BatchMatMul fast path (src/engine/wasmKernels.ts): transposed and batched matmuls
 * rewritten into untransposed batch-1 XNNPACK products give the original kernel's values
 * (relative error <= 1e-5), stay one counted BatchMatMul with the same FLOPs, and leave no
 * buffer behind. Run on wasm in Node.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { planMatMul } from '../src/engine/wasmKernels';
import { FlopCounter, installKernelHooks } from '../src/engine/flops/counter';

type Case = { a: number[]; b: number[]; tA: boolean; tB: boolean };

// transposeA/B combinations, batch 1 / folded / per-batch / broadcast, odd sizes.
const CASES: Case[] = [];
for (const tA of [false, true])
  for (const tB of [false, true]) {
    const [m, k, n] = [37, 29, 23];
    const a = (batch: number[]) => [...batch, ...(tA ? [k, m] : [m, k])];
    const b = (batch: number[]) => [...batch, ...(tB ? [n, k] : [k, n])];
    CASES.push({ a: a([]), b: b([]), tA, tB }); // single
    CASES.push({ a: a([1]), b: b([1]), tA, tB }); // single, rank 3
    CASES.push({ a: a([5]), b: b([]), tA, tB }); // fold
    CASES.push({ a: a([2, 3]), b: b([1]), tA, tB }); // fold, rank 4
    CASES.push({ a: a([6]), b: b([6]), tA, tB }); // per batch
    CASES.push({ a: a([2, 3]), b: b([2, 3]), tA, tB }); // per batch, rank 4
    CASES.push({ a: a([]), b: b([4]), tA, tB }); // per batch, a broadcast
    CASES.push({ a: a([1, 3]), b: b([3]), tA, tB }); // per batch, broadcast ranks
  }
// Shapes of the lab's toy-B step (attention and linear backward) and degenerate ones.
CASES.push({ a: [96, 17, 17], b: [96, 17, 16], tA: true, tB: false });
CASES.push({ a: [96, 17, 16], b: [96, 17, 16], tA: false, tB: true });
CASES.push({ a: [544, 48], b: [544, 192], tA: true, tB: false });
CASES.push({ a: [544, 192], b: [48, 192], tA: false, tB: true });
CASES.push({ a: [32, 10], b: [48, 10], tA: false, tB: true });
CASES.push({ a: [3, 1, 7], b: [3, 7, 1], tA: false, tB: false }); // tiny per-batch: left to the scalar loop
CASES.push({ a: [4, 1], b: [1, 5], tA: true, tB: false }); // k = 1
CASES.push({ a: [2, 9, 4], b: [3, 4, 9], tA: false, tB: false }); // 2 vs 3 batches: the original's error

function random(shape: number[], seed: number): tf.Tensor {
  let s = seed;
  const n = shape.reduce((x, y) => x * y, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = s / 1073741824 - 1;
  }
  return tf.tensor(v, shape);
}

const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

async function run(c: Case): Promise<{ values?: Float32Array; shape?: number[]; error?: string }> {
  const a = random(c.a, 1 + c.a.length * 7 + c.a[0]);
  const b = random(c.b, 3 + c.b.length * 5 + c.b[0]);
  try {
    const out = tf.matMul(a, b, c.tA, c.tB);
    const values = (await out.data()) as Float32Array;
    const shape = out.shape;
    out.dispose();
    return { values, shape };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    tf.dispose([a, b]);
  }
}

const label = (c: Case) => `a=[${c.a}] b=[${c.b}] tA=${c.tA} tB=${c.tB}`;

describe('wasm BatchMatMul fast path', () => {
  const reference: Awaited<ReturnType<typeof run>>[] = [];

  beforeAll(async () => {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    tf.env().set('IS_TEST', true);
    await tf.setBackend('wasm');
    await tf.ready();
    // The original kernel's answers first; installing the hooks registers the fast path.
    for (const c of CASES) reference.push(await run(c));
    installKernelHooks('wasm');
  });

  it('plans the layouts it can serve and leaves the rest to the original kernel', () => {
    expect(planMatMul([5, 7], [7, 3], false, false)).toBeNull(); // already XNNPACK
    expect(planMatMul([7, 5], [7, 3], true, false)?.mode).toBe('single');
    expect(planMatMul([4, 5, 7], [7, 3], false, false)?.mode).toBe('fold');
    expect(planMatMul([4, 33, 16], [4, 16, 33], false, false)?.mode).toBe('perBatch');
    expect(planMatMul([4, 5, 7], [4, 7, 3], false, false)).toBeNull(); // too small to pay: the scalar loop
    expect(planMatMul([5, 7], [4, 7, 3], false, true)).toBeNull(); // inner 7 vs 3
    expect(planMatMul([2, 5, 7], [3, 7, 3], false, false)).toBeNull(); // not broadcastable
    expect(planMatMul([2, 1, 5, 7], [1, 3, 7, 3], false, false)).toBeNull(); // both sides broadcast
    expect(planMatMul([0, 5, 7], [7, 3], false, false)).toEqual(expect.objectContaining({ mode: 'fold', outShape: [0, 5, 3] }));
    expect(planMatMul([5, 0], [0, 3], false, false)).toBeNull();
  });

  it('matches the original kernel within 1e-5 relative error on every layout', async () => {
    for (const [i, c] of CASES.entries()) {
      const ref = reference[i];
      const got = await run(c);
      if (ref.error) {
        expect(got.error, label(c)).toBe(ref.error);
        continue;
      }
      expect(got.error, label(c)).toBeUndefined();
      expect(got.shape, label(c)).toEqual(ref.shape);
      let worst = 0;
      let scale = 0;
      for (let j = 0; j < ref.values!.length; j++) {
        worst = Math.max(worst, Math.abs(got.values![j] - ref.values![j]));
        scale = Math.max(scale, Math.abs(ref.values![j]));
      }
      expect(worst / Math.max(scale, 1e-30), label(c)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('is one counted BatchMatMul with the original FLOPs, and frees every intermediate', async () => {
    const a = random([6, 17, 16], 5);
    const b = random([6, 17, 16], 9);
    const w = random([29, 31], 11);
    const x = random([4, 37, 29], 13);
    const before = { tensors: tf.memory().numTensors, data: dataIds() };
    for (let rep = 0; rep < 3; rep++) {
      const counter = new FlopCounter();
      counter.begin('forward');
      const outs = [tf.matMul(a, b, false, true), tf.matMul(x, w), tf.matMul(w, w, true, false)];
      const counts = counter.end();
      expect(counts.calls).toEqual({ BatchMatMul: 3 });
      expect(counts.byKernel.BatchMatMul).toBe(2 * 6 * 17 * 17 * 16 + 2 * 4 * 37 * 29 * 31 + 2 * 31 * 29 * 31);
      await Promise.all(outs.map((o) => o.data()));
      tf.dispose(outs);
    }
    // Gradients run the transposed products (dx = dy W^T, dW = x^T dy).
    const x2 = random([37, 29], 17);
    const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q)))([x2, w]);
    await Promise.all(g.map((t) => t.data()));
    tf.dispose([...g, x2]);
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(dataIds()).toBe(before.data);
    tf.dispose([a, b, w, x]);
  });
});
