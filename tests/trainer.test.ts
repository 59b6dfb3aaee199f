import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/train/config';
import { buildProbeSets, createTrainer, type Trainer } from '../src/train/trainer';
import { createDataSource } from '../src/data/presets';
import { Rng } from '../src/engine/rng';
import { densePatchProbe, densePatchSets } from '../src/eval/densePatchProbe';
import { VitEncoder } from '../src/models/vit';
import { knnProbe } from '../src/eval/knn';
import { linearProbe } from '../src/eval/linearProbe';
import { wilsonInterval } from '../src/eval/interval';
import { profileStep } from '../src/train/profile';
import { runExperiment } from '../src/train/runner';
import type { BackendInfo } from '../src/engine/backendIds';
import { vitFlops } from '../src/models/vitFlops';
import { useWasmBackend } from '../tooling/tfjsBackends';

// tfjs-wasm: the cpu backend's results, an order of magnitude sooner (tests/wasm-backend.test.ts checks the two agree).
beforeAll(useWasmBackend);

const tinyRun = (overrides: Record<string, unknown> = {}) =>
  defaultConfig({
    model: 'tiny',
    batchSize: 8,
    steps: 20,
    backend: 'wasm',
    dataset: { size: 512 },
    probe: { trainSize: 64, testSize: 32, dense: false },
    ...overrides,
  });
const wasm: BackendInfo = { name: 'wasm', reason: 'test', isSoftware: false, timestampQuery: false };

async function lossesOf(trainer: Trainer, steps: number): Promise<number[]> {
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { loss } = trainer.step(s);
    out.push((await loss.data())[0]);
    loss.dispose();
  }
  return out;
}

describe('training step', () => {
  it('leaks no tensors over 20 steps', async () => {
    const trainer = await createTrainer(tinyRun());
    await lossesOf(trainer, 2); // optimiser state and constants exist after the first step
    const before = tf.memory().numTensors;
    await lossesOf(trainer, 20);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('is deterministic on wasm for a fixed seed, and the seed matters', async () => {
    const a = await createTrainer(tinyRun({ seed: 7 }));
    const b = await createTrainer(tinyRun({ seed: 7 }));
    const c = await createTrainer(tinyRun({ seed: 8 }));
    const [la, lb, lc] = [await lossesOf(a, 3), await lossesOf(b, 3), await lossesOf(c, 3)];
    expect(la).toEqual(lb);
    expect(la).not.toEqual(lc);
    [a, b, c].forEach((t) => t.dispose());
  });

  it("stepOn a batch made beforehand is step's own step, and leaves the batch to its owner (the bench's ready batches)", async () => {
    const a = await createTrainer(tinyRun({ seed: 3 }));
    const b = await createTrainer(tinyRun({ seed: 3 }));
    const own = await lossesOf(a, 3);
    const batches = [0, 1, 2].map((s) => b.makeBatch(s));
    const onReady: number[] = [];
    for (let s = 0; s < 3; s++) {
      const { loss } = b.stepOn(s, batches[s]);
      onReady.push((await loss.data())[0]);
      loss.dispose();
    }
    expect(onReady).toEqual(own);
    expect(batches.every((batch) => !batch.images.isDisposed)).toBe(true);
    tf.dispose(batches as unknown as tf.TensorContainer);
    [a, b].forEach((t) => t.dispose());
  });

  it('supervised loss falls on the procedural shapes', async () => {
    const trainer = await createTrainer(tinyRun({ steps: 60, optim: { lr: 3e-3, warmupSteps: 5 } }));
    const losses = await lossesOf(trainer, 60);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)) - 0.2);
    trainer.dispose();
  });

  it('profiles a step by phase and component; the encoder share matches the analytic formula', async () => {
    const config = tinyRun();
    const p = await profileStep(config);
    expect(p.byPhase.forward).toBeGreaterThan(0);
    expect(p.byPhase.backward).toBeGreaterThan(p.byPhase.forward);
    expect(p.byPhase.optimizer).toBeGreaterThan(0);
    expect(p.totalFlops).toBe(p.byPhase.forward + p.byPhase.backward + p.byPhase.optimizer);
    expect(Object.keys(p.byComponent).sort()).toEqual(['encoder', 'head', 'loss', 'optimizer']);
    const analytic = vitFlops(config.model, config.batchSize).total;
    expect(Math.abs(p.byComponent.encoder - analytic) / analytic).toBeLessThan(0.02);
    // AdamW + clipping cost is a fixed number of FLOPs per parameter (17-19).
    const perParam = p.byPhase.optimizer / (vitFlops(config.model, 1).params + 33 * 10);
    expect(perParam).toBeGreaterThan(15);
    expect(perParam).toBeLessThan(21);
    expect(p.uncounted).toEqual({});
  });
});

