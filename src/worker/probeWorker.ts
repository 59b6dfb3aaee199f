/**
 * The probe worker: a second Web Worker that the training worker starts for a run whose probes run
 * off the training thread (probe.offThread; src/worker/offThreadProber.ts). It holds a trainer of
 * the run's config on the same backend and scores the copies of the weights it is sent, while the
 * training worker goes on with its steps on another core.
 */
import * as Comlink from 'comlink';
import { initBackend } from '../engine/backend';
import type { BackendName } from '../engine/backendIds';
import type { TensorData } from '../train/checkpoint';
import type { ExperimentConfig } from '../train/config';
import { SnapshotProber, type ProbeOutcome, type ProbeRequest } from '../train/prober';
import { browserLoaders } from './loaders';

export interface ProbeWorkerApi {
  /** Starts `backend` (the one the run trains on) and keeps `config` for the probes; rejects if that backend does not start here. */
  start(config: ExperimentConfig, backend: BackendName): Promise<void>;
  probe(weights: TensorData[], request: ProbeRequest): Promise<ProbeOutcome>;
}

let prober: SnapshotProber | null = null;

const api: ProbeWorkerApi = {
  async start(config, backend) {
    const info = await initBackend(backend, browserLoaders);
    // The same kernels as the training thread, or the scores would differ from an in-thread probe's.
    if (info.name !== backend) throw new Error(`the probe worker got ${info.name}, not ${backend}: ${info.reason}`);
    prober?.dispose();
    prober = new SnapshotProber(config);
  },
  probe(weights, request) {
    if (!prober) throw new Error('the probe worker was not started');
    return prober.probe(weights, request);
  },
};

Comlink.expose(api);
