/** The fused attention kernels against the composed reference, on WebGPU (Dawn + SwiftShader) and on wasm (the SIMD kernels, src/engine/fused/wasm/attention.ts). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedAttention } from '../src/engine/fused/webgpu/attention';
import { Rng } from '../src/engine/rng';
import { ParamStore } from '../src/models/layers';
import { causalMask } from '../src/models/textEncoder';
import { Block } from '../src/models/vit';
import { MODEL_KERNEL_BACKENDS, onBackend, relError, runOp, seeded } from './fusedHarness';
import { setSoftwareAdapterKernels } from '../src/engine/fused/webgpu/softwareAdapter';

interface Case {
  b: number;
  t: number;
  d: number;
  h: number;
}

/** Block.apply's composed attention core on [B*T, D] q, k, v (the reference). */
function composed(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, { b, t, d, h }: Case, mask?: tf.Tensor2D): tf.Tensor {
  const dh = d / h;
  const split = (y: tf.Tensor) =>
    y
      .reshape([b, t, h, dh])
      .transpose([0, 2, 1, 3])
      .reshape([b * h, t, dh]) as tf.Tensor3D;
  const scaled = tf.mul(tf.matMul(split(q), split(k), false, true), 1 / Math.sqrt(dh));
  const attn = tf.softmax(mask ? tf.add(scaled, mask) : scaled);
  return tf
    .matMul(attn, split(v))
    .reshape([b, h, t, dh])
    .transpose([0, 2, 1, 3])
    .reshape([b * t, d]);
}

const ATTENTION_KERNELS = [
  'FlopLabAttentionProbs',
  'FlopLabAttentionContext',
  'FlopLabAttentionGradProbs',
  'FlopLabAttentionGradV',
  'FlopLabAttentionGradScores',
  'FlopLabAttentionGradQ',
  'FlopLabAttentionGradK',
];

// WebGPU twice: with the software adapter's kernels (what Node's SwiftShader and a browser's take) and without (a hardware adapter's).
const VARIANTS = [
  ...MODEL_KERNEL_BACKENDS.map((b) => ({ ...b, software: true, variant: '' })),
  ...MODEL_KERNEL_BACKENDS.filter((b) => b.backend === 'webgpu').map((b) => ({ ...b, software: false, variant: ", a hardware adapter's kernels" })),
];

describe.each(VARIANTS)('fused attention on $backend$variant', (backend) => {
  beforeAll(async () => {
    await onBackend(backend);
    setSoftwareAdapterKernels(backend.software);
  });

  // dh 16, 3 (D=9, 3 heads), 8 and 64; odd T; batch 1.
  const cases: Case[] = [
    { b: 2, t: 5, d: 48, h: 3 },
    { b: 1, t: 17, d: 9, h: 3 },
    { b: 2, t: 65, d: 16, h: 2 },
    { b: 1, t: 5, d: 64, h: 1 },
  ];
  for (const c of cases) {
    for (const causal of [false, true]) {
      it(`matches the composed ops, values, gradients and FLOPs, at B=${c.b} T=${c.t} D=${c.d} H=${c.h}${causal ? ' causal' : ''}`, async () => {
        const shape = [c.b * c.t, c.d];
        const [q, k, v] = [1, 2, 3].map((s) => seeded(shape, s, 2));
        const dy = seeded(shape, 4);
        const mask = causal ? tf.tensor2d(causalMask(c.t), [c.t, c.t]) : undefined;
        const before = tf.memory().numTensors;
        const fused = await runOp(
          (qi, ki, vi) => fusedAttention(qi as tf.Tensor2D, ki as tf.Tensor2D, vi as tf.Tensor2D, { batch: c.b, tokens: c.t, heads: c.h, causal }),
          [q, k, v],
          dy,
          true,
        );
        const reference = await runOp((qi, ki, vi) => composed(qi, ki, vi, c, mask), [q, k, v], dy, false);
        expect(tf.memory().numTensors).toBe(before);
        expect(relError(fused.value, reference.value)).toBeLessThan(1e-4);
        fused.grads.forEach((g, i) => expect(relError(g, reference.grads[i]), `grad ${'qkv'[i]}`).toBeLessThan(1e-4));
        // Seven kernels in all, once each (plus the engine's Identity clones of saved tensors,
        // no dispatch on WebGPU, a shared buffer on wasm); the FLOPs equal the composed path's.
        for (const name of ATTENTION_KERNELS) expect(fused.counts.calls[name], name).toBe(1);
        const others = Object.keys(fused.counts.calls).filter((n) => !ATTENTION_KERNELS.includes(n) && n !== 'Identity');
        expect(others).toEqual([]);
        expect(fused.counts.total).toBe(reference.counts.total);
        tf.dispose([q, k, v, dy]);
        mask?.dispose();
      });
    }
  }

  for (const causal of [false, true]) {
    it(`Block.apply takes the fused path with the same values, gradients and FLOPs${causal ? ' (causal mask)' : ''}`, async () => {
      const [b, t, d, h] = [2, 17, 24, 3];
      const store = new ParamStore(`attnblock${causal}`);
      const block = new Block(store, 'blk', d, h, 32, new Rng(5));
      const mask = causal ? tf.keep(tf.tensor2d(causalMask(t), [t, t])) : undefined;
      const x = seeded([b, t, d], 6);
      const dy = seeded([b, t, d], 7);
      const before = tf.memory().numTensors;
      const viaBlock = (xi: tf.Tensor) => block.apply(xi as tf.Tensor3D, mask, causal);
      const fused = await runOp(viaBlock, [x], dy, true);
      const reference = await runOp(viaBlock, [x], dy, false);
      expect(tf.memory().numTensors).toBe(before);
      expect(relError(fused.value, reference.value)).toBeLessThan(1e-4);
      expect(relError(fused.grads[0], reference.grads[0])).toBeLessThan(1e-4);
      expect(fused.counts.calls.FlopLabAttentionProbs).toBe(1);
      expect(fused.counts.calls.Softmax).toBeUndefined();
      expect(reference.counts.calls.FlopLabAttentionProbs).toBeUndefined();
      // LayerNorm's fused kernels count a few FLOPs per row more than the composed ones; attention adds none.
      expect(Math.abs(fused.counts.total / reference.counts.total - 1)).toBeLessThan(0.01);
      tf.dispose([x, dy]);
      mask?.dispose();
      store.dispose();
    });
  }

  it('keeps the composed path for a mask not declared causal', async () => {
    const [b, t, d, h] = [1, 5, 8, 2];
    const store = new ParamStore('attnmask');
    const block = new Block(store, 'blk', d, h, 16, new Rng(3));
    const mask = tf.tensor2d(causalMask(t), [t, t]);
    const x = seeded([b, t, d], 8);
    const run = await runOp((xi) => block.apply(xi as tf.Tensor3D, mask), [x], seeded([b, t, d], 9), true);
    expect(run.counts.calls.FlopLabAttentionProbs).toBeUndefined();
    expect(run.counts.calls.Softmax).toBe(1);
    tf.dispose([x, mask]);
    store.dispose();
  });
});
