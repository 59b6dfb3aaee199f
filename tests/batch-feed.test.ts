/**
 * Batches made ahead by a maker of their own (engine.batchWorker, src/train/batchFeed.ts): a run fed
 * them records the same losses, FLOPs and scores as a run that makes its batches itself, for methods
 * with views and captions too; a feed that fails or has not started costs nothing but the batches it
 * did not give; the feed asks at most BATCHES_AHEAD ahead and is closed when the run ends.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchNeeds, HostTrainBatch } from '../src/data/methodBatch';
import { aheadFeed, BATCHES_AHEAD, batchMakerFor, localBatchFeed, type BatchFeed } from '../src/train/batchFeed';
import { sameRun } from '../src/train/checkpoint';
import type { TrainRecord } from '../src/train/records';
import { runExperiment } from '../src/train/runner';
import { createTrainer } from '../src/train/trainer';
import { batchWorkerReason } from '../src/worker/offThreadBatches';
import { useWasmBackend } from '../tooling/tfjsBackends';
import { tinyWasmRun, WASM_INFO } from './tinyWasmRun';

beforeAll(useWasmBackend);

const wasm = WASM_INFO;
const tiny = tinyWasmRun;

const measured = ({ wallMs: _w, stepMs: _s, evalMs: _e, probeWorkerMs: _p, ...rest }: TrainRecord) => rest;
const nextTask = () => new Promise<void>((r) => setImmediate(r));

/** A feed that counts the batches it gave and whether it was closed. */
function counted(feed: BatchFeed) {
  const seen = { given: 0, closed: false };
  const wrapped: BatchFeed = {
    async take(step) {
      const host = await feed.take(step);
      if (host) seen.given++;
      return host;
    },
    started: feed.started,
    close() {
      seen.closed = true;
      feed.close();
    },
  };
  return { wrapped, seen };
}

describe('batches made ahead', () => {
  it('give the same records as batches made by the trainer: images, views and captions', async () => {
    for (const method of ['supervised', 'dino', 'clip'] as const) {
      const config = tiny({ method });
      const own = await runExperiment(config, wasm);
      let feed: ReturnType<typeof counted> | undefined;
      const fed = await runExperiment(config, wasm, {
        batchFeed: (needs) => (feed = counted(localBatchFeed(config, needs, nextTask))).wrapped,
      });
      expect(fed.records.map(measured), method).toEqual(own.records.map(measured));
      expect(feed!.seen.given, method).toBe(config.steps);
      expect(fed.batchesMadeAhead).toBe(config.steps);
      expect(own.batchesMadeAhead).toBeUndefined();
      expect(feed!.seen.closed).toBe(true);
    }
  });

  it('a maker of the same config makes the trainer’s floats, step by step', async () => {
    const config = tiny({ method: 'simclr' });
    const trainer = await createTrainer(config);
    const maker = batchMakerFor(trainer.config, trainer.batchNeeds);
    for (const step of [0, 5, 3]) {
      const batch = trainer.makeBatch(step);
      const host = maker.make(step, config.batchSize);
      expect(Array.from(await batch.images.data())).toEqual(Array.from(host.host.images));
      expect(batch.views!.length).toBe(2);
      for (const [i, v] of batch.views!.entries()) expect(Array.from(await v.data())).toEqual(Array.from(host.views[i]));
      batch.images.dispose();
      batch.views!.forEach((v) => v.dispose());
    }
    trainer.dispose();
  });

  it('a feed that fails from step 3 leaves the run as it would be: the trainer makes the rest', async () => {
    const config = tiny();
    const own = await runExperiment(config, wasm);
    let feed: ReturnType<typeof counted> | undefined;
    const fed = await runExperiment(config, wasm, {
      batchFeed: (needs: BatchNeeds) => (feed = counted(localBatchFeed(config, needs, nextTask, 3))).wrapped,
    });
    expect(fed.records.map(measured)).toEqual(own.records.map(measured));
    expect(feed!.seen.given).toBe(3); // steps 0, 1 and 2
  });

  it('gives nothing until its maker has started, then asks at most BATCHES_AHEAD ahead', async () => {
    const asked: number[] = [];
    let start!: () => void;
    const ready = new Promise<void>((r) => (start = r));
    const made = (step: number) => ({ host: { step } }) as unknown as HostTrainBatch;
    let stopped = 0;
    const feed = aheadFeed(
      ready,
      async (step) => (asked.push(step), made(step)),
      () => stopped++,
    );
    expect(await feed.take(0)).toBeNull();
    expect(asked).toEqual([1, 2]);
    start();
    expect(await feed.started).toBe(true);
    expect(await feed.take(1)).toEqual(made(1));
    expect(asked).toEqual([1, 2, 3]);
    expect(await feed.take(2)).toEqual(made(2));
    expect(asked).toEqual([1, 2, 3, 4]);
    feed.close();
    feed.close(); // twice is once: the bench closes after timing and again when it ends
    expect(stopped).toBe(1);
    expect(BATCHES_AHEAD).toBe(2);
    // A maker that cannot start: nothing asked is given, and the feed says so.
    const broken = aheadFeed(
      Promise.reject(new Error('no worker')),
      async (step) => made(step),
      () => undefined,
    );
    expect(await broken.started).toBe(false);
    expect(await broken.take(0)).toBeNull();
  });

  it('a checkpoint resumes wherever the batches are made: sameRun ignores engine.batchWorker, not engine.fused', () => {
    const config = tiny();
    expect(sameRun(config, tiny({ engine: { batchWorker: 'off' } }))).toBe(true);
    expect(sameRun(config, tiny({ engine: { fused: false } }))).toBe(false);
  });

  it('says why a run makes its batches in the training thread', () => {
    const config = tiny();
    expect(batchWorkerReason(config, 'wasm', 2)).toBeNull();
    expect(batchWorkerReason(config, 'cpu', 4)).toBeNull();
    expect(batchWorkerReason(config, 'wasm', 1)).toMatch(/1 logical core/);
    expect(batchWorkerReason(config, 'webgpu', 8)).toMatch(/webgpu/);
    expect(batchWorkerReason(tiny({ engine: { batchWorker: 'on' } }), 'webgpu', 1)).toBeNull();
    expect(batchWorkerReason(tiny({ engine: { batchWorker: 'off' } }), 'wasm', 8)).toMatch(/'off'/);
    expect(batchWorkerReason(tiny({ dataset: { preset: 'imported' } }), 'wasm', 8)).toMatch(/imported/);
  });
});
