/**
 * The batch worker: a second Web Worker that the training worker starts for a run whose batches are
 * made off the training thread (engine.batchWorker; src/worker/offThreadBatches.ts). It builds the
 * run's batch maker from the same config (src/train/batchFeed.ts) and makes the batches it is asked
 * for, handing their arrays over without a copy. No tfjs here: making a batch runs no kernel.
 */
import * as Comlink from 'comlink';
import type { BatchMaker, BatchNeeds, HostTrainBatch } from '../data/methodBatch';
import { batchMakerFor } from '../train/batchFeed';
import type { ExperimentConfig } from '../train/config';

export interface BatchWorkerApi {
  start(config: ExperimentConfig, needs: BatchNeeds): void;
  make(step: number): HostTrainBatch;
}

let maker: { batches: BatchMaker; batchSize: number } | null = null;

const api: BatchWorkerApi = {
  start(config, needs) {
    maker = { batches: batchMakerFor(config, needs), batchSize: config.batchSize };
  },
  make(step) {
    if (!maker) throw new Error('the batch worker was not started');
    const made = maker.batches.make(step, maker.batchSize);
    // The raw pixels served the views, made here; the training thread uploads the rest.
    const batch: HostTrainBatch = { ...made, host: { ...made.host, pixels: [] } };
    const buffers = [batch.host.images.buffer, ...batch.views.map((v) => v.buffer), ...(batch.tokenIds ? [batch.tokenIds.buffer] : [])];
    return Comlink.transfer(batch, buffers as ArrayBuffer[]);
  },
};

Comlink.expose(api);
