/**
 * Collapse detection (issue 18): the monitors BYOL, DINO and MAE report, checked on hand-made
 * outputs with known answers, and each method's rule (src/methods/catalog.ts) at its
 * thresholds, through collapseAt (src/train/collapse.ts), which the runner, the page and
 * the signal report share.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { outputSpread } from '../src/methods/byol/method';
import { defaultOptions } from '../src/methods/catalog';
import { teacherEntropy, teacherMarginalEntropy } from '../src/methods/dino/loss';
import { maeLoss, patchify } from '../src/methods/mae/loss';
import { collapseAt } from '../src/train/collapse';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const value = (t: tf.Scalar) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

describe('BYOL output spread', () => {
  it('is 0 when every image maps to one vector, whatever its length', () => {
    const z = tf.tensor2d([
      [1, 2, 3, 4],
      [2, 4, 6, 8],
      [0.5, 1, 1.5, 2],
    ]);
    expect(value(outputSpread(z))).toBeCloseTo(0, 6);
    z.dispose();
  });

  it('is exactly sqrt(P) * mean std for +-1 one-hot rows: 4 images on the axes of 2 dims', () => {
    // Rows (1,0), (-1,0), (0,1), (0,-1): each column has values {1,-1,0,0}, variance 1/2.
    const z = tf.tensor2d([
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ]);
    expect(value(outputSpread(z))).toBeCloseTo(Math.sqrt(0.5) * Math.sqrt(2), 6);
    z.dispose();
  });
});

describe('DINO teacher entropies', () => {
  const K = 8;
  const zero = () => tf.zeros([1, K]) as tf.Tensor2D;

  it('uniform targets: per-image and marginal entropy are both ln K', () => {
    const t = tf.zeros([4, K]) as tf.Tensor2D;
    const c = zero();
    expect(value(teacherEntropy([t], c, 0.04))).toBeCloseTo(Math.log(K), 5);
    expect(value(teacherMarginalEntropy([t], c, 0.04))).toBeCloseTo(Math.log(K), 5);
    tf.dispose([t, c]);
  });

  it('every image one-hot on the same prototype: both near 0; on 4 different prototypes: marginal ln 4', () => {
    const same = tf.tensor2d(Array.from({ length: 4 }, () => Array.from({ length: K }, (_, k) => (k === 2 ? 1 : 0))));
    const spread = tf.tensor2d(Array.from({ length: 4 }, (_, i) => Array.from({ length: K }, (_, k) => (k === i ? 1 : 0))));
    const c = zero();
    expect(value(teacherEntropy([same], c, 0.01))).toBeLessThan(1e-3);
    expect(value(teacherMarginalEntropy([same], c, 0.01))).toBeLessThan(1e-3);
    expect(value(teacherEntropy([spread], c, 0.01))).toBeLessThan(1e-3);
    expect(value(teacherMarginalEntropy([spread], c, 0.01))).toBeCloseTo(Math.log(4), 3);
    tf.dispose([same, spread, c]);
  });
});

describe('MAE trivial loss', () => {
  it('predicting zeros under normPixLoss scores ((n-1)/n) v/(v+1e-6) per patch: 0 for flat patches', () => {
    // One 2x2 image of one patch (p = 2): values 0, 1, 2, 3 in every channel; and a flat image.
    const ramp = tf.tensor4d(
      Array.from({ length: 12 }, (_, i) => Math.floor(i / 3)),
      [1, 2, 2, 3],
    );
    const flat = tf.fill([1, 2, 2, 3], 0.7) as tf.Tensor4D;
    const mask = tf.ones([1, 1]) as tf.Tensor2D;
    const trivial = (x: tf.Tensor4D) => {
      const target = patchify(x, 2);
      const loss = value(maeLoss(tf.zerosLike(target) as tf.Tensor3D, target, mask, true));
      target.dispose();
      return loss;
    };
    // 12 values: 0,0,0,1,1,1,2,2,2,3,3,3: mean 1.5, sum of squares 15, unbiased variance 15/11.
    const v = 15 / 11;
    expect(trivial(ramp)).toBeCloseTo((11 / 12) * (v / (v + 1e-6)), 5);
    expect(trivial(flat)).toBeCloseTo(0, 6);
    tf.dispose([ramp, flat, mask]);
  });
});

describe('collapse rules', () => {
  const dino = defaultOptions('dino');
  const lnK = Math.log(dino.prototypes);

  it('DINO: near-uniform targets and a single prototype in use are flagged; healthy monitors are not', () => {
    const at = (teacherEntropy: number, teacherMarginalEntropy: number) =>
      collapseAt('dino', dino, { loss: 3, monitors: { teacherEntropy, teacherMarginalEntropy } });
    expect(at(0.91 * lnK, lnK)).toMatch(/nearly uniform/);
    expect(at(0.89 * lnK, lnK)).toBeNull();
    expect(at(0.5, Math.log(1.9))).toMatch(/1\.9 of 256 prototypes/);
    expect(at(0.5, Math.log(2.1))).toBeNull();
  });

  it('BYOL: a spread under 0.1 is flagged', () => {
    expect(collapseAt('byol', defaultOptions('byol'), { loss: 0.5, monitors: { outputSpread: 0.09 } })).toMatch(/spread of 0\.090/);
    expect(collapseAt('byol', defaultOptions('byol'), { loss: 0.5, monitors: { outputSpread: 0.11 } })).toBeNull();
  });

  it('MAE: a loss within 2 % of predicting nothing is flagged', () => {
    expect(collapseAt('mae', defaultOptions('mae'), { loss: 0.59, monitors: { trivialLoss: 0.6 } })).toMatch(/trivial value 0\.600/);
    expect(collapseAt('mae', defaultOptions('mae'), { loss: 0.58, monitors: { trivialLoss: 0.6 } })).toBeNull();
  });

  it('no monitors, or a method without a rule: no verdict', () => {
    expect(collapseAt('dino', dino, { loss: 9 })).toBeNull();
    expect(collapseAt('supervised', defaultOptions('supervised'), { loss: 9, monitors: { x: 0 } })).toBeNull();
  });
});
