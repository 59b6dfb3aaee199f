/** DINO, CLIP and MAE losses against float64 torch references (tests/lossHarness.ts), with gradients and leak checks. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { dinoCenter, dinoLoss, teacherEntropy } from '../src/methods/dino/loss';
import { clipLoss } from '../src/methods/clip/loss';
import { maeLoss, patchify } from '../src/methods/mae/loss';
import { ref, expectClose, expectGradClose, scalarNoLeak, gradsOf, lossSuite } from './lossHarness';

lossSuite();

describe('DINO', () => {
  it('matches DINOLoss, update_center and the teacher entropy', () => {
    for (const c of ref.dino) {
      const student = c.student.map((m) => tf.tensor2d(m));
      const teacher = c.teacher.map((m) => tf.tensor2d(m));
      const center = tf.tensor2d(c.center);
      expectClose(
        'dino',
        scalarNoLeak(() => dinoLoss(student, teacher, center, c.studentTemp, c.teacherTemp)),
        c.loss,
      );
      expectClose(
        'dino entropy',
        scalarNoLeak(() => teacherEntropy(teacher, center, c.teacherTemp)),
        c.entropy,
      );
      const before = tf.memory().numTensors;
      const nc = dinoCenter(teacher, center, c.momentum);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(nc.shape).toEqual([1, c.center[0].length]);
      const got = nc.dataSync();
      c.newCenter[0].forEach((v, i) => expectClose('dino center', got[i], v));
      tf.dispose([nc, center, ...student, ...teacher]);
    }
  });

  it('equals log K, with teacher entropy log K, for uniform outputs', () => {
    const k = 8;
    const views = [0, 1, 2, 3].map(() => tf.fill([3, k], 0.7) as tf.Tensor2D);
    const center = tf.fill([1, k], 0.2) as tf.Tensor2D;
    expect(scalarNoLeak(() => dinoLoss(views, views.slice(0, 2), center, 0.1, 0.04))).toBeCloseTo(Math.log(k), 5);
    expect(scalarNoLeak(() => teacherEntropy(views.slice(0, 2), center, 0.04))).toBeCloseTo(Math.log(k), 5);
    tf.dispose([...views, center]);
  });

  it('gives finite gradients w.r.t. every student view', () => {
    const c = ref.dino.find((x) => x.gradStudent)!;
    const student = c.student.map((m) => tf.variable(tf.tensor2d(m)));
    const teacher = c.teacher.map((m) => tf.tensor2d(m));
    const center = tf.tensor2d(c.center);
    const r = gradsOf(() => dinoLoss(student, teacher, center, c.studentTemp, c.teacherTemp), student);
    r.grads.forEach((g, i) => expectGradClose('dino', g, c.gradStudent![i]));
    r.dispose();
    tf.dispose([...student, ...teacher, center]);
  });
});

describe('CLIP', () => {
  it('matches the symmetric open_clip ClipLoss', () => {
    for (const c of ref.clip) {
      const image = tf.tensor2d(c.image);
      const text = tf.tensor2d(c.text);
      const scale = tf.scalar(c.logitScale);
      expectClose(
        'clip',
        scalarNoLeak(() => clipLoss(image, text, scale)),
        c.loss,
      );
      tf.dispose([image, text, scale]);
    }
  });

  it('is ~0 for matched orthogonal pairs at a large scale', () => {
    const e = tf.eye(5);
    const e2 = tf.mul(e, 4) as tf.Tensor2D;
    const scale = tf.scalar(Math.log(100));
    const v = scalarNoLeak(() => clipLoss(e, e2, scale));
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThan(1e-6);
    tf.dispose([e, e2, scale]);
  });

  it('gives finite gradients w.r.t. both embeddings and the logit scale', () => {
    const c = ref.clip.find((x) => x.gradImage)!;
    const image = tf.variable(tf.tensor2d(c.image));
    const text = tf.variable(tf.tensor2d(c.text));
    const scale = tf.variable(tf.scalar(c.logitScale));
    const r = gradsOf(() => clipLoss(image, text, scale), [image, text, scale]);
    expectGradClose('clip', r.grads[0], c.gradImage!);
    expectGradClose('clip', r.grads[1], c.gradText!);
    expectGradClose('clip', r.grads[2], c.gradLogitScale!);
    r.dispose();
    tf.dispose([image, text, scale]);
  });
});

describe('MAE', () => {
  it('patchify (NHWC) equals MAE patchify (NCHW, nchpwq->nhwpqc)', () => {
    for (const c of ref.mae) {
      const images = tf.tensor4d(c.imagesNHWC);
      const before = tf.memory().numTensors;
      const t = patchify(images, c.patchSize);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(t.shape).toEqual([c.target.length, c.target[0].length, c.target[0][0].length]);
      const got = t.dataSync();
      const want = c.target.flat(2);
      let worst = 0;
      want.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(got[i] - v));
      });
      expect(worst).toBeLessThan(1e-6);
      tf.dispose([images, t]);
    }
  });

  it('matches forward_loss with and without norm_pix_loss', () => {
    for (const c of ref.mae) {
      const images = tf.tensor4d(c.imagesNHWC);
      const target = patchify(images, c.patchSize);
      const pred = tf.tensor3d(c.pred);
      const mask = tf.tensor2d(c.mask);
      expectClose(
        c.normPix ? 'mae normPix' : 'mae',
        scalarNoLeak(() => maeLoss(pred, target, mask, c.normPix)),
        c.loss,
      );
      tf.dispose([images, target, pred, mask]);
    }
  });

  it('is 0 for a perfect prediction and ignores visible patches', () => {
    const target = tf.randomNormal([2, 4, 6], 0, 1, 'float32', 7) as tf.Tensor3D;
    const mask = tf.tensor2d([
      [1, 0, 1, 0],
      [0, 0, 1, 1],
    ]);
    const maskRows = [1, 0, 1, 0, 0, 0, 1, 1];
    const offsets = new Float32Array(2 * 4 * 6).map((_, i) => (maskRows[Math.floor(i / 6)] ? 0 : 9));
    const visibleOnly = tf.tensor3d(offsets, [2, 4, 6]); // error on visible patches only
    const wrongVisible = tf.add(target, visibleOnly) as tf.Tensor3D;
    expect(scalarNoLeak(() => maeLoss(target, target, mask, false))).toBeCloseTo(0, 7);
    expect(scalarNoLeak(() => maeLoss(wrongVisible, target, mask, false))).toBeCloseTo(0, 7);
    tf.dispose([target, mask, visibleOnly, wrongVisible]);
  });

  it('gives finite gradients w.r.t. the prediction', () => {
    for (const c of ref.mae.filter((x) => x.gradPred)) {
      const images = tf.tensor4d(c.imagesNHWC);
      const target = patchify(images, c.patchSize);
      const pred = tf.variable(tf.tensor3d(c.pred));
      const mask = tf.tensor2d(c.mask);
      const r = gradsOf(() => maeLoss(pred, target, mask, c.normPix), [pred]);
      expectGradClose(c.normPix ? 'mae normPix' : 'mae', r.grads[0], c.gradPred!);
      r.dispose();
      tf.dispose([images, target, pred, mask]);
    }
  });
});
