import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlopCounter } from '../src/engine/flops/counter';
import { Rng } from '../src/engine/rng';
import { VitEncoder, type VitConfig } from '../src/models/vit';
import { densePatchProbe, densePatchSets, majorityPatchLabels, patchProbeOnFeatures } from '../src/eval/densePatchProbe';
import { adeSplit, IGNORE_INDEX, NUM_SEG_CLASSES } from '../src/transfer/ade';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

describe('majority class per patch', () => {
  it('takes the most frequent class of each patch, ties to the lowest class, ignored pixels do not vote', () => {
    // One 4x4 mask in 2x2 patches (rows top to bottom):
    //   patch (0,0): 1 1 / 1 0  -> 1 (three votes)
    //   patch (0,1): 2 3 / 3 2  -> 2 (tie 2:2 with 3, lowest wins)
    //   patch (1,0): 255 255 / 255 4 -> 4 (only labelled pixel)
    //   patch (1,1): 255 255 / 255 255 -> 255 (nothing labelled)
    const mask = Uint8Array.from([1, 1, 2, 3, 1, 0, 3, 2, 255, 255, 255, 255, 255, 4, 255, 255]);
    expect(Array.from(majorityPatchLabels(mask, 1, 4, 2, 6))).toEqual([1, 2, 4, IGNORE_INDEX]);
    // A tie between background and an object goes to background (class 0).
    expect(Array.from(majorityPatchLabels(Uint8Array.from([0, 5, 5, 0]), 1, 2, 2, 6))).toEqual([0]);
    // Two images, patch = whole image: per-image majorities.
    expect(Array.from(majorityPatchLabels(Uint8Array.from([3, 3, 3, 1, 0, 2, 2, 2]), 2, 2, 2, 6))).toEqual([3, 2]);
    expect(() => majorityPatchLabels(mask, 1, 4, 3, 6)).toThrow(/patchSize 3 must divide imageSize 4/);
    expect(() => majorityPatchLabels(Uint8Array.from([0, 9, 0, 0]), 1, 2, 2, 6)).toThrow(/mask value 9/);
  });

  it('builds its sets from the ADE-like splits at the given image and patch size', () => {
    const sets = densePatchSets(3, 32, 8, 6, 4);
    expect(sets.numClasses).toBe(NUM_SEG_CLASSES);
    expect(sets.train.labels).toHaveLength(6 * 16);
    expect(sets.test.labels).toHaveLength(4 * 16);
    const train = adeSplit(3, 'train', 6, 32);
    expect(sets.train.images).toEqual(train.images);
    expect(sets.train.labels).toEqual(majorityPatchLabels(train.masks, 6, 32, 8, NUM_SEG_CLASSES));
    expect(sets.test.images).toEqual(adeSplit(3, 'val', 4, 32).images);
  });
});

describe('dense patch probe', () => {
  it('scores patch mIoU 1.0 on features that are the one-hot of the class, without leaking', async () => {
    const k = 4;
    const rng = new Rng(2);
    const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i < k ? i : rng.int(k)));
    const trainY = labels(64);
    const testY = labels(32);
    testY[5] = IGNORE_INDEX; // ignored rows are skipped
    const oneHot = (y: Uint8Array) =>
      tf.tensor2d(
        Float32Array.from({ length: y.length * k }, (_, i) => (y[Math.floor(i / k)] === i % k ? 1 : 0)),
        [y.length, k],
      );
    const trainX = oneHot(trainY);
    const testX = oneHot(testY);
    const before = tf.memory().numTensors;
    const r = await patchProbeOnFeatures(trainX, trainY, testX, testY, k, { steps: 100 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.miou).toBe(1);
    expect(r.patchAccuracy).toBe(1);
    expect(r.perClassIoU).toEqual([1, 1, 1, 1]);
    expect(r.trainPatches).toBe(64);
    expect(r.testPatches).toBe(31);
    tf.dispose([trainX, testX]);
  });

  it('scores what a constant feature allows: the majority class everywhere', async () => {
    // Features carry no information: the probe can only learn the prior, and predicts class 0 (the majority) everywhere.
    const trainY = Uint8Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const testY = Uint8Array.from({ length: 20 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const trainX = tf.ones([40, 3]) as tf.Tensor2D;
    const testX = tf.ones([20, 3]) as tf.Tensor2D;
    const r = await patchProbeOnFeatures(trainX, trainY, testX, testY, 2);
    // Class 0: 15 of 20 predicted right (IoU 15/20); class 1: never predicted (IoU 0).
    expect(r.perClassIoU[0]).toBeCloseTo(0.75, 12);
    expect(r.perClassIoU[1]).toBe(0);
    expect(r.miou).toBeCloseTo(0.375, 12);
    tf.dispose([trainX, testX]);
  });

  it('runs on a frozen encoder: deterministic, encoder untouched, no leak, all FLOPs counted under the caller eval phase', async () => {
    const cfg: VitConfig = { imageSize: 32, patchSize: 8, dim: 16, depth: 1, heads: 2, mlpDim: 32, pool: 'cls' };
    const enc = new VitEncoder(cfg, new Rng(4));
    const sets = densePatchSets(1, 32, 8, 16, 8);
    await densePatchProbe(enc, sets, { steps: 5 }); // warm-up: the encoder caches its position embedding once
    const weights = await Promise.all(enc.variables.map((v) => v.data()));
    const before = tf.memory().numTensors;
    const counter = new FlopCounter();
    counter.begin('eval');
    const a = await densePatchProbe(enc, sets, { steps: 20, chunk: 5 });
    const counts = counter.end();
    expect(tf.memory().numTensors).toBe(before);
    const b = await densePatchProbe(enc, sets, { steps: 20 });
    // Chunking the feature pass changes nothing but memory.
    expect(b.miou).toBeCloseTo(a.miou, 5);
    expect(a.perClassIoU).toHaveLength(NUM_SEG_CLASSES);
    expect(a.miou).toBeGreaterThan(0);
    expect(a.miou).toBeLessThanOrEqual(1);
    expect(a.trainPatches).toBe(16 * 16);
    expect(a.testPatches).toBe(8 * 16);
    expect(counts.total).toBeGreaterThan(0);
    expect(counts.byPhase.eval).toBe(counts.total);
    (await Promise.all(enc.variables.map((v) => v.data()))).forEach((w, i) => expect(w).toEqual(weights[i]));
    const wrong = densePatchSets(1, 16, 4, 8, 8);
    await expect(densePatchProbe(enc, wrong)).rejects.toThrow(/takes 32px images in 8px patches but the set has 16px images in 4px patches/);
    enc.dispose();
  });
});
