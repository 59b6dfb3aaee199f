import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scorePredictions, wilsonInterval, Z95 } from '../src/eval/interval';
import { embed, knnProbe } from '../src/eval/knn';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

/**
 * Reference values computed independently of the closed form: python3 solving
 * (k/n - p)^2 = z^2 p (1 - p) / n for p by bisection on each side of k/n
 * (z = NormalDist().inv_cdf(0.975)); 0/10 -> 0.2775 and 50/100 -> [0.4038, 0.5962]
 * are also the textbook values (Newcombe 1998; Brown, Cai & DasGupta 2001).
 */
const REFERENCE: [number, number, number, number][] = [
  [0, 10, 0, 0.2775327999],
  [10, 10, 0.7224672001, 1],
  [50, 100, 0.4038315304, 0.5961684696],
  [1, 10, 0.0178762131, 0.4041500268],
  [3, 8, 0.1368442858, 0.6942576054],
  [71, 500, 0.1141293604, 0.1753296673],
  [142, 1000, 0.1217340421, 0.165005917],
];

describe('Wilson score interval', () => {
  it('z is the 0.975 normal quantile', () => {
    expect(Z95).toBeCloseTo(1.959963984540054, 14);
  });

  it.each(REFERENCE)('%i of %i -> [%f, %f]', (k, n, lo, hi) => {
    const [a, b] = wilsonInterval(k, n);
    expect(a).toBeCloseTo(lo, 9);
    expect(b).toBeCloseTo(hi, 9);
  });

  it('is exact at the ends, symmetric under k -> n - k, and holds the point estimate', () => {
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(10, 10)[1]).toBe(1);
    // 0/n: the upper end is z^2 / (n + z^2) in closed form
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo((Z95 * Z95) / (10 + Z95 * Z95), 14);
    for (const [k, n] of [
      [3, 17],
      [250, 500],
      [1, 1000],
    ]) {
      const [lo, hi] = wilsonInterval(k, n);
      const [lo2, hi2] = wilsonInterval(n - k, n);
      expect(lo).toBeCloseTo(1 - hi2, 14);
      expect(hi).toBeCloseTo(1 - lo2, 14);
      expect(lo).toBeLessThan(k / n);
      expect(hi).toBeGreaterThan(k / n);
    }
    // more test images, a narrower interval
    const width = (n: number) => wilsonInterval(n / 2, n)[1] - wilsonInterval(n / 2, n)[0];
    expect(width(500)).toBeLessThan(width(128));
  });

  it('rejects impossible counts, naming them', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(/correct must be an integer in 0..10, got 11/);
    expect(() => wilsonInterval(1.5, 10)).toThrow(/correct/);
    expect(() => wilsonInterval(0, -1)).toThrow(/total/);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });

  it('scores predictions with counts and interval', () => {
    const s = scorePredictions(Int32Array.from([0, 1, 2, 2]), Int32Array.from([0, 1, 1, 2]));
    expect(s).toEqual({ accuracy: 0.75, correct: 3, total: 4, interval: wilsonInterval(3, 4) });
    expect(() => scorePredictions([0], [0, 1])).toThrow(/1 predictions for 2 labels/);
  });
});

describe('kNN probe', () => {
  it('returns counts and interval, and embeds in chunks without leaking', async () => {
    // "images" [N, 1, 1, 2] on two well separated directions: every neighbour votes right
    const n = 40;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
    const x = Float32Array.from({ length: n * 2 }, (_, j) => (j % 2 === labels[j >> 1] ? 1 : 0.05 * ((j * 7) % 5)));
    const set = { images: tf.tensor4d(x, [n, 1, 1, 2]), labels };
    const identity = (images: tf.Tensor4D) => images.reshape([images.shape[0], 2]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const score = await knnProbe(identity, set, set, 5, 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(score).toEqual({ accuracy: 1, correct: n, total: n, interval: wilsonInterval(n, n) });
    // chunks of 7 (the last one short) give the same features as one chunk
    const whole = embed(identity, set.images, 64);
    const chunked = embed(identity, set.images, 7);
    expect(chunked.shape).toEqual([n, 2]);
    expect(Array.from(await chunked.data())).toEqual(Array.from(await whole.data()));
    tf.dispose([whole, chunked, set.images]);
  });
});
