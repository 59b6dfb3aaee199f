/**
 * Runs an experiment step by step with pause/resume/stop, reading scalars back
 * only at log steps. Yields to the event loop between steps so control messages
 * (pause, stop) reach the worker while it trains.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from './config';
import type { BackendInfo } from '../engine/backendIds';
import type { ProbeBaseline, RunResult, StepProfile, TrainRecord, TransferProgress, TransferRecord } from './records';
import { createTrainer, type Trainer } from './trainer';
import { runTransfer, transferSteps } from './transferRun';

export class RunControl {
  private paused = false;
  private stopped = false;
  private resumeWaiter: (() => void) | null = null;

  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.resumeWaiter?.();
    this.resumeWaiter = null;
  }
  stop(): void {
    this.stopped = true;
    this.resume();
  }
  get isStopped(): boolean {
    return this.stopped;
  }
  get isPaused(): boolean {
    return this.paused;
  }

  /** Lets queued messages in; blocks while paused. Returns the ms spent paused. */
  async checkpoint(): Promise<number> {
    await new Promise((r) => setTimeout(r, 0));
    if (!this.paused || this.stopped) return 0;
    const t0 = performance.now();
    await new Promise<void>((r) => (this.resumeWaiter = r));
    return performance.now() - t0;
  }
}

export interface RunHooks {
  /** The random-init probe, once, before step 0 (not called when probe.kind is 'none'). */
  onBaseline?: (baseline: ProbeBaseline) => void;
  onRecord?: (record: TrainRecord) => void;
  onProfile?: (profile: StepProfile) => void;
  onTransfer?: (record: TransferRecord) => void;
  onTransferProgress?: (progress: TransferProgress) => void;
  control?: RunControl;
}

export async function runExperiment(config: ExperimentConfig, backend: BackendInfo, hooks: RunHooks = {}): Promise<RunResult> {
  const control = hooks.control ?? new RunControl();
  const trainer = await createTrainer(config);
  const records: TrainRecord[] = [];
  const transfer: TransferRecord[] = [];
  const transferAt = transferSteps(config);
  const transferOpts = { onProgress: hooks.onTransferProgress, shouldStop: () => control.isStopped };
  let profile: StepProfile | null = null;
  let flops = 0;
  let evalFlops = 0;
  let evalMs = 0;
  let baseline: ProbeBaseline | null = null;
  let pausedMs = 0;
  const t0 = performance.now();
  let lastLogAt = t0;
  let stepsSinceLog = 0;
  let pausedSinceLog = 0;
  try {
    if (config.probe.kind !== 'none') {
      // Before step 0 the encoder is the seed's random init: the same probe now is the baseline the curve starts from.
      const probe = await trainer.probe();
      const ms = performance.now() - t0;
      evalFlops += probe.flops;
      evalMs += ms;
      baseline = { step: 0, ...probe, ms };
      hooks.onBaseline?.(baseline);
      lastLogAt = performance.now();
    }
    for (let step = 0; step < config.steps && !control.isStopped; step++) {
      const paused = await control.checkpoint();
      pausedMs += paused;
      pausedSinceLog += paused;
      if (control.isStopped) break;
      const last = step === config.steps - 1;
      const isEval = config.probe.kind !== 'none' && ((step + 1) % config.evalEvery === 0 || last);
      const isLog = isEval || transferAt.has(step + 1) || (step + 1) % config.logEvery === 0 || last;
      let result: ReturnType<Trainer['step']> | undefined;
      let gpuMs: number | undefined;
      // GPU kernel time is sampled on log steps only: tf.time adds timestamp queries.
      if (isLog && backend.timestampQuery && step > 0) {
        const timing = await tf.time(() => void (result = trainer.step(step)));
        gpuMs = typeof timing.kernelMs === 'number' ? timing.kernelMs : undefined;
      } else {
        result = trainer.step(step);
      }
      const { loss, counts, lr } = result!;
      flops += counts.total;
      stepsSinceLog++;
      if (!profile) {
        profile = trainer.profile(counts);
        hooks.onProfile?.(profile);
      }
      if (!isLog) {
        loss.dispose();
        continue;
      }
      const lossValue = (await loss.data())[0];
      loss.dispose();
      const now = performance.now();
      const record: TrainRecord = {
        step: step + 1,
        loss: lossValue,
        flops,
        wallMs: now - t0 - pausedMs,
        stepMs: (now - lastLogAt - pausedSinceLog) / stepsSinceLog,
        gpuMs,
        lr,
        evalFlops,
        evalMs,
      };
      if (isEval) {
        const e0 = performance.now();
        const probe = await trainer.probe();
        evalFlops += probe.flops;
        record.probeAccuracy = probe.accuracy;
        record.probeInterval = probe.interval;
        record.probeCorrect = probe.correct;
        record.probeTotal = probe.total;
        if (probe.patchMiou !== undefined) record.patchMiou = probe.patchMiou;
        const shown = await trainer.preview(step);
        if (shown) {
          evalFlops += shown.flops;
          record.preview = shown.preview;
        }
        evalMs += performance.now() - e0;
        record.evalFlops = evalFlops;
        record.evalMs = evalMs;
      }
      const mon = trainer.state.monitors?.();
      if (mon) {
        const names = Object.keys(mon);
        const values = await Promise.all(names.map((n) => mon[n].data()));
        record.monitors = Object.fromEntries(names.map((n, i) => [n, values[i][0]]));
        tf.dispose(Object.values(mon));
      }
      // Stamped once the record is complete, so that evalMs <= wallMs.
      record.wallMs = performance.now() - t0 - pausedMs;
      records.push(record);
      hooks.onRecord?.(record);
      if (transferAt.has(step + 1)) {
        // The baseline first, once: it does not depend on pre-training, and the chart can show it from the first point on.
        if (config.transfer.scratch && transfer.length === 0) {
          const scratch = await runTransfer(config, null, { init: 'scratch', step: 0, pretrainFlops: 0 }, transferOpts);
          if (scratch) {
            transfer.push(scratch);
            hooks.onTransfer?.(scratch);
          }
        }
        const point = { init: 'pretrained' as const, step: step + 1, pretrainFlops: flops };
        const tuned = await runTransfer(config, trainer.encoder, point, transferOpts);
        if (tuned) {
          transfer.push(tuned);
          hooks.onTransfer?.(tuned);
        }
      }
      lastLogAt = performance.now();
      stepsSinceLog = 0;
      pausedSinceLog = 0;
    }
  } finally {
    trainer.dispose();
  }
  if (!profile) throw new Error('run stopped before its first step');
  return { config, backend, records, profile, transfer, baseline, stopped: control.isStopped };
}
