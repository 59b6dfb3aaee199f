/**
 * The Web Worker that owns tfjs. The page never touches tensors: it sends plain
 * JSON configs and receives plain records, so it stays responsive while this
 * worker trains.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { initBackend, listBackends } from '../engine/backend';
import { resolveConfig, type ExperimentConfig } from '../train/config';
import { estimateMemory, withoutProbe } from '../train/memoryEstimate';
import { checkMemoryFits } from '../train/memoryFit';
import { memoryLimits } from '../engine/memoryLimits';
import { RunControl, runExperiment } from '../train/runner';
import { profileStep } from '../train/profile';
import { benchSteps } from '../train/bench';
import { profileVariant } from '../experiments/compare';
import { comparisonPlan, notProfiledMessage } from '../experiments/paperScale';
import { installKernelHooks, uninstallKernelHooks } from '../engine/flops/counter';
import type { BackendChoice, BackendInfo } from '../engine/backendIds';
import type { LabWorkerApi, WorkerEvent } from './protocol';
import { browserLoaders, wasmThreadsNote } from './loaders';
import { multiplyAddNote } from '../engine/fused/wasm/simd/instance';
import { proberFor } from './offThreadProber';
import { batchFeedFor } from './offThreadBatches';
import { exploreDataset } from '../train/explore';
import { clearImported, importedProvider, importedSnapshot, importImages, restoreImported } from './importService';
import { registerImportedProvider } from '../data/presets';

// Dataset preset 'imported' reads the images this worker holds.
registerImportedProvider(importedProvider);

let backend: BackendInfo | null = null;
let backendChoice: BackendChoice | null = null;
let control: RunControl | null = null;

/** Why the WebGPU device was lost, once it was: every later call refuses (the page restarts this worker). */
let deviceLost: string | null = null;

type GpuDeviceLike = { lost: Promise<{ reason: string; message: string }>; destroy(): void };
const webgpuDevice = (): GpuDeviceLike | null =>
  tf.getBackend() === 'webgpu' ? ((tf.backend() as unknown as { device?: GpuDeviceLike }).device ?? null) : null;

async function ensureBackend(choice: BackendChoice): Promise<BackendInfo> {
  if (deviceLost) throw new Error(`WebGPU device lost: ${deviceLost}`);
  if (!backend || choice !== backendChoice) {
    backend = await initBackend(choice, browserLoaders);
    if (backend.name === 'wasm') backend = { ...backend, reason: `${backend.reason}; ${wasmThreadsNote()}; ${multiplyAddNote()}` };
    backendChoice = choice;
    // A lost device (driver reset, GPU removed, or the test hook) ends the run at its next step.
    void webgpuDevice()?.lost.then((info) => {
      deviceLost = `${info.reason || 'unknown'}${info.message ? `: ${info.message}` : ''}`;
      control?.fail(new Error(`WebGPU device lost (${deviceLost})`));
    });
  }
  return backend;
}

// Calls run one after another (a backend switch must not interleave with a
// step), and nothing but pause/resume/stop is accepted while a run trains.
let chain: Promise<unknown> = Promise.resolve();
function exclusive<T>(what: string, f: () => Promise<T>): Promise<T> {
  if (control) return Promise.reject(new Error(`cannot ${what}: a run is in progress (stop it first)`));
  const next = chain.then(f, f);
  chain = next.catch(() => undefined);
  return next;
}

/**
 * A lost device shows up first as whatever call was in flight failing (a
 * readback: "mapAsync ... unmapped"); the `lost` promise settles a moment
 * later. Name the cause so the page knows to replace this worker.
 */
/** Refuses, before any tensor exists, a config whose estimated memory cannot fit this backend (naming the field to change). */
function fitsInMemory(config: ExperimentConfig, info: BackendInfo): void {
  const refusal = checkMemoryFits(estimateMemory(config), memoryLimits(info));
  if (refusal) throw new Error(refusal.message);
}

async function runAndNameDeviceLoss<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    // The lost promise can settle after the failed call does (seen past 200 ms on a loaded machine): wait up to 2 s, only on this error path.
    if (!deviceLost && webgpuDevice()) await Promise.race([webgpuDevice()!.lost, new Promise((r) => setTimeout(r, 2000))]);
    if (deviceLost && !/device lost/i.test((e as Error).message)) throw new Error(`WebGPU device lost (${deviceLost}): ${(e as Error).message}`);
    throw e;
  }
}

