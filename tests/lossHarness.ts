/**
 * What the loss tests share: the float64 torch references of the six pre-training losses
 * (tests/fixtures/reference_losses.json, written by
 * `/usr/bin/python3 scripts/reference_losses.py`), plus analytic sanity
 * values, gradient checks through tf.variableGrads, and leak checks.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect } from 'vitest';

type M = number[][];
interface ClassificationCase {
  labels: number[][];
  numClasses: number;
  smoothing: number;
  logits: M;
  targets: M;
  loss: number;
  gradLogits?: M;
}
interface NtxentCase {
  z1: M;
  z2: M;
  temperature: number;
  loss: number;
  official: number;
  gradZ1?: M;
  gradZ2?: M;
}
interface ByolCase {
  p1: M;
  z2: M;
  p2: M;
  z1: M;
  loss: number;
  official: number;
  gradP1?: M;
  gradP2?: M;
}
interface DinoCase {
  student: M[];
  teacher: M[];
  center: M;
  studentTemp: number;
  teacherTemp: number;
  momentum: number;
  loss: number;
  newCenter: M;
  entropy: number;
  gradStudent?: M[];
}
interface ClipCase {
  image: M;
  text: M;
  logitScale: number;
  loss: number;
  gradImage?: M;
  gradText?: M;
  gradLogitScale?: number;
}
interface MaeCase {
  imagesNHWC: number[][][][];
  patchSize: number;
  target: number[][][];
  pred: number[][][];
  mask: M;
  normPix: boolean;
  loss: number;
  gradPred?: number[][][];
}
export interface Fixture {
  classification: ClassificationCase[];
  ntxent: NtxentCase[];
  byol: ByolCase[];
  dino: DinoCase[];
  clip: ClipCase[];
  mae: MaeCase[];
}

const here = dirname(fileURLToPath(import.meta.url));
export const ref = JSON.parse(readFileSync(join(here, 'fixtures', 'reference_losses.json'), 'utf8')) as Fixture;

export const REL_TOL = 1e-4;
const GRAD_TOL = 1e-4;
const maxRel: Record<string, number> = {};

export function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
}

/** Compares a loss value with the reference and records the worst relative error. */
export function expectClose(name: string, actual: number, expected: number): void {
  const e = relErr(actual, expected);
  maxRel[name] = Math.max(maxRel[name] ?? 0, e);
  expect(Number.isFinite(actual)).toBe(true);
  expect(e, `${name}: got ${actual}, torch ${expected}`).toBeLessThan(REL_TOL);
}

/** max |a - b| / max |b| over all entries: gradient agreement with torch autograd. */
export function expectGradClose(name: string, g: tf.Tensor, expected: number | number[] | number[][] | number[][][]): void {
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
export function scalarNoLeak(f: () => tf.Tensor): number {
  const before = tf.memory().numTensors;
  const t = f();
  const v = t.dataSync()[0];
  t.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return v;
}

/** Runs variableGrads and checks every gradient is finite and has its variable's shape. */
export function gradsOf(f: () => tf.Scalar, vars: tf.Variable[]): { value: number; grads: tf.Tensor[]; dispose: () => void } {
  const { value, grads } = tf.variableGrads(f, vars);
  const out = vars.map((v) => {
    const g = grads[v.name];
    expect(g, `gradient for ${v.name}`).toBeDefined();
    expect(g.shape).toEqual(v.shape);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    return g;
  });
  const val = value.dataSync()[0];
  return {
    value: val,
    grads: out,
    dispose: () => {
      value.dispose();
      tf.dispose(grads);
    },
  };
}

/** The cpu backend for the file, and the largest relative errors printed at its end. */
export function lossSuite(): void {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  afterAll(() => {
    const rows = Object.entries(maxRel).map(([k, v]) => `${k.padEnd(24)} ${v.toExponential(2)}`);
    console.log(`max relative error vs torch float64:\n${rows.join('\n')}`);
  });
}
