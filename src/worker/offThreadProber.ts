/**
 * Probes on a second Web Worker (src/worker/probeWorker.ts), for the training worker. At each probe
 * step the training thread only reads the weights out and posts them; the probe worker scores them
 * on a core the training does not use (tfjs-wasm runs XNNPACK on half the logical cores, the cpu
 * backend on one), and the runner emits the record when the scores come back (src/train/runner.ts).
 *
 * If the probe worker fails (it cannot start its backend, or dies), the run fails naming the probe
 * step, with every record before it and its checkpoints kept, and later runs in this page probe in
 * their training thread. Scoring that probe here instead would interleave its kernels with the
 * training steps' and mix their FLOP counts.
 */
import type { BackendInfo, BackendName } from '../engine/backendIds';
import type { ExperimentConfig } from '../train/config';
import type { Prober } from '../train/prober';
import type { ProbeWorkerApi } from './probeWorker';
import { logicalCores, sideWorker } from './sideWorker';

/**
 * 'auto' probes off-thread from this many logical cores (tfjs-wasm trains on half of them). On the
 * 2-core VM a default run probed beside training took 4.6 s less than probed in-thread (median of
 * 7 pairs, docs/results.md), though the page's drawing shares that second core.
 */
const AUTO_MIN_CORES = 2;

/** Whether `config`'s probes go to a second worker on `backend`, and if not, why not. */
export function offThreadReason(config: ExperimentConfig, backend: BackendName, cores: number): string | null {
  if (config.probe.kind === 'none') return 'the run has no probe';
  const { offThread } = config.probe;
  if (offThread === 'off') return "probe.offThread is 'off'";
  if (backend !== 'wasm' && backend !== 'cpu') return `${backend} is not CPU-bound: its probes queue on the same device`;
  if (config.dataset.preset === 'imported') return 'imported images live in the training worker only';
  if (offThread === 'auto' && cores < AUTO_MIN_CORES) return `this machine reports ${cores} logical core: none to probe beside training ('on' forces it)`;
  return null;
}

/**
 * Why the probe worker failed in this page, once it has: later runs then probe in their own
 * thread rather than fail the same way.
 */
let brokenBecause: string | null = null;

/** The run's prober: on a second worker where offThreadReason allows, else none (the runner probes in-thread). */
export function proberFor(config: ExperimentConfig, backend: BackendInfo): Prober | undefined {
  const cores = logicalCores();
  const why = brokenBecause ? `the probe worker failed (${brokenBecause})` : offThreadReason(config, backend.name, cores);
  return why === null ? offThreadProber(config, backend.name) : undefined;
}

function offThreadProber(config: ExperimentConfig, backend: BackendName): Prober {
  const worker = new Worker(new URL('./probeWorker.ts', import.meta.url), { type: 'module', name: 'floplab-prober' });
  const { remote, call } = sideWorker<ProbeWorkerApi>(worker, 'probe worker');
  // Training does not wait for the worker to start: the first weights queue behind its start.
  const ready = call(remote.start(config, backend)).catch((e: unknown) => {
    brokenBecause = (e as Error).message;
    throw e;
  });
  ready.catch(() => undefined);
  return {
    offPath: true,
    start(trainer, request) {
      const weights = trainer.weights();
      const result = weights.then(async (w) => {
        try {
          await ready;
          return { ...(await call(remote.probe(w, request))), offThread: true };
        } catch (e) {
          brokenBecause ??= (e as Error).message;
          throw new Error(
            `the probe worker failed at step ${request.step}: ${(e as Error).message} (the next run probes in its training thread; probe.offThread 'off' does so from the start)`,
          );
        }
      });
      return { handoff: weights.then(() => undefined), result };
    },
    dispose: () => worker.terminate(),
  };
}
