import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng';
import { VitEncoder, type VitConfig } from '../src/models/vit';
import { vitFlops } from '../src/models/vitFlops';
import { finetuneSegmentation, transferEvaluation } from '../src/transfer/finetune';
import { segHeadFlops } from '../src/transfer/segFlops';
import { NUM_SEG_CLASSES } from '../src/transfer/ade';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const micro: VitConfig = { imageSize: 16, patchSize: 4, dim: 16, depth: 1, heads: 2, mlpDim: 32, pool: 'cls' };
const quick = { steps: 3, batchSize: 4, warmupSteps: 1, headWidth: 8, trainSize: 8, valSize: 8 };

describe('segmentation fine-tuning', () => {
  it('is deterministic, leaks no tensors, leaves the init encoder untouched and counts eval FLOPs exactly', async () => {
    const init = new VitEncoder(micro, new Rng(5));
    const before = await Promise.all(init.variables.map((v) => v.data()));
    const tensors = tf.memory().numTensors;
    const a = await finetuneSegmentation({ model: micro, init, settings: quick, seed: 3 });
    expect(tf.memory().numTensors).toBe(tensors);
    const b = await finetuneSegmentation({ model: micro, init, settings: quick, seed: 3 });
    expect(b).toEqual(a);
    const after = await Promise.all(init.variables.map((v) => v.data()));
    after.forEach((values, i) => expect(values).toEqual(before[i]));

    expect(a.steps).toBe(3);
    expect(a.stopped).toBe(false);
    expect(a.miou).toBeGreaterThan(0);
    expect(a.miou).toBeLessThanOrEqual(1);
    expect(a.perClassIoU).toHaveLength(NUM_SEG_CLASSES);
    expect(NUM_SEG_CLASSES).toBe(6); // background + the ADE-like set's 5 shape classes
    expect(Number.isFinite(a.finalLoss)).toBe(true);
    // Evaluation: 2 batches of 4 validation images, each encoder forward + head forward + argmax over the logits.
    const head = { dim: 16, grid: 4, imageSize: 16, width: 8, numClasses: NUM_SEG_CLASSES };
    const evalBatch = vitFlops(micro, 4).forward + segHeadFlops(head, 4).forward + 4 * 16 * 16 * NUM_SEG_CLASSES;
    expect(a.evalFlops).toBe(2 * evalBatch);
    // Training: at least encoder + head forward and backward per step, and the loss and AdamW on top (a few percent).
    const perStep = a.trainFlops / 3;
    const core = vitFlops(micro, 4).total + segHeadFlops(head, 4).total;
    expect(perStep).toBeGreaterThan(core);
    expect(perStep).toBeLessThan(1.15 * core); // measured 1.09 on this config
    expect(a.flops).toBe(a.trainFlops + a.evalFlops);
    init.dispose();
  });

  it('stops between steps when asked, without evaluating or leaking', async () => {
    const tensors = tf.memory().numTensors;
    let calls = 0;
    const r = await finetuneSegmentation({ model: micro, init: null, settings: quick, seed: 1, shouldStop: () => calls++ >= 1 });
    expect(r).toMatchObject({ stopped: true, steps: 1, evalFlops: 0 });
    expect(r.miou).toBeNaN();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('repeats over seeds on one ADE-like set and reports the median', async () => {
    const progress: [number, number][] = [];
    const r = await transferEvaluation({
      model: micro,
      init: null,
      settings: { ...quick, steps: 2, seeds: 2 },
      seed: 7,
      onProgress: (i, s) => progress.push([i, s]),
    });
    expect(r.runs.map((run) => run.seed)).toEqual([7, 8]);
    expect(r.median).toBeCloseTo((r.runs[0].miou + r.runs[1].miou) / 2, 12);
    expect(r.flops).toBe(r.runs[0].flops + r.runs[1].flops);
    expect(progress).toEqual([
      [0, 1],
      [0, 2],
      [1, 1],
      [1, 2],
    ]);
  });

  it('rejects an init encoder of another shape and bad settings, naming them', async () => {
    const other = new VitEncoder({ ...micro, dim: 32, mlpDim: 64 }, new Rng(0));
    await expect(finetuneSegmentation({ model: micro, init: other, settings: quick, seed: 0 })).rejects.toThrow(/init encoder has dim 32 but model has dim 16/);
    await expect(finetuneSegmentation({ model: micro, init: null, settings: { ...quick, steps: 0 }, seed: 0 })).rejects.toThrow(/SegSettings.steps/);
    other.dispose();
  });
});
