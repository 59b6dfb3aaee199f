/** Classification, NT-Xent (SimCLR) and BYOL losses against float64 torch references (tests/lossHarness.ts), with gradients and leak checks. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { smoothedMultiLabelTargets, softmaxCrossEntropy } from '../src/methods/classification';
import { ntXentLoss } from '../src/methods/simclr/loss';
import { byolLoss } from '../src/methods/byol/loss';
import { ref, expectClose, expectGradClose, scalarNoLeak, gradsOf, relErr, REL_TOL, lossSuite } from './lossHarness';

lossSuite();

describe('classification (paper A.3)', () => {
  it('builds the averaged, smoothed multi-label targets', () => {
    for (const c of ref.classification) {
      const y = smoothedMultiLabelTargets(c.labels, c.numClasses, c.smoothing);
      const flat = c.targets.flat();
      expect(y.length).toBe(flat.length);
      flat.forEach((v, i) => expect(Math.abs(y[i] - v)).toBeLessThan(1e-7));
    }
    // a duplicated label counts twice: [2, 2, 5] -> 2/3 and 1/3 before smoothing
    const y = smoothedMultiLabelTargets([[2, 2, 5]], 6, 0);
    expect(y[2]).toBeCloseTo(2 / 3, 6);
    expect(y[5]).toBeCloseTo(1 / 3, 6);
    expect(() => smoothedMultiLabelTargets([[]], 4, 0.1)).toThrow();
    expect(() => smoothedMultiLabelTargets([[4]], 4, 0.1)).toThrow();
  });

  it('matches torch softmax cross-entropy', () => {
    for (const c of ref.classification) {
      const logits = tf.tensor2d(c.logits);
      const targets = tf.tensor2d(smoothedMultiLabelTargets(c.labels, c.numClasses, c.smoothing), [c.labels.length, c.numClasses]);
      expectClose(
        'classification',
        scalarNoLeak(() => softmaxCrossEntropy(logits, targets)),
        c.loss,
      );
      tf.dispose([logits, targets]);
    }
  });

  it('equals log K for uniform logits', () => {
    const k = 10;
    const logits = tf.zeros([3, k]) as tf.Tensor2D;
    const targets = tf.tensor2d(smoothedMultiLabelTargets([[1], [2, 3], [4, 5, 9]], k, 0.1), [3, k]);
    expect(scalarNoLeak(() => softmaxCrossEntropy(logits, targets))).toBeCloseTo(Math.log(k), 5);
    tf.dispose([logits, targets]);
  });

  it('gives finite gradients of the logits shape', () => {
    const c = ref.classification.find((x) => x.gradLogits)!;
    const logits = tf.variable(tf.tensor2d(c.logits));
    const targets = tf.tensor2d(c.targets);
    const r = gradsOf(() => softmaxCrossEntropy(logits, targets), [logits]);
    expectGradClose('classification', r.grads[0], c.gradLogits!);
    r.dispose();
    tf.dispose([logits, targets]);
  });
});

describe('NT-Xent (SimCLR)', () => {
  it('matches the torch reference (mean over 2N = official SimCLR / 2)', () => {
    for (const c of ref.ntxent) {
      const z1 = tf.tensor2d(c.z1);
      const z2 = tf.tensor2d(c.z2);
      const v = scalarNoLeak(() => ntXentLoss(z1, z2, c.temperature));
      expectClose('ntxent', v, c.loss);
      expect(relErr(2 * v, c.official)).toBeLessThan(REL_TOL);
      tf.dispose([z1, z2]);
    }
  });

  it('equals log(1 + (2N-2) e^{-1/t}) for identical orthogonal embeddings', () => {
    const n = 4;
    for (const t of [0.1, 0.5, 1]) {
      const e = tf.mul(tf.eye(n), 3) as tf.Tensor2D; // norm is irrelevant
      const v = scalarNoLeak(() => ntXentLoss(e, e, t));
      const closed = Math.log(1 + (2 * n - 2) * Math.exp(-1 / t));
      expect(Math.abs(v - closed)).toBeLessThan(1e-6 + 1e-5 * closed); // float32 log-softmax near 0
      e.dispose();
    }
  });

  it('gives finite gradients for both views', () => {
    const c = ref.ntxent.find((x) => x.gradZ1)!;
    const z1 = tf.variable(tf.tensor2d(c.z1));
    const z2 = tf.variable(tf.tensor2d(c.z2));
    const r = gradsOf(() => ntXentLoss(z1, z2, c.temperature), [z1, z2]);
    expectGradClose('ntxent', r.grads[0], c.gradZ1!);
    expectGradClose('ntxent', r.grads[1], c.gradZ2!);
    r.dispose();
    tf.dispose([z1, z2]);
  });
});

describe('BYOL', () => {
  it('matches the torch reference (0.5 x official deepmind sum)', () => {
    for (const c of ref.byol) {
      const [p1, z2, p2, z1] = [c.p1, c.z2, c.p2, c.z1].map((m) => tf.tensor2d(m));
      const v = scalarNoLeak(() => byolLoss(p1, z2, p2, z1));
      expectClose('byol', v, c.loss);
      expect(relErr(2 * v, c.official)).toBeLessThan(REL_TOL);
      tf.dispose([p1, z2, p2, z1]);
    }
  });

  it('is 0 for aligned and 4 for opposite predictions', () => {
    const z = tf.tensor2d([
      [1, 2, 3],
      [-1, 0, 2],
    ]);
    const zs = tf.mul(z, 2.5) as tf.Tensor2D;
    const zn = tf.neg(z) as tf.Tensor2D;
    expect(scalarNoLeak(() => byolLoss(zs, z, zs, z))).toBeCloseTo(0, 6);
    expect(scalarNoLeak(() => byolLoss(zn, z, zn, z))).toBeCloseTo(4, 5);
    tf.dispose([z, zs, zn]);
  });

  it('gives finite gradients w.r.t. both predictions', () => {
    const c = ref.byol.find((x) => x.gradP1)!;
    const p1 = tf.variable(tf.tensor2d(c.p1));
    const p2 = tf.variable(tf.tensor2d(c.p2));
    const z1 = tf.tensor2d(c.z1);
    const z2 = tf.tensor2d(c.z2);
    const r = gradsOf(() => byolLoss(p1, z2, p2, z1), [p1, p2]);
    expectGradClose('byol', r.grads[0], c.gradP1!);
    expectGradClose('byol', r.grads[1], c.gradP2!);
    r.dispose();
    tf.dispose([p1, p2, z1, z2]);
  });
});