describe('runExperiment', () => {
  it('records cumulative FLOPs, probe accuracy at eval steps, and counts eval FLOPs apart', async () => {
    const config = tinyRun({ steps: 6, logEvery: 2, evalEvery: 3 });
    const result = await runExperiment(config, wasm);
    expect(result.records.map((r) => r.step)).toEqual([2, 3, 4, 6]);
    const perStep = result.profile.totalFlops;
    for (const r of result.records) {
      expect(r.flops).toBe(perStep * r.step);
      expect(Number.isFinite(r.loss)).toBe(true);
    }
    const evaluated = result.records.filter((r) => r.probeAccuracy !== undefined).map((r) => r.step);
    expect(evaluated).toEqual([3, 6]);
    const last = result.records[result.records.length - 1];
    expect(last.probeAccuracy).toBeGreaterThanOrEqual(0);
    expect(last.probeAccuracy).toBeLessThanOrEqual(1);
    expect(last.evalFlops).toBeGreaterThan(0);
  });

  it('gives each probe its counts and 95% interval, and times evaluation as part of the wall time', async () => {
    const config = tinyRun({ steps: 6, logEvery: 2, evalEvery: 3 });
    const result = await runExperiment(config, wasm);
    for (const r of result.records) {
      expect(r.evalMs).toBeGreaterThan(0); // the baseline probe ran before step 0
      expect(r.evalMs).toBeLessThanOrEqual(r.wallMs);
      if (r.probeAccuracy === undefined) {
        expect(r.probeInterval).toBeUndefined();
        continue;
      }
      expect(r.probeTotal).toBe(32);
      expect(r.probeAccuracy).toBe(r.probeCorrect! / 32);
      expect(r.probeInterval).toEqual(wilsonInterval(r.probeCorrect!, 32));
    }
    const ms = result.records.map((r) => r.evalMs);
    expect(ms).toEqual([...ms].sort((a, b) => a - b));
    expect(ms[1]).toBeGreaterThan(ms[0]); // step 3 probed
    expect(result.baseline!.ms).toBe(ms[0]);
  });

  it('the random-init baseline is the same probe of a fresh encoder of that seed, counted as eval FLOPs', async () => {
    for (const kind of ['knn', 'linear'] as const) {
      const config = tinyRun({ steps: 3, logEvery: 3, evalEvery: 3, seed: 11, probe: { kind, trainSize: 64, testSize: 32, k: 5, dense: false } });
      const before = tf.memory().numTensors;
      const result = await runExperiment(config, wasm);
      expect(tf.memory().numTensors).toBe(before);
      // Independently: the seed's init encoder, probe sets rebuilt from the config.
      const sets = buildProbeSets(config, createDataSource(config.dataset, config.model.imageSize, config.seed));
      const encoder = new VitEncoder(config.model, new Rng(config.seed).split('init', 'encoder'));
      const features = (x: tf.Tensor4D) => encoder.features(x);
      const pixels = (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
      const probeOf = (f: (x: tf.Tensor4D) => tf.Tensor2D) =>
        kind === 'knn' ? knnProbe(f, sets.train, sets.test, 5, sets.numClasses) : linearProbe(f, sets.train, sets.test, sets.numClasses);
      const fresh = await probeOf(features);
      const freshPixels = await probeOf(pixels);
      const freshLinear = await linearProbe(features, sets.train, sets.test, sets.numClasses);
      encoder.dispose();
      tf.dispose([sets.train.images, sets.test.images]);
      const b = result.baseline!;
      expect({ accuracy: b.accuracy, correct: b.correct, total: b.total, interval: b.interval }).toEqual(fresh);
      // Beside it: the same probe on raw pixels, and the end-of-run linear probe of the random init.
      expect(b.rawPixels).toEqual({ accuracy: freshPixels.accuracy, interval: freshPixels.interval });
      expect(b.linear).toEqual({ accuracy: freshLinear.accuracy, interval: freshLinear.interval });
      expect(b.step).toBe(0);
      expect(b.flops).toBeGreaterThan(0);
      // The last record carries the end-of-run linear probe of the trained encoder.
      const last = result.records[result.records.length - 1];
      expect(last.linearAccuracy).toBeGreaterThanOrEqual(0);
      expect(last.linearInterval![0]).toBeLessThanOrEqual(last.linearAccuracy!);
      // The baseline's FLOPs are in every record's evalFlops; the probe at step 3 (the same probe and the
      // linear readout, without the raw-pixel pass) adds less than the baseline cost again.
      const later = result.records[0].evalFlops - b.flops;
      expect(later).toBeGreaterThan(0);
      expect(later).toBeLessThan(b.flops);
    }
    const off = await runExperiment(tinyRun({ steps: 2, logEvery: 1, probe: { kind: 'none' } }), wasm);
    expect(off.baseline).toBeNull();
    expect(off.records.every((r) => r.evalFlops === 0 && r.evalMs === 0)).toBe(true);
  });
});

describe('probe embeddings', () => {
  it('a probe embeds the probe sets once for the linear readout at the same step; a step drops them', async () => {
    const config = tinyRun({ steps: 4, seed: 5 });
    const before = tf.memory().numTensors;
    const alone = await createTrainer(config);
    const readAlone = await alone.linearReadout(); // embeds the sets itself
    alone.dispose();
    const trainer = await createTrainer(config);
    await trainer.probe();
    const reused = await trainer.linearReadout();
    // The same score from the kept embeddings, without their encoder FLOPs.
    expect({ ...reused, flops: 0 }).toEqual({ ...readAlone, flops: 0 });
    expect(reused.flops).toBeGreaterThan(0);
    expect(reused.flops).toBeLessThan(readAlone.flops / 2);
    trainer.step(0).loss.dispose();
    const after = await trainer.linearReadout(); // the encoder changed: embedded again
    expect(after.flops).toBe(readAlone.flops);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with a linear probe, the end-of-run readout at the same step is that probe: scored once, no kernel run again', async () => {
    const config = tinyRun({ steps: 4, seed: 5, probe: { kind: 'linear', trainSize: 64, testSize: 32, dense: false } });
    const before = tf.memory().numTensors;
    const trainer = await createTrainer(config);
    const probe = await trainer.probe();
    const readout = await trainer.linearReadout();
    expect(readout).toEqual({ accuracy: probe.accuracy, correct: probe.correct, total: probe.total, interval: probe.interval, flops: 0 });
    trainer.step(0).loss.dispose();
    expect((await trainer.linearReadout()).flops).toBe(probe.flops); // a new encoder: embedded and scored again
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('dense patch probe in runs', () => {
  it('puts patch mIoU on probe records and on the baseline, where it equals the dense probe of a fresh encoder', async () => {
    const config = tinyRun({ steps: 2, logEvery: 2, evalEvery: 2, seed: 5, probe: { trainSize: 16, testSize: 16, k: 5, dense: true } });
    const before = tf.memory().numTensors;
    const result = await runExperiment(config, wasm);
    expect(tf.memory().numTensors).toBe(before);
    const last = result.records[result.records.length - 1];
    expect(last.patchMiou).toBeGreaterThan(0);
    expect(last.patchMiou).toBeLessThanOrEqual(1);
    const encoder = new VitEncoder(config.model, new Rng(config.seed).split('init', 'encoder'));
    const fresh = await densePatchProbe(encoder, densePatchSets(config.seed, config.model.imageSize, config.model.patchSize));
    encoder.dispose();
    expect(result.baseline!.patchMiou).toBe(fresh.miou);
    // dense off: no patch mIoU, and less evaluation work
    const off = await runExperiment({ ...config, probe: { ...config.probe, dense: false } }, wasm);
    expect(off.records[off.records.length - 1].patchMiou).toBeUndefined();
    expect(off.baseline!.flops).toBeLessThan(result.baseline!.flops);
  });
});

describe('method previews', () => {
  it('MAE shows input / masked / reconstruction at probe steps, visible patches pasted from the input', async () => {
    const config = tinyRun({ method: 'mae', steps: 2, logEvery: 1, evalEvery: 2 });
    const result = await runExperiment(config, wasm);
    const last = result.records[result.records.length - 1];
    expect(result.records[0].preview).toBeUndefined();
    const preview = last.preview!;
    expect(preview.panels.map((p) => p.label)).toEqual(['input', 'masked', 'reconstruction']);
    const [input, masked, recon] = preview.panels.map((p) => p.pixels);
    const { size, count } = preview;
    expect(input.length).toBe(count * size * size * 3);
    const p = config.model.patchSize;
    const grid = size / p;
    for (let img = 0; img < count; img++) {
      let visible = 0;
      for (let gy = 0; gy < grid; gy++)
        for (let gx = 0; gx < grid; gx++) {
          const idx: number[] = [];
          for (let y = 0; y < p; y++) for (let x = 0; x < p; x++) for (let c = 0; c < 3; c++) idx.push(((img * size + gy * p + y) * size + gx * p + x) * 3 + c);
          const isVisible = idx.every((i) => masked[i] === input[i]);
          if (isVisible) {
            visible++;
            expect(idx.every((i) => recon[i] === input[i])).toBe(true);
          }
        }
      // 16 patches at mask ratio 0.75: 4 visible (a hidden patch could match its input only by chance)
      expect(visible).toBe(4);
    }
    expect(last.evalFlops).toBeGreaterThan(0);
  });
});
