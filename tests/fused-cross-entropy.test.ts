/** The fused softmax cross-entropy against the composed reference, on WebGPU (Dawn + SwiftShader) and on wasm (src/engine/fused/wasm/crossEntropy.ts). */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fusedSoftmaxCrossEntropy } from '../src/engine/fused/webgpu/crossEntropy';
import { softmaxCrossEntropy } from '../src/methods/classification';
import { clipLoss } from '../src/methods/clip/loss';
import { dinoLoss } from '../src/methods/dino/loss';
import { ntXentLoss } from '../src/methods/simclr/loss';
import { MODEL_KERNEL_BACKENDS, onBackend, relError, runOp, seeded } from './fusedHarness';

/** The composed definition: scale * sum_b -sum_k t log_softmax(inScale x), x read transposed if asked. */
function reference(logits: tf.Tensor, targets: tf.Tensor, scale: number, inScale: number, transpose: boolean): tf.Tensor {
  const x = transpose ? tf.transpose(logits) : logits;
  return tf.mul(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(tf.mul(x, inScale), -1)))), scale);
}

/** Soft target rows: positive, each summing to `mass` (DINO's summed teacher targets have mass = #views). */
function softTargets(b: number, k: number, seed: number, mass = 1): tf.Tensor2D {
  return tf.tidy(() => {
    const raw = tf.exp(tf.mul(seeded([b, k], seed), 3));
    return tf.mul(tf.div(raw, tf.sum(raw, -1, true)), mass) as tf.Tensor2D;
  });
}

function oneHot(b: number, k: number, shift: number): tf.Tensor2D {
  const v = new Float32Array(b * k);
  for (let i = 0; i < b; i++) v[i * k + ((i * 7 + shift) % k)] = 1;
  return tf.tensor2d(v, [b, k]);
}

