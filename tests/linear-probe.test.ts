import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng';
import { linearProbe } from '../src/eval/linearProbe';
import { regressionGrads } from '../src/eval/softmaxRegression';
import { wilsonInterval } from '../src/eval/interval';
import type { ProbeSet } from '../src/eval/knn';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const CLASSES = 4;
const DIM = 12;

/**
 * "Images" [N, 1, 1, DIM] whose identity feature function returns the vector:
 * class c has a +3 offset in dimension c plus unit Gaussian noise in all, so the
 * classes are linearly separable after L2 normalisation (with overwhelming probability).
 */
function set(n: number, seed: number, randomLabels = false): ProbeSet {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => i % CLASSES);
  const x = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) for (let d = 0; d < DIM; d++) x[i * DIM + d] = 0.3 * rng.normal() + (d === labels[i] ? 3 : 0);
  if (randomLabels) for (let i = 0; i < n; i++) labels[i] = rng.int(CLASSES);
  return { images: tf.tensor4d(x, [n, 1, 1, DIM]), labels };
}

const identity = (images: tf.Tensor4D) => images.reshape([images.shape[0], DIM]) as tf.Tensor2D;

describe('linear probe', () => {
  it('reaches 100% on linearly separable features and leaks no tensors', async () => {
    const train = set(64, 1);
    const test = set(32, 2);
    const before = tf.memory().numTensors;
    const score = await linearProbe(identity, train, test, CLASSES);
    expect(tf.memory().numTensors).toBe(before);
    expect(score).toEqual({ accuracy: 1, correct: 32, total: 32, interval: wilsonInterval(32, 32) });
    expect(score.interval[1]).toBe(1);
    tf.dispose([train.images, test.images]);
  });

  it('is near chance when the labels carry no information', async () => {
    // Features of 4 clusters, labels drawn at random: a probe can only memorise the train set.
    const train = set(200, 3, true);
    const test = set(400, 4, true);
    const { accuracy: acc, correct, total, interval } = await linearProbe(identity, train, test, CLASSES);
    expect(total).toBe(400);
    expect(acc).toBe(correct / total);
    expect(interval[0]).toBeLessThan(acc);
    expect(interval[1]).toBeGreaterThan(acc);
    // chance 0.25; with 400 test images the standard error is about 0.022
    expect(acc).toBeGreaterThan(0.15);
    expect(acc).toBeLessThan(0.35);
    tf.dispose([train.images, test.images]);
  });

  it('is deterministic and rejects bad labels and options, naming them', async () => {
    const train = set(32, 5);
    const test = set(16, 6);
    const a = await linearProbe(identity, train, test, CLASSES, { steps: 5 });
    expect(await linearProbe(identity, train, test, CLASSES, { steps: 5 })).toEqual(a);
    const bad = { images: test.images, labels: Int32Array.from(test.labels, (l) => (l === 0 ? 9 : l)) };
    await expect(linearProbe(identity, train, bad, CLASSES)).rejects.toThrow(/test.labels\[0\] = 9/);
    await expect(linearProbe(identity, train, test, CLASSES, { steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
    tf.dispose([train.images, test.images]);
  });

  it('steps with the written-out gradient of the softmax regression loss: equal to the taped one, ignored rows included', () => {
    const rng = new Rng(7);
    const [n, d, k, count] = [13, 5, 4, 11];
    const x = tf.tensor2d(
      Array.from({ length: n * d }, () => rng.normal()),
      [n, d],
    );
    // Rows 3 and 8 are ignored (zero targets); the others are one-hot.
    const t = Array.from({ length: n * k }, (_, i) => (Math.floor(i / k) % 5 === 3 ? 0 : i % k === Math.floor(i / k) % k ? 1 : 0));
    const targets = tf.tensor2d(t, [n, k]);
    const w = tf.variable(
      tf.tensor2d(
        Array.from({ length: d * k }, () => 0.5 * rng.normal()),
        [d, k],
      ),
    );
    const b = tf.variable(tf.tensor1d(Array.from({ length: k }, () => 0.5 * rng.normal())));
    const taped = tf.variableGrads(() => tf.div(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(tf.add(tf.matMul(x, w), b))))), count) as tf.Scalar, [w, b]);
    const xT = tf.transpose(x) as tf.Tensor2D;
    const rowMass = tf.sum(targets, 1, true) as tf.Tensor2D;
    const [dw, db] = regressionGrads(x, xT, targets, rowMass, count, w, b);
    const close = (a: tf.Tensor, e: tf.Tensor) => Array.from(a.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(e.dataSync()[i], 6));
    close(dw, taped.grads[w.name]);
    close(db, taped.grads[b.name]);
    expect(Math.max(...Array.from(dw.dataSync()).map(Math.abs))).toBeGreaterThan(0.01);
    tf.dispose([x, targets, w, b, taped.value, ...Object.values(taped.grads), xT, rowMass, dw, db]);
  });
});
