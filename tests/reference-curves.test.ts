/**
 * The reference-curve export (tooling/referenceCurves.ts, issue 18 item 2) holds what the
 * lab trains on: a 2-step, 16 px BYOL and DINO run is exported, then a fresh Trainer of the same
 * config trains those 2 steps and every batch it feeds the method is compared with the export (its
 * float32 digest exactly, the float16 file to half-precision rounding), as are the initial weights
 * and the probe sets. A change in the data path (views, crops, probe set) then fails here rather
 * than training the PyTorch reference on data the lab never saw. The full curves (minutes) are
 * `npm run reference-curves`.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/train/config';
import { buildProbeSets, createTrainer } from '../src/train/trainer';
import { batchDigest, weightsDigest } from '../tooling/parity';
import { exportReference, fromHalfBits, probeSteps, toHalfBits, type Manifest } from '../tooling/referenceCurves';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const dir = mkdtempSync(join(tmpdir(), 'reference-curves-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configOf = (method: 'byol' | 'dino') =>
  resolveConfig({
    method,
    model: 'tiny',
    batchSize: 4,
    steps: 2,
    evalEvery: 1,
    seed: 3,
    backend: 'cpu',
    probe: { kind: 'knn', trainSize: 12, testSize: 8, dense: false },
  });

const f32 = (file: string) => {
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

describe('float16 packing', () => {
  it('rounds to nearest even and keeps the special values', () => {
    for (const x of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24, 3 * 2 ** -20, 0.1, -1.7, 123.456]) {
      const back = fromHalfBits(toHalfBits(x));
      expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25);
    }
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to the even mantissa
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalfBits(70000)).toBe(0x7c00);
    expect(toHalfBits(-0)).toBe(0x8000);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
  });
});

describe('reference-curve export', () => {
  for (const method of ['byol', 'dino'] as const) {
    it(`${method}: exports the initial weights, the views the trainer feeds and the probe sets`, async () => {
      const config = configOf(method);
      const out = join(dir, method);
      const exported: Float32Array[][] = [];
      const manifest: Manifest = await exportReference(config, out, (s, views) => (exported[s] = views.map((v) => Float32Array.from(v))));
      expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(manifest)));

      // Shapes: the method's views ([B, S, S, 3]: BYOL 2 at 16 px; DINO 2 globals, then its local crops), per step.
      const s = config.model.imageSize;
      const b = config.batchSize;
      const sizes = manifest.views.layout.map((l) => l.size);
      if (method === 'byol') expect(sizes).toEqual([s, s]);
      else expect(sizes).toEqual([s, s, ...Array<number>((config.methodOptions as { localCrops: number }).localCrops).fill(s / 2)]);
      for (const l of manifest.views.layout) expect(l.shape).toEqual([b, l.size, l.size, 3]);
      expect(manifest.views.elementsPerStep).toBe(sizes.reduce((n, v) => n + b * v * v * 3, 0));
      expect(statSync(join(out, manifest.views.file)).size).toBe(2 * manifest.views.elementsPerStep * config.steps);
      expect(manifest.steps.map((x) => x.step)).toEqual([0, 1]);
      expect(manifest.probe.steps).toEqual(probeSteps(config));
      expect(manifest.probe.steps).toEqual([1, 2]);
      expect(manifest.probe.train.shape).toEqual([12, s, s, 3]);
      expect(manifest.probe.test.shape).toEqual([8, s, s, 3]);
      expect(manifest.readout).toBe('cls');
      expect(Object.keys(manifest.weights).some((n) => n.startsWith('encoder.'))).toBe(true);
      expect(Object.keys(manifest.weights).some((n) => n.startsWith(method === 'byol' ? 'byol.target.' : 'dino.teacher.'))).toBe(true);

      // What a fresh trainer of the same config starts from and feeds the method, step by step.
      const trainer = await createTrainer(config);
      try {
        expect(weightsDigest(trainer)).toBe(manifest.weightsDigest);
        const fed: { digest: string; views: Float32Array[] }[] = [];
        const makeBatch = trainer.makeBatch.bind(trainer);
        trainer.makeBatch = (step: number) => {
          const batch = makeBatch(step);
          fed[step] = { digest: batchDigest(batch), views: batch.views!.map((v) => Float32Array.from(v.dataSync() as Float32Array)) };
          return batch;
        };
        const half = readFileSync(join(out, manifest.views.file));
        const halves = new Uint16Array(half.buffer, half.byteOffset, half.byteLength / 2);
        for (let step = 0; step < config.steps; step++) {
          expect(trainer.lrAt(step)).toBe(manifest.steps[step].lr);
          trainer.step(step).loss.dispose();
          expect(fed[step].digest, `step ${step}: the trainer fed another batch than the export's`).toBe(manifest.steps[step].batchDigest);
          let at = step * manifest.views.elementsPerStep;
          fed[step].views.forEach((v, i) => {
            expect(v).toEqual(exported[step][i]);
            let worst = 0;
            for (let j = 0; j < v.length; j++) worst = Math.max(worst, Math.abs(fromHalfBits(halves[at + j]) - v[j]) - (Math.abs(v[j]) * 2 ** -11 + 2 ** -25));
            expect(worst, `step ${step} view ${i}: the float16 file is not the fed view`).toBeLessThanOrEqual(0);
            at += v.length;
          });
        }
        const sets = buildProbeSets(config, trainer.dataset);
        try {
          expect(f32(join(out, manifest.probe.train.file))).toEqual(sets.train.images.dataSync());
          expect(f32(join(out, manifest.probe.test.file))).toEqual(sets.test.images.dataSync());
          expect(manifest.probe.train.labels).toEqual(Array.from(sets.train.labels));
          expect(manifest.probe.test.labels).toEqual(Array.from(sets.test.labels));
          expect(manifest.probe.numClasses).toBe(sets.numClasses);
        } finally {
          tf.dispose([sets.train.images, sets.test.images]);
        }
      } finally {
        trainer.dispose();
      }
    });
  }
});