const api: LabWorkerApi = {
  init: (choice) => exclusive('switch backend', () => ensureBackend(choice)),
  backends: () => listBackends(browserLoaders),
  profileStep: (input) =>
    exclusive('profile a step', async () => {
      const config = resolveConfig(input);
      // A profile runs no probe: its memory is priced without one (paper scale fits wasm's heap).
      fitsInMemory(withoutProbe(config), await ensureBackend(config.backend));
      return profileStep(config);
    }),
  run: (input, onEvent: (e: WorkerEvent) => void, resumeFrom) =>
    exclusive(resumeFrom ? 'resume a run' : 'start a run', async () => {
      const config = resolveConfig(input);
      const info = await ensureBackend(config.backend);
      onEvent({ type: 'backend', backend: info });
      fitsInMemory(config, info);
      const runControl = new RunControl();
      runControl.onHeld = (stepsDone) => onEvent({ type: 'held', stepsDone });
      control = runControl;
      try {
        return await runAndNameDeviceLoss(() =>
          runExperiment(
            config,
            info,
            {
              control: runControl,
              prober: proberFor(config, info),
              batchFeed: batchFeedFor(config, info.name),
              onProfile: (profile) => onEvent({ type: 'profile', profile }),
              onBaseline: (baseline) => onEvent({ type: 'baseline', baseline }),
              onRecord: (record) => onEvent({ type: 'record', record }),
              onTransfer: (record) => onEvent({ type: 'transfer', record }),
              onTransferProgress: (progress) => onEvent({ type: 'transfer-progress', progress }),
              onCheckpoint: (checkpoint) => onEvent({ type: 'checkpoint', checkpoint }),
            },
            resumeFrom,
          ),
        );
      } finally {
        control = null;
      }
    }),
  pause: () => control?.pause(),
  resume: () => control?.resume(),
  stop: () => control?.stop(),
  benchmark: (input, opts) =>
    exclusive('benchmark', async () => {
      const config = resolveConfig(input);
      const info = await ensureBackend(config.backend);
      fitsInMemory(withoutProbe(config), info); // a benchmark times steps only
      if (!opts.hooks) uninstallKernelHooks(info.name);
      try {
        return { ...(await benchSteps(config, opts, batchFeedFor(config, info.name))), backend: info };
      } finally {
        installKernelHooks(info.name);
      }
    }),
  compareMethods: (input, onRow) =>
    exclusive('compare methods', async () => {
      const config = resolveConfig(input);
      // Each variant at the largest batch up to the config's that fits this backend (at paper scale on wasm
      // some need a smaller batch, some fit at none); the ones left out are named once the rest are profiled.
      const plan = comparisonPlan(config, memoryLimits(await ensureBackend(config.backend)));
      const rows = [];
      for (const { variant, batchSize } of plan) {
        if (batchSize === 0) continue;
        const label = batchSize < config.batchSize ? `${variant.label} (batch ${batchSize})` : variant.label;
        const row = await profileVariant({ ...config, batchSize }, { ...variant, label });
        rows.push(row);
        await onRow(row); // in order: the row reaches the page before the final result
      }
      const left = notProfiledMessage(plan);
      if (left) throw new Error(left);
      return rows;
    }),
  exploreDataset: (input, opts) => exploreDataset(resolveConfig(input), opts),
  importImages: (payload, onProgress) => exclusive('import images', () => importImages(payload, undefined, onProgress)),
  importedSnapshot: () => importedSnapshot(),
  restoreImported: (snapshot) => exclusive('restore imported images', async () => restoreImported(snapshot)),
  forgetImported: () => exclusive('forget imported images', async () => clearImported()),
  async loseDevice() {
    const device = webgpuDevice();
    device?.destroy();
    return device !== null;
  },
  memory: () => {
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    return { numTensors: m.numTensors, numBytes: m.numBytes, numBytesInGPU: m.numBytesInGPU };
  },
};

Comlink.expose(api);
