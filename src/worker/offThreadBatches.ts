/**
 * Training batches made ahead on a second Web Worker (src/worker/batchWorker.ts), for the training
 * worker: the batch maker (TypeScript: scenes, views, captions) runs on a core the steps do not use,
 * and the step only uploads its arrays (src/train/batchFeed.ts). The same floats either way.
 *
 * If the batch worker cannot start or dies, the trainer makes the batches it does not have, as it
 * does without the worker: nothing is lost, and no FLOP is counted in another place (making a batch
 * runs no kernel).
 */
import * as Comlink from 'comlink';
import type { BackendName } from '../engine/backendIds';
import type { BatchNeeds } from '../data/methodBatch';
import { aheadFeed, type BatchFeed } from '../train/batchFeed';
import type { ExperimentConfig } from '../train/config';
import type { BatchWorkerApi } from './batchWorker';
import { logicalCores, sideWorker } from './sideWorker';

/** 'auto' makes batches off-thread from this many logical cores (tfjs-wasm trains on one of two). */
const AUTO_MIN_CORES = 2;

/** Whether `config`'s batches are made on a second worker on `backend`, and if not, why not. */
export function batchWorkerReason(config: ExperimentConfig, backend: BackendName, cores: number): string | null {
  const { batchWorker } = config.engine;
  if (batchWorker === 'off') return "engine.batchWorker is 'off'";
  if (config.dataset.preset === 'imported') return 'imported images live in the training worker only';
  if (batchWorker === 'on') return null;
  if (backend !== 'wasm' && backend !== 'cpu') return `${backend} trains off the CPU: 'auto' leaves its batches in the training thread ('on' moves them)`;
  if (cores < AUTO_MIN_CORES) return `this machine reports ${cores} logical core: none to make batches beside training ('on' forces it)`;
  return null;
}

/** The run's batch feed: a second worker where batchWorkerReason allows, else none (the trainer makes its batches). */
export function batchFeedFor(config: ExperimentConfig, backend: BackendName): ((needs: BatchNeeds) => BatchFeed) | undefined {
  const cores = logicalCores();
  return batchWorkerReason(config, backend, cores) === null ? (needs) => workerFeed(config, needs) : undefined;
}

function workerFeed(config: ExperimentConfig, needs: BatchNeeds): BatchFeed {
  const worker = new Worker(new URL('./batchWorker.ts', import.meta.url), { type: 'module', name: 'floplab-batches' });
  const { remote, call } = sideWorker<BatchWorkerApi>(worker, 'batch worker');
  return aheadFeed(
    call(remote.start(config, needs)),
    (step) => call(remote.make(step)),
    () => {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  );
}
