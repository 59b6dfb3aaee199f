/** The method heads (BatchNorm, MLP and DINO heads) and the EMA update, on the cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm, DinoHead, MlpHead } from '../src/models/heads';
import { ParamStore } from '../src/models/layers';
import { Rng } from '../src/engine/rng';
import { emaUpdate } from '../src/methods/ema';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

describe('emaUpdate', () => {
  it('moves each target variable to m * target + (1 - m) * online, and checks shapes', () => {
    const t = [tf.variable(tf.tensor1d([1, 2]), false), tf.variable(tf.scalar(4), false)];
    const o = [tf.variable(tf.tensor1d([3, 6])), tf.variable(tf.scalar(0))];
    const before = tf.memory().numTensors;
    emaUpdate(t, o, 0.75);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(t[0].dataSync())).toEqual([1.5, 3]);
    expect(t[1].dataSync()[0]).toBe(3);
    expect(() => emaUpdate(t, [o[1], o[0]], 0.5)).toThrow(/shapes differ/);
    expect(() => emaUpdate(t, o, 1.5)).toThrow(/momentum/);
    tf.dispose([...t, ...o]);
  });
});

describe('heads', () => {
  it('BatchNorm uses batch statistics: each output column has mean 0 and variance 1 at init', () => {
    const store = new ParamStore('t');
    const bn = new BatchNorm(store, 'bn', 3);
    const x = tf.tensor2d([1, 10, -3, 2, 20, 0, 4, 0, 5, 7, 30, 1], [4, 3]);
    const { mean, variance } = tf.moments(bn.apply(x), 0);
    Array.from(mean.dataSync()).forEach((m) => expect(m).toBeCloseTo(0, 5));
    Array.from(variance.dataSync()).forEach((v) => expect(v).toBeCloseTo(1, 3));
    tf.dispose([x, mean, variance]);
    store.dispose();
  });

  it('MlpHead drops the bias of a Linear followed by BatchNorm, and the offset of a last BatchNorm', () => {
    const store = new ParamStore('t');
    const head = new MlpHead(store, 'h', { dims: [8, 16, 4], batchNorm: true, batchNormLast: true, activation: 'relu' }, new Rng(0));
    expect([...store.params.keys()].map((k) => k.slice(2))).toEqual(['h.fc0.w', 'h.bn0.gamma', 'h.bn0.beta', 'h.fc1.w', 'h.bn1.gamma']);
    expect(head.outDim).toBe(4);
    store.dispose();
  });

  it('DinoHead: logits are cosines (|l| <= 1) and only the prototype directions matter', () => {
    const store = new ParamStore('t');
    const head = new DinoHead(store, 'h', { inDim: 8, hiddenDim: 16, bottleneckDim: 6, prototypes: 10 }, new Rng(0));
    const x = tf.tensor2d(
      Float32Array.from({ length: 5 * 8 }, (_, i) => Math.sin(i)),
      [5, 8],
    );
    const a = head.apply(x);
    expect(a.shape).toEqual([5, 10]);
    expect(Math.max(...Array.from(a.dataSync()).map(Math.abs))).toBeLessThanOrEqual(1 + 1e-6);
    tf.tidy(() => head.prototypes.assign(tf.mul(head.prototypes, tf.tensor1d(Array.from({ length: 10 }, (_, k) => k + 1)))));
    const b = head.apply(x);
    const diff = tf.max(tf.abs(tf.sub(a, b)));
    expect(diff.dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, a, b, diff]);
    store.dispose();
  });
});