describe.each(MODEL_KERNEL_BACKENDS)('fused softmax cross-entropy on $backend', (backend) => {
  beforeAll(() => onBackend(backend));

  // [B, K]: batch 1, a single class, odd sizes, more rows than the forward's 256 invocations,
  // and rows longer than the backward's 64-wide workgroup.
  const cases: { shape: [number, number]; scale?: number; inScale?: number; transpose?: boolean; mass?: number; hard?: boolean }[] = [
    { shape: [1, 7] },
    { shape: [1, 1] },
    { shape: [5, 13], scale: 1 / 5 },
    { shape: [64, 10], scale: 1 / 64, hard: true },
    { shape: [300, 37], scale: 1 / 300 },
    { shape: [3, 1000], scale: 0.25, inScale: 1 / 0.1, mass: 2 },
    { shape: [17, 17], scale: 0.5, transpose: true, hard: true },
    { shape: [9, 70], scale: 1, inScale: 2.5, transpose: true },
  ];
  for (const c of cases) {
    const [b, k] = c.shape;
    const scale = c.scale ?? 1;
    const inScale = c.inScale ?? 1;
    const transpose = c.transpose ?? false;
    const label = `${b}x${k} scale ${scale} inScale ${inScale}${transpose ? ' transposed' : ''}${c.hard ? ' one-hot' : ''}`;
    it(`matches the composed ops, value and both gradients, at ${label}`, async () => {
      const logits = seeded(transpose ? [k, b] : [b, k], 21 + b, 4);
      const targets = c.hard ? oneHot(b, k, 3) : softTargets(b, k, 22 + k, c.mass ?? 1);
      const dy = tf.scalar(1.7);
      const opts = { scale, inScale, transpose };
      const fused = await runOp((x, t) => fusedSoftmaxCrossEntropy(x as tf.Tensor2D, t as tf.Tensor2D, opts), [logits, targets], dy, true);
      const composed = await runOp((x, t) => reference(x, t, scale, inScale, transpose), [logits, targets], dy, false);
      expect(fused.value.length).toBe(1);
      if (k === 1) {
        // log_softmax of one class is 0: the loss and the logits' gradient are exactly 0.
        expect(fused.value[0]).toBe(0);
        expect(Array.from(fused.grads[0])).toEqual([0]);
      } else {
        expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
        expect(relError(fused.grads[0], composed.grads[0])).toBeLessThan(1e-4);
      }
      expect(relError(fused.grads[1], composed.grads[1])).toBeLessThan(1e-4);
      expect(fused.counts.calls.FlopLabSoftmaxCrossEntropy).toBe(1);
      expect(fused.counts.calls.FlopLabSoftmaxCrossEntropyGradLogits).toBe(1);
      expect(fused.counts.calls.FlopLabSoftmaxCrossEntropyGradTargets).toBe(1);
      tf.dispose([logits, targets, dy]);
    });
  }

  it('runs no targets-gradient kernel when the targets are constants', async () => {
    const logits = seeded([6, 11], 5, 2);
    const targets = softTargets(6, 11, 6);
    const dy = tf.scalar(1);
    const fused = await runOp((x) => fusedSoftmaxCrossEntropy(x as tf.Tensor2D, targets, { scale: 1 / 6 }), [logits], dy, true);
    expect(fused.counts.calls.FlopLabSoftmaxCrossEntropyGradTargets).toBeUndefined();
    // Forward + dlogits only (the Identity calls are tf.valueAndGrads' own).
    const { Identity: _, ...kernels } = fused.counts.calls;
    expect(kernels).toEqual({ FlopLabSoftmaxCrossEntropy: 1, FlopLabSoftmaxCrossEntropyGradLogits: 1 });
    tf.dispose([logits, targets, dy]);
  });

  it('keeps masked logits (-1e9, NT-Xent) at exactly zero weight', async () => {
    const n = 12;
    const mask = new Float32Array(n * n);
    for (let i = 0; i < n; i++) mask[i * n + i] = 1e9;
    const logits = tf.sub(seeded([n, n], 9, 3), tf.tensor2d(mask, [n, n]));
    const targets = oneHot(n, n, 1);
    const dy = tf.scalar(1);
    const fused = await runOp((x) => fusedSoftmaxCrossEntropy(x as tf.Tensor2D, targets, { scale: 1 / n }), [logits], dy, true);
    const composed = await runOp((x) => reference(x, targets, 1 / n, 1, false), [logits], dy, false);
    expect(Number.isFinite(fused.value[0])).toBe(true);
    expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
    expect(relError(fused.grads[0], composed.grads[0])).toBeLessThan(1e-4);
    for (let i = 0; i < n; i++) expect(fused.grads[0][i * n + i] + 0).toBe(0);
    tf.dispose([logits, targets, dy]);
  });

  it('counts what its kernels compute, near the composed count, and leaks no tensor', async () => {
    const [b, k] = [128, 100];
    const n = b * k;
    const logits = seeded([b, k], 31, 3);
    const targets = softTargets(b, k, 32);
    const dy = tf.scalar(1);
    const before = tf.memory().numTensors;
    const fused = await runOp((x) => softmaxCrossEntropy(x as tf.Tensor2D, targets), [logits], dy, true);
    const composed = await runOp((x) => softmaxCrossEntropy(x as tf.Tensor2D, targets), [logits], dy, false);
    expect(tf.memory().numTensors).toBe(before);
    expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
    expect(relError(fused.grads[0], composed.grads[0])).toBeLessThan(1e-4);
    expect(fused.counts.byKernel.FlopLabSoftmaxCrossEntropy).toBe(7 * n + 4 * b + 1);
    expect(fused.counts.byKernel.FlopLabSoftmaxCrossEntropyGradLogits).toBe(11 * n + 2 * b);
    expect(fused.counts.total).toBe(18 * n + 6 * b + 1);
    // The composed log_softmax path counts 7 n + 2 B + 1 forward and ~6 n backward: the fused
    // kernels recompute the row statistics backward, ~5 n more (documented in crossEntropy.ts).
    const ratio = fused.counts.total / composed.counts.total;
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.5);
    tf.dispose([logits, targets, dy]);
  });
});

