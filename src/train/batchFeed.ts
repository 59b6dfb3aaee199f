/**
 * Where a run's training batches are made. The batch maker is TypeScript on the CPU (scenes drawn,
 * views cropped and jittered, captions tokenised): 3.9 ms of a 27 ms toy-B supervised step on wasm,
 * 6-7.5 ms of the two-view methods' (docs/results.md). Made in the training thread, that time adds
 * to every step; made ahead on a second Web Worker (src/worker/offThreadBatches.ts), it runs on a
 * core the step does not use and the step only uploads the arrays.
 *
 * A step's batch is a pure function of the config and the step (the data source draws each step's
 * images from a stream seeded by the step, and the views of (step, image, view) from their own;
 * src/data/methodBatch.ts), so a maker built from the same config in another thread makes the same
 * floats, and a run's records are the same either way (tests/batch-feed.test.ts,
 * e2e/runs.spec.ts). Making batches runs no kernel: no FLOP moves between threads.
 */
import { Rng } from '../engine/rng';
import { BatchMaker, type BatchNeeds, type HostTrainBatch } from '../data/methodBatch';
import { createDataSource } from '../data/presets';
import type { DataSource } from '../data/source';
import type { ExperimentConfig } from './config';

/**
 * The run's batch maker: what the trainer builds over its own data source, and what a batch worker
 * builds from the same config (the augmentation stream is split from the seed, never drawn from).
 */
export function batchMakerFor(
  config: ExperimentConfig,
  needs: BatchNeeds,
  dataset: DataSource = createDataSource(config.dataset, config.model.imageSize, config.seed),
): BatchMaker {
  return new BatchMaker(dataset, needs, new Rng(config.seed), config.method);
}

export interface BatchFeed {
  /**
   * The host batch of `step`, made elsewhere, or null: then the trainer makes it itself (the feed
   * has not started yet, or it failed). Also asks for the next steps' batches.
   */
  take(step: number): Promise<HostTrainBatch | null>;
  /** Resolves true once the maker runs, false if it failed to start (a bench waits for it; a run does not). */
  readonly started: Promise<boolean>;
  close(): void;
}

/** How many batches a feed keeps made ahead of the step being trained. */
export const BATCHES_AHEAD = 2;

/**
 * A feed over an asynchronous maker (a worker's, or a stand-in's): asks for up to BATCHES_AHEAD
 * batches ahead and hands each over when its step comes. Until `ready` resolves it returns null
 * (the trainer makes the first batches while the worker starts); once the maker has failed it asks
 * for nothing more and returns null for every batch it does not have, so a failed worker costs the
 * run nothing but its own time.
 */
export function aheadFeed(ready: Promise<void>, make: (step: number) => Promise<HostTrainBatch>, stop: () => void): BatchFeed {
  const asked = new Map<number, Promise<HostTrainBatch>>();
  let started = false;
  let failed = false;
  let closed = false;
  const settled = ready.then(
    () => (started = true),
    () => !(failed = true),
  );
  const ask = (step: number) => {
    if (asked.has(step)) return;
    const made = make(step);
    made.catch(() => (failed = true));
    asked.set(step, made);
  };
  return {
    async take(step) {
      for (const s of asked.keys()) if (s < step) asked.delete(s);
      for (let s = step + 1; s <= step + BATCHES_AHEAD && !failed; s++) ask(s);
      if (!started) return null;
      if (!asked.has(step) && !failed) ask(step);
      const mine = asked.get(step);
      if (!mine) return null;
      try {
        return await mine;
      } catch {
        return null;
      } finally {
        asked.delete(step);
      }
    },
    started: settled,
    close() {
      asked.clear();
      if (closed) return;
      closed = true;
      stop();
    },
  };
}

/**
 * A feed in this same thread whose batches come from a maker of their own, each handed over after
 * `delay`: the runner's use of a feed, tested without a worker. `fail` makes the maker throw from
 * that step on, as a dying worker would.
 */
export function localBatchFeed(config: ExperimentConfig, needs: BatchNeeds, delay: () => Promise<void> = async () => {}, fail?: number): BatchFeed {
  const maker = batchMakerFor(config, needs);
  return aheadFeed(
    Promise.resolve(),
    async (step) => {
      await delay();
      if (fail !== undefined && step >= fail) throw new Error(`the stand-in maker fails from step ${fail}`);
      return maker.make(step, config.batchSize);
    },
    () => undefined,
  );
}
