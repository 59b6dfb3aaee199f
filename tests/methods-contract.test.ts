/**
 * One contract test over every registered method (tfjs cpu backend, tiny
 * config): finite scalar loss, a finite gradient for every trainable variable,
 * no trainable teacher, EMA teachers moving toward their students, no tensor
 * leaks, and counted encoder FLOPs equal to the analytic formula.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METHOD_IDS, type MethodId } from '../src/methods/catalog';
import { defaultConfig, type ExperimentConfig } from '../src/train/config';
import { createTrainer, type Trainer } from '../src/train/trainer';
import { vitFlops } from '../src/models/vitFlops';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const ids = METHOD_IDS;
const B = 8;
const configFor = (method: MethodId, overrides: Record<string, unknown> = {}): ExperimentConfig =>
  defaultConfig({ method, model: 'tiny', batchSize: B, steps: 40, backend: 'cpu', dataset: { preset: 'shapes', size: 512, maxObjects: 2 }, ...overrides });

const registered = () => new Set(Object.keys(tf.engine().state.registeredVariables));
const distance = (a: tf.Variable[], b: tf.Variable[]) => tf.tidy(() => tf.addN(a.map((v, i) => tf.sum(tf.square(tf.sub(v, b[i]))))).dataSync()[0]);

/** Encoder FLOPs (forward + backward) a method's step should cost, from the analytic ViT formula. */
function expectedEncoderFlops(trainer: Trainer): number {
  const { model } = trainer.config;
  const req = trainer.method.requires(trainer.config.methodOptions, model);
  if (trainer.config.method === 'mae') {
    const ratio = Number(trainer.config.methodOptions.maskRatio);
    const n = (model.imageSize / model.patchSize) ** 2;
    return vitFlops(model, B, { tokensKept: Math.floor(n * (1 - ratio)) }).total;
  }
  if (req.views.length === 0) return vitFlops(model, B).total;
  return req.views.reduce((sum, spec) => sum + vitFlops({ ...model, imageSize: spec.size }, B).total, 0);
}

describe.each(ids)('method contract: %s', (id) => {
  it('gives a finite scalar loss and a finite gradient to every trainable variable; teachers are not trainable', async () => {
    const before = registered();
    const trainer = await createTrainer(configFor(id));
    const created = [...registered()].filter((n) => !before.has(n)).map((n) => tf.engine().state.registeredVariables[n]);
    const trainable = new Set(trainer.state.trainable.map((v) => v.name));
    for (const v of created) expect(v.trainable, v.name).toBe(trainable.has(v.name));
    if (trainer.state.teacher) for (const v of trainer.state.teacher.variables) expect(trainable.has(v.name), v.name).toBe(false);

    const batch = trainer.makeBatch(0);
    const { value, grads } = tf.variableGrads(() => trainer.state.loss(batch, 0), trainer.state.trainable);
    expect(value.shape).toEqual([]);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const v of trainer.state.trainable) {
      const g = grads[v.name];
      expect(g, v.name).toBeDefined();
      expect(g.shape).toEqual(v.shape);
      expect(g.dataSync().every(Number.isFinite), v.name).toBe(true);
    }
    tf.dispose([value, grads, batch as unknown as tf.TensorContainer]);
    trainer.dispose();
  });

  it('leaks no tensors, moves any EMA teacher toward its student, and counts encoder FLOPs as the analytic formula', async () => {
    const trainer = await createTrainer(configFor(id));
    const first = trainer.step(0);
    first.loss.dispose();
    const t = trainer.state.teacher;
    const teacherBefore = t?.variables.map((v) => tf.clone(v));
    const second = trainer.step(1);
    second.loss.dispose();
    if (t && teacherBefore) {
      const moved = distance(t.variables, teacherBefore);
      expect(moved).toBeGreaterThan(0);
      // the teacher moved toward the student: closer to it than where it started
      expect(distance(t.variables, t.student)).toBeLessThan(distance(teacherBefore, t.student));
      tf.dispose(teacherBefore);
    }
    const n0 = tf.memory().numTensors;
    for (let s = 2; s < 5; s++) trainer.step(s).loss.dispose();
    expect(tf.memory().numTensors).toBe(n0);

    const counts = second.counts;
    expect(counts.total).toBeGreaterThan(0);
    expect(counts.byPhase.forward + counts.byPhase.backward + counts.byPhase.optimizer).toBe(counts.total);
    const expected = expectedEncoderFlops(trainer);
    expect(Math.abs(counts.byComponent.encoder - expected) / expected).toBeLessThan(0.02);
    trainer.dispose();
  });
});