describe.each(MODEL_KERNEL_BACKENDS)('the losses on the fused cross-entropy ($backend) match their composed path', (backend) => {
  let one: tf.Scalar;
  beforeAll(async () => {
    await onBackend(backend);
    one = tf.scalar(1);
  });
  afterAll(() => one.dispose());

  it('softmaxCrossEntropy, batch 1 and a batch', async () => {
    for (const [b, k] of [
      [1, 10],
      [33, 10],
    ]) {
      const logits = seeded([b, k], 41 + b, 3);
      const targets = softTargets(b, k, 142); // not the logits' seed: that target is the optimum (gradient 0)
      const fused = await runOp((x) => softmaxCrossEntropy(x as tf.Tensor2D, targets), [logits], one, true);
      const composed = await runOp((x) => softmaxCrossEntropy(x as tf.Tensor2D, targets), [logits], one, false);
      expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
      expect(relError(fused.grads[0], composed.grads[0])).toBeLessThan(1e-4);
      expect(fused.counts.calls.LogSoftmax ?? 0).toBe(0);
      tf.dispose([logits, targets]);
    }
  });

  it('dinoLoss: 2 global + 2 local views, gradients to the student and (were it trainable) the teacher', async () => {
    const [b, k] = [6, 64];
    const views = [0, 1, 2, 3].map((i) => seeded([b, k], 50 + i, 2));
    const teacher = [seeded([b, k], 60, 2), seeded([b, k], 61, 2)];
    const center = seeded([1, k], 62, 0.5);
    const f = (...xs: tf.Tensor[]) => dinoLoss(xs.slice(0, 4) as tf.Tensor2D[], xs.slice(4) as tf.Tensor2D[], center as tf.Tensor2D, 0.1, 0.04);
    const fused = await runOp(f, [...views, ...teacher], one, true);
    const composed = await runOp(f, [...views, ...teacher], one, false);
    expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
    fused.grads.forEach((g, i) => expect(relError(g, composed.grads[i])).toBeLessThan(1e-4));
    expect(fused.counts.calls.FlopLabSoftmaxCrossEntropy).toBe(4);
    tf.dispose([...views, ...teacher, center]);
  });

  it('clipLoss: image, text and the log scale', async () => {
    const [n, d] = [9, 16];
    const image = seeded([n, d], 70);
    const text = seeded([n, d], 71);
    const scale = tf.scalar(Math.log(1 / 0.07));
    const f = (i: tf.Tensor, t: tf.Tensor, s: tf.Tensor) => clipLoss(i as tf.Tensor2D, t as tf.Tensor2D, s as tf.Scalar);
    const fused = await runOp(f, [image, text, scale], one, true);
    const composed = await runOp(f, [image, text, scale], one, false);
    expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
    fused.grads.forEach((g, i) => expect(relError(g, composed.grads[i])).toBeLessThan(1e-4));
    expect(fused.counts.calls.Transpose ?? 0).toBeLessThan(composed.counts.calls.Transpose ?? 0);
    tf.dispose([image, text, scale]);
  });

  it('ntXentLoss: both views', async () => {
    const [n, d] = [7, 12];
    const z1 = seeded([n, d], 80);
    const z2 = seeded([n, d], 81);
    const f = (a: tf.Tensor, c: tf.Tensor) => ntXentLoss(a as tf.Tensor2D, c as tf.Tensor2D, 0.5);
    const fused = await runOp(f, [z1, z2], one, true);
    const composed = await runOp(f, [z1, z2], one, false);
    expect(relError(fused.value, composed.value)).toBeLessThan(1e-4);
    fused.grads.forEach((g, i) => expect(relError(g, composed.grads[i])).toBeLessThan(1e-4));
    tf.dispose([z1, z2]);
  });
});
