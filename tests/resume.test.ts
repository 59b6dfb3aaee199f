/**
 * Runs that survive: a run stopped (or interrupted) and resumed from its
 * checkpoint continues bit for bit as the uninterrupted run on the cpu
 * backend, for methods with every kind of state (AdamW moments, an EMA
 * teacher, DINO's centre buffers, MAE's per-step masks); a checkpoint of
 * another config is refused; a diverging run stops itself with the reason.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMethod } from '../src/methods/catalog';
import { defineMethod } from '../src/methods/spec';
import type { BackendInfo } from '../src/engine/backendIds';
import type { RunCheckpoint } from '../src/train/checkpoint';
import { defaultConfig, type ExperimentInput } from '../src/train/config';
import { divergence, RunControl, runExperiment } from '../src/train/runner';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const cpu: BackendInfo = { name: 'cpu', reason: 'test', isSoftware: false, timestampQuery: false };
const tiny = (overrides: ExperimentInput) =>
  defaultConfig({
    model: 'tiny',
    batchSize: 4,
    steps: 10,
    logEvery: 1,
    checkpointEvery: 4,
    backend: 'cpu',
    probe: { kind: 'none' },
    dataset: { preset: 'shapes', size: 64 },
    ...overrides,
  });

describe.each(['supervised', 'dino', 'byol', 'mae'] as const)('resume: %s', (method) => {
  it('stop + resume from the stop checkpoint, and resume from a periodic one, give the uninterrupted losses bit for bit', async () => {
    const config = tiny({ method, methodOptions: method === 'dino' ? { localCrops: 1 } : {} });
    const periodic: RunCheckpoint[] = [];
    const full = await runExperiment(config, cpu, { onCheckpoint: (cp) => periodic.push(cp) });
    expect(periodic.map((c) => c.trainer.step)).toEqual([4, 8]);

    // Stopped after step 6's record: the stop leaves a checkpoint at 6 completed steps.
    const control = new RunControl();
    let atStop: RunCheckpoint | undefined;
    const stopped = await runExperiment(config, cpu, { control, onRecord: (r) => r.step === 6 && control.stop(), onCheckpoint: (cp) => (atStop = cp) });
    expect(stopped.stopped).toBe(true);
    expect(atStop?.trainer.step).toBe(6);
    expect(stopped.records.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);

    const before = tf.memory().numTensors;
    for (const cp of [atStop!, periodic[0]]) {
      const resumed = await runExperiment(config, cpu, {}, cp);
      expect(resumed.resumedAt).toBe(cp.trainer.step);
      expect(resumed.records.map((r) => r.step)).toEqual(full.records.map((r) => r.step));
      // Object.is on every loss: bit-identical, not merely close.
      resumed.records.forEach((r, i) => expect(Object.is(r.loss, full.records[i].loss), `step ${r.step}: ${r.loss} vs ${full.records[i].loss}`).toBe(true));
      expect(resumed.records.at(-1)!.flops).toBe(full.records.at(-1)!.flops);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('pause', () => {
  it('holds the run at the next step boundary, says so with the steps done, and resumes there', async () => {
    const control = new RunControl();
    const held: number[] = [];
    control.onHeld = (stepsDone) => {
      held.push(stepsDone);
      queueMicrotask(() => control.resume());
    };
    const r = await runExperiment(tiny({ steps: 6 }), cpu, { control, onRecord: (rec) => rec.step === 3 && control.pause() });
    expect(held).toEqual([3]);
    expect(r.records.map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('checkpoints', () => {
  it('come early: the first at the first probe (or by step 50) even when checkpointEvery is larger than the run', async () => {
    const steps: number[] = [];
    const probed = tiny({ steps: 6, evalEvery: 3, checkpointEvery: 100, probe: { kind: 'knn', trainSize: 16, testSize: 8, k: 3, dense: false } });
    await runExperiment(probed, cpu, { onCheckpoint: (c) => steps.push(c.trainer.step) });
    expect(steps).toEqual([3]);
    steps.length = 0;
    await runExperiment(tiny({ steps: 60, checkpointEvery: 100 }), cpu, { onCheckpoint: (c) => steps.push(c.trainer.step) });
    expect(steps).toEqual([50]);
  });

  it('a checkpoint of another config is refused before anything runs; the backend may change', async () => {
    const config = tiny({ steps: 4, checkpointEvery: 2 });
    let cp: RunCheckpoint | undefined;
    await runExperiment(config, cpu, { onCheckpoint: (c) => (cp ??= c) });
    await expect(runExperiment(tiny({ steps: 4, seed: 1 }), cpu, {}, cp)).rejects.toThrow(/different experiment config/);
    await expect(runExperiment({ ...config, backend: 'wasm' }, cpu, {}, cp)).resolves.toMatchObject({ resumedAt: 2 });
  });

  it('refuses a checkpoint whose variables do not match the model', async () => {
    const config = tiny({ steps: 4, checkpointEvery: 2 });
    let cp: RunCheckpoint | undefined;
    await runExperiment(config, cpu, { onCheckpoint: (c) => (cp ??= c) });
    const broken: RunCheckpoint = { ...cp!, trainer: { ...cp!.trainer, variables: cp!.trainer.variables.slice(1) } };
    await expect(runExperiment(config, cpu, {}, broken)).rejects.toThrow(/checkpoint has \d+ variables for this run's \d+/);
  });
});

describe('divergence', () => {
  it('names NaN, infinite and exploding losses, and lets ordinary ones pass', () => {
    expect(divergence(Number.NaN, 2, 7)).toMatch(/^loss is NaN at step 7/);
    expect(divergence(Number.POSITIVE_INFINITY, 2, 7)).toMatch(/^loss is Infinity at step 7/);
    expect(divergence(5e3, 2, 9)).toMatch(/^loss 5.00e\+3 at step 9 exceeds 1.00e\+3/);
    expect(divergence(150, 2, 9)).toBeNull();
    expect(divergence(2.5, null, 1)).toBeNull();
  });

  it('a run whose loss becomes NaN stops itself at that log step, with the reason, keeping the records before it', async () => {
    addMethod(
      'nan-at-3',
      defineMethod({
        label: 'NaN at step 3',
        paper: 'https://example.org/none',
        summary: 'A test method whose loss turns NaN.',
        atLabScale: 'not measured',
        options: z.strictObject({}),
        load: async () => ({
          requires: () => ({ views: [], targets: false, tokens: false }),
          init: (ctx) => ({
            trainable: ctx.encoder.variables,
            loss: (batch, step) => tf.tidy(() => tf.mul(tf.mean(ctx.encoder.features(batch.images, ctx.scope)), step >= 2 ? Number.NaN : 1) as tf.Scalar),
            dispose: () => undefined,
          }),
        }),
      }),
    );
    const result = await runExperiment(tiny({ method: 'nan-at-3' }), cpu);
    expect(result.diverged).toMatchObject({ step: 3, reason: expect.stringMatching(/^loss is NaN at step 3/) });
    expect(result.records.map((r) => r.step)).toEqual([1, 2]);
    expect(result.stopped).toBe(false);
  });
});
