/**
 * The six pre-training losses against float64 torch references
 * (tests/fixtures/reference_losses.json, written by
 * `/usr/bin/python3 scripts/reference_losses.py`), plus analytic sanity
 * values, gradient checks through tf.variableGrads, and leak checks.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smoothedMultiLabelTargets, softmaxCrossEntropy } from '../src/methods/classification';
import { ntXentLoss } from '../src/methods/simclr/loss';
import { byolLoss } from '../src/methods/byol/loss';
import { dinoCenter, dinoLoss, teacherEntropy } from '../src/methods/dino/loss';
import { clipLoss } from '../src/methods/clip/loss';
import { maeLoss, patchify } from '../src/methods/mae/loss';

type M = number[][];
interface ClassificationCase {
  labels: number[][]; numClasses: number; smoothing: number; logits: M; targets: M; loss: number; gradLogits?: M;
}
interface NtxentCase { z1: M; z2: M; temperature: number; loss: number; official: number; gradZ1?: M; gradZ2?: M }
interface ByolCase { p1: M; z2: M; p2: M; z1: M; loss: number; official: number; gradP1?: M; gradP2?: M }
interface DinoCase {
  student: M[]; teacher: M[]; center: M; studentTemp: number; teacherTemp: number; momentum: number;
  loss: number; newCenter: M; entropy: number; gradStudent?: M[];
}
interface ClipCase {
  image: M; text: M; logitScale: number; loss: number; gradImage?: M; gradText?: M; gradLogitScale?: number;
}
interface MaeCase {
  imagesNHWC: number[][][][]; patchSize: number; target: number[][][]; pred: number[][][]; mask: M;
  normPix: boolean; loss: number; gradPred?: number[][][];
}
interface Fixture {
  classification: ClassificationCase[]; ntxent: NtxentCase[]; byol: ByolCase[]; dino: DinoCase[];
  clip: ClipCase[]; mae: MaeCase[];
}

const here = dirname(fileURLToPath(import.meta.url));
const ref = JSON.parse(readFileSync(join(here, 'fixtures', 'reference_losses.json'), 'utf8')) as Fixture;

const REL_TOL = 1e-4;
const GRAD_TOL = 1e-4;
const maxRel: Record<string, number> = {};

function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
}

/** Compares a loss value with the reference and records the worst relative error. */
function expectClose(name: string, actual: number, expected: number): void {
  const e = relErr(actual, expected);
  maxRel[name] = Math.max(maxRel[name] ?? 0, e);
  expect(Number.isFinite(actual)).toBe(true);
  expect(e, `${name}: got ${actual}, torch ${expected}`).toBeLessThan(REL_TOL);
}

/** max |a - b| / max |b| over all entries: gradient agreement with torch autograd. */
function expectGradClose(name: string, g: tf.Tensor, expected: number | number[] | number[][] | number[][][]): void {
  const a = g.dataSync();
  const b = Float64Array.from([expected].flat(3) as number[]);
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    expect(Number.isFinite(a[i])).toBe(true);
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  maxRel[`${name} (grad)`] = Math.max(maxRel[`${name} (grad)`] ?? 0, diff / scale);
  expect(diff / scale, `${name} gradient`).toBeLessThan(GRAD_TOL);
}

/** Runs f, returns its scalar, and checks no tensor outlived the call. */
function scalarNoLeak(f: () => tf.Tensor): number {
  const before = tf.memory().numTensors;
  const t = f();
  const v = t.dataSync()[0];
  t.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return v;
}

/** Runs variableGrads and checks every gradient is finite and has its variable's shape. */
function gradsOf(f: () => tf.Scalar, vars: tf.Variable[]): { value: number; grads: tf.Tensor[]; dispose: () => void } {
  const { value, grads } = tf.variableGrads(f, vars);
  const out = vars.map((v) => {
    const g = grads[v.name];
    expect(g, `gradient for ${v.name}`).toBeDefined();
    expect(g.shape).toEqual(v.shape);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    return g;
  });
  const val = value.dataSync()[0];
  return { value: val, grads: out, dispose: () => { value.dispose(); tf.dispose(grads); } };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

afterAll(() => {
  const rows = Object.entries(maxRel).map(([k, v]) => `${k.padEnd(24)} ${v.toExponential(2)}`);
  console.log(`max relative error vs torch float64:\n${rows.join('\n')}`);
});

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
      expectClose('classification', scalarNoLeak(() => softmaxCrossEntropy(logits, targets)), c.loss);
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
    const z = tf.tensor2d([[1, 2, 3], [-1, 0, 2]]);
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

describe('DINO', () => {
  it('matches DINOLoss, update_center and the teacher entropy', () => {
    for (const c of ref.dino) {
      const student = c.student.map((m) => tf.tensor2d(m));
      const teacher = c.teacher.map((m) => tf.tensor2d(m));
      const center = tf.tensor2d(c.center);
      expectClose('dino', scalarNoLeak(() => dinoLoss(student, teacher, center, c.studentTemp, c.teacherTemp)), c.loss);
      expectClose('dino entropy', scalarNoLeak(() => teacherEntropy(teacher, center, c.teacherTemp)), c.entropy);
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
      expectClose('clip', scalarNoLeak(() => clipLoss(image, text, scale)), c.loss);
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
      want.forEach((v, i) => { worst = Math.max(worst, Math.abs(got[i] - v)); });
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
      expectClose(c.normPix ? 'mae normPix' : 'mae', scalarNoLeak(() => maeLoss(pred, target, mask, c.normPix)), c.loss);
      tf.dispose([images, target, pred, mask]);
    }
  });

  it('is 0 for a perfect prediction and ignores visible patches', () => {
    const target = tf.randomNormal([2, 4, 6], 0, 1, 'float32', 7) as tf.Tensor3D;
    const mask = tf.tensor2d([[1, 0, 1, 0], [0, 0, 1, 1]]);
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
