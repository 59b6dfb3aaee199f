/**
 * The trainer on every preset: each method gets what it needs from each dataset
 * (labels, caption-derived labels, captions or pseudo-captions), refuses what a
 * dataset cannot give with a reason, and a run's transfer evaluation lands at
 * the run's cumulative pre-training FLOPs with its own FLOPs kept apart.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/train/config';
import { createTrainer } from '../src/train/trainer';
import { runExperiment } from '../src/train/runner';
import type { BackendInfo } from '../src/engine/backendIds';
import { detokenize } from '../src/data/tokenize';
import { registerImportedProvider } from '../src/data/presets';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const cpu: BackendInfo = { name: 'cpu', reason: 'test', isSoftware: false, timestampQuery: false };
const tiny = (overrides: Record<string, unknown>) =>
  defaultConfig({ model: 'tiny', batchSize: 8, steps: 2, backend: 'cpu', probe: { trainSize: 16, testSize: 8, dense: false }, ...overrides });

async function tokensOf(config: ReturnType<typeof tiny>): Promise<string[]> {
  const trainer = await createTrainer(config);
  try {
    const batch = trainer.makeBatch(0);
    const maxLen = batch.tokens!.shape[1];
    const texts = Array.from({ length: 8 }, (_, i) => detokenize(batch.tokenIds!.subarray(i * maxLen, (i + 1) * maxLen)));
    tf.dispose(batch as unknown as tf.TensorContainer);
    return texts;
  } finally {
    trainer.dispose();
  }
}

describe('datasets in training', () => {
  it('supervised on ALIGN-like trains on caption-derived labels, never on an unlabelled image', async () => {
    const trainer = await createTrainer(tiny({ dataset: { preset: 'align' } }));
    try {
      const batch = trainer.makeBatch(0);
      const t = batch.targets!.arraySync();
      // Smoothed targets: every row sums to 1 and has a labelled class above the smoothing floor.
      for (const row of t) {
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(Math.max(...row)).toBeGreaterThan(0.1);
      }
      tf.dispose(batch as unknown as tf.TensorContainer);
    } finally {
      trainer.dispose();
    }
  });

  it('CLIP reads captions where the dataset has them and pseudo-captions otherwise (auto)', async () => {
    const coco = await tokensOf(tiny({ method: 'clip', dataset: { preset: 'coco' } }));
    expect(coco.every((c) => !c.includes('this is a photo'))).toBe(true);
    const jft = await tokensOf(tiny({ method: 'clip', dataset: { preset: 'jft' } }));
    // Fine labels only: "a red circle", never the parent class repeated.
    expect(jft.every((c) => c.startsWith('this is a photo of'))).toBe(true);
    expect(jft.some((c) => /(red|orange|yellow|green|blue|purple|white|black) /.test(c))).toBe(true);
  });

  it('refuses, with the reason, what a dataset cannot feed', async () => {
    await expect(createTrainer(tiny({ method: 'clip', dataset: { preset: 'imagenet-1k' }, methodOptions: { captionSource: 'scene' } }))).rejects.toThrow(
      "methodOptions.captionSource 'scene' needs captions, and the ImageNet-1K-like dataset has none; use 'pseudo' or 'auto'",
    );
    registerImportedProvider(null);
    await expect(createTrainer(tiny({ dataset: { preset: 'imported' } }))).rejects.toThrow(/import a folder or zip first/);
  });

  it('a run leaves no tensor behind once its trainer is disposed (optimiser moments included)', async () => {
    const before = tf.memory().numTensors;
    const trainer = await createTrainer(tiny({ method: 'byol', dataset: { preset: 'coco' } }));
    const { loss } = trainer.step(0);
    loss.dispose();
    await trainer.probe();
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fine-tunes after the run: scratch baseline first, then the point at the run FLOPs, FLOPs apart', async () => {
    const transfer = { kind: 'segmentation', steps: 2, batchSize: 4, trainSize: 8, valSize: 8, warmupSteps: 1, seeds: 2 };
    const config = tiny({ steps: 3, evalEvery: 3, transfer: { ...transfer, at: [1] } });
    const before = tf.memory().numTensors;
    const result = await runExperiment(config, cpu);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.transfer.map((t) => [t.init, t.step])).toEqual([
      ['scratch', 0],
      ['pretrained', 1],
      ['pretrained', 3],
    ]);
    const flopsAt = (step: number) => result.records.find((r) => r.step === step)!.flops;
    expect(result.transfer[1].pretrainFlops).toBe(flopsAt(1));
    expect(result.transfer[2].pretrainFlops).toBe(flopsAt(3));
    for (const t of result.transfer) {
      expect(t.runs.map((r) => r.seed)).toEqual([0, 1]);
      // Median of two seeds is their mean.
      expect(t.miou).toBeCloseTo((t.runs[0].miou + t.runs[1].miou) / 2, 12);
      expect(t.finetuneFlops).toBe(t.runs[0].flops + t.runs[1].flops);
      expect(t.finetuneFlops).toBeGreaterThan(0);
    }
    // Fine-tuning the same encoder twice gives the same FLOPs: the count is of kernels, not of time.
    expect(result.transfer[1].finetuneFlops).toBe(result.transfer[2].finetuneFlops);
    // Pre-training FLOPs are those of the steps alone: fine-tuning never adds to them.
    expect(flopsAt(3)).toBe(3 * flopsAt(1));
  });
});
