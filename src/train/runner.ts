/**
 * Runs an experiment step by step with pause/resume/stop, reading scalars back
 * only at log steps. Yields to the event loop between steps so control messages
 * (pause, stop) reach the worker while it trains.
 */
import * as tf from '@tensorflow/tfjs';
import { collapseAt } from './collapse';
import type { ExperimentConfig } from './config';
import type { BackendInfo } from '../engine/backendIds';
import {
  firstCheckpointStep,
  STOPPED_BEFORE_FIRST_STEP,
  type ProbeBaseline,
  type RunResult,
  type StepProfile,
  type TrainRecord,
  type TransferProgress,
  type TransferRecord,
} from './records';
import { createTrainer, type Trainer } from './trainer';
import { sameRun, type RunCheckpoint } from './checkpoint';
import { applyBudget } from './budget';
import { profileStep } from './profile';
import { runTransfer, transferSteps } from './transferRun';
import { nextTask } from '../lib/nextTask';
import { inlineProber, type ProbeOutcome, type ProbeRequest, type Prober } from './prober';
import type { BatchFeed } from './batchFeed';
import type { BatchNeeds } from '../data/methodBatch';

export class RunControl {
  private paused = false;
  private stopped = false;
  private fault: Error | null = null;
  private resumeWaiter: (() => void) | null = null;
  /** Called when the run is held at a step boundary after a pause, with the steps done: proof that no step runs until resume. */
  onHeld?: (stepsDone: number) => void;

  /** Ends the run with `error` at its next step boundary (a lost GPU device): the run rejects with it. */
  fail(error: Error): void {
    this.fault = error;
    this.resume();
  }

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

  /** Lets queued messages in; blocks while paused (saying so through onHeld). Returns the ms spent paused. */
  async stepBoundary(stepsDone = 0): Promise<number> {
    await nextTask();
    if (this.fault) throw this.fault;
    if (!this.paused || this.stopped) return 0;
    const t0 = performance.now();
    const held = new Promise<void>((r) => (this.resumeWaiter = r));
    this.onHeld?.(stepsDone);
    await held;
    const fault = this.fault as Error | null; // set by fail() while held
    if (fault) throw fault;
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
  /** Every `config.checkpointEvery` steps and when stopped: what a resume continues from. */
  onCheckpoint?: (checkpoint: RunCheckpoint) => void;
  control?: RunControl;
  /** Where the probes run (src/train/prober.ts); the trainer itself unless given. The run disposes it. */
  prober?: Prober;
  /** Batches made ahead elsewhere (src/train/batchFeed.ts), given the method's needs; the trainer makes its own unless given. The run closes it. */
  batchFeed?: (needs: BatchNeeds) => BatchFeed | undefined;
}

/** A loss this many times its first logged value (and at least EXPLODE_FLOOR) counts as exploded. */
const EXPLODE_FACTOR = 100;
const EXPLODE_FLOOR = 1e3;

/** Why a logged loss means the run has diverged, or null. */
export function divergence(loss: number, firstLoss: number | null, step: number): string | null {
  if (!Number.isFinite(loss)) return `loss is ${loss} at step ${step}: the run diverged (try a lower optim.lr or a smaller clipNorm)`;
  const bound = Math.max(EXPLODE_FLOOR, EXPLODE_FACTOR * Math.abs(firstLoss ?? 0));
  if (Math.abs(loss) > bound)
    return `loss ${loss.toPrecision(3)} at step ${step} exceeds ${bound.toPrecision(3)} (${EXPLODE_FACTOR}x its first logged value): the run diverged (try a lower optim.lr)`;
  return null;
}

/**
 * Trains `config` from step 0 (for `budgetFlops`, the steps that budget buys), or from `resumeFrom` (a checkpoint of the same
 * run, on any backend): the records, counters and state come back and the run
 * continues as if it had not stopped (bit for bit on the cpu backend).
 */
export async function runExperiment(asked: ExperimentConfig, backend: BackendInfo, hooks: RunHooks = {}, resumeFrom?: RunCheckpoint): Promise<RunResult> {
  // A FLOP budget becomes steps, counted on one step of this config (a resume keeps its checkpoint's steps).
  const config = asked.budgetFlops !== undefined && !resumeFrom ? applyBudget(asked, (await profileStep(asked)).totalFlops) : asked;
  if (resumeFrom && !sameRun(resumeFrom.config, config))
    throw new Error('checkpoint: it belongs to a different experiment config (only the backend may change on resume)');
  const control = hooks.control ?? new RunControl();
  const trainer = await createTrainer(config);
  const records: TrainRecord[] = [...(resumeFrom?.records ?? [])];
  const transfer: TransferRecord[] = [...(resumeFrom?.transfer ?? [])];
  const transferAt = transferSteps(config);
  const transferOpts = { onProgress: hooks.onTransferProgress, shouldStop: () => control.isStopped };
  let profile: StepProfile | null = resumeFrom?.profile ?? null;
  let flops = resumeFrom?.flops ?? 0;
  // Evaluation FLOPs spent on this thread (previews) as steps happen, and the probes' as their scores are emitted in order.
  let pathEvalFlops = resumeFrom?.evalFlops ?? 0;
  let probeFlops = 0;
  let evalMs = resumeFrom?.evalMs ?? 0;
  let probeWorkerMs = resumeFrom?.probeWorkerMs ?? 0;
  let baseline: ProbeBaseline | null = resumeFrom?.baseline ?? null;
  let diverged: RunResult['diverged'];
  let pausedMs = 0;
  // Wall time continues from the checkpoint's: the clock starts that far back.
  const t0 = performance.now() - (resumeFrom?.wallMs ?? 0);
  let lastLogAt = performance.now();
  let stepsSinceLog = 0;
  let pausedSinceLog = 0;
  let done = resumeFrom?.trainer.step ?? 0;
  let firstLoss = records[0]?.loss ?? null;

  // A probe's scores can come back after the trainer has moved on (an off-path prober): its record,
  // and every record after it, wait in `emitted` so that records, their cumulative evaluation
  // FLOPs and the baseline reach the hooks in step order. One probe is in flight at a time.
  const prober = hooks.prober ?? inlineProber;
  const feed = hooks.batchFeed?.(trainer.batchNeeds);
  let madeAhead = 0;
  let emitted: Promise<void> = Promise.resolve();
  let inFlight: Promise<unknown> | null = null;
  // A probe that failed fails the run at its next step boundary (and at the end, through `emitted`).
  let probeFailure: Error | null = null;
  const emitAfter = <T>(ready: Promise<T> | null, emit: (value: T | null) => void): void => {
    emitted = emitted.then(() => ready).then(emit);
    emitted.catch((e: unknown) => (probeFailure ??= e instanceof Error ? e : new Error(String(e))));
  };
  /** A probe's FLOPs and its time on the second worker, counted as its record or baseline is emitted. */
  const countProbe = (outcome: ProbeOutcome) => {
    probeFlops += outcome.flops;
    if (outcome.offThread) probeWorkerMs += outcome.ms;
  };
  const emitRecord = (record: TrainRecord, probe: Promise<ProbeOutcome> | null, fill?: (o: ProbeOutcome) => void) =>
    emitAfter(probe, (outcome) => {
      if (outcome) {
        countProbe(outcome);
        fill?.(outcome);
      }
      record.evalFlops += probeFlops;
      if (prober.offPath) record.probeWorkerMs = probeWorkerMs;
      if (prober.offPath && record.step === config.steps) {
        // The run ends when its last scores are in: the wait for them is probe time on this thread.
        const waited = performance.now() - t0 - pausedMs - record.wallMs;
        evalMs += waited;
        record.evalMs += waited;
        record.wallMs += waited;
      }
      records.push(record);
      hooks.onRecord?.(record);
    });
  /** Starts a probe once the one in flight is done; resolves (with the scores to come) when the trainer may step again. */
  const startProbe = async (request: ProbeRequest): Promise<{ result: Promise<ProbeOutcome> }> => {
    if (inFlight) await inFlight;
    const { handoff, result } = prober.start(trainer, request);
    inFlight = result.then(
      () => (inFlight = null),
      () => (inFlight = null),
    );
    await handoff;
    return { result };
  };

  // The first checkpoint comes early (at the first probe, or by step 50), so a short or young run can resume too.
  const firstCheckpoint = firstCheckpointStep(config);
  const checkpointDue = () => firstCheckpoint !== null && (done % config.checkpointEvery === 0 || done === firstCheckpoint);
  // A checkpoint holds only records already emitted: while a probe is in flight, it is owed and taken at the first step after.
  let checkpointOwed = false;
  const checkpointIfDue = async (): Promise<void> => {
    if (!checkpointDue() && !checkpointOwed) return;
    checkpointOwed = inFlight !== null;
    if (!checkpointOwed) await checkpoint();
  };
  const checkpoint = async (): Promise<void> => {
    await emitted;
    if (!hooks.onCheckpoint || done === 0) return;
    const cp: RunCheckpoint = {
      format: 'floplab-checkpoint',
      version: 1,
      config,
      trainer: await trainer.snapshot(done),
      records: [...records],
      baseline,
      profile,
      transfer: [...transfer],
      flops,
      evalFlops: pathEvalFlops + probeFlops,
      evalMs,
      ...(prober.offPath ? { probeWorkerMs } : {}),
      wallMs: performance.now() - t0 - pausedMs,
    };
    hooks.onCheckpoint(cp);
  };

  try {
    if (resumeFrom) trainer.restore(resumeFrom.trainer);
    else if (config.probe.kind !== 'none') {
      // Before step 0 the encoder is the seed's random init: the same probe now is the baseline the curve starts from.
      const { result } = await startProbe({ step: 0, rawPixels: true, linear: true });
      const pathMs = performance.now() - t0;
      evalMs += pathMs;
      emitAfter(result, (outcome) => {
        const {
          probe: { rawPixels, ...probe },
          linear,
          flops,
          ms,
          offThread,
        } = outcome!;
        countProbe(outcome!);
        // Its ms: where it ran (the probe worker's, or this thread's, the part of evalMs it is).
        const where = offThread ? ms : pathMs;
        baseline = {
          step: 0,
          ...probe,
          flops,
          ...(rawPixels ? { rawPixels: scoreOf(rawPixels) } : {}),
          ...(linear ? { linear: scoreOf(linear) } : {}),
          ms: where,
        };
        hooks.onBaseline?.(baseline);
      });
      if (!prober.offPath) await emitted;
      lastLogAt = performance.now();
    }
    for (let step = done; step < config.steps && !control.isStopped; step++) {
      const failed = probeFailure as Error | null; // set in a callback: the compiler's narrowing does not see it
      if (failed) throw failed;
      const paused = await control.stepBoundary(step);
      pausedMs += paused;
      pausedSinceLog += paused;
      if (control.isStopped) break;
      const last = step === config.steps - 1;
      const isEval = config.probe.kind !== 'none' && ((step + 1) % config.evalEvery === 0 || last);
      const isLog = isEval || transferAt.has(step + 1) || (step + 1) % config.logEvery === 0 || last;
      let result: ReturnType<Trainer['step']> | undefined;
      let gpuMs: number | undefined;
      // The step's batch from the batch worker, when it has it; else the trainer makes it.
      const host = feed ? await feed.take(step) : null;
      if (host) madeAhead++;
      // GPU kernel time is sampled on log steps only: tf.time adds timestamp queries.
      if (isLog && backend.timestampQuery && step > 0) {
        const timing = await tf.time(() => void (result = trainer.step(step, host)));
        gpuMs = typeof timing.kernelMs === 'number' ? timing.kernelMs : undefined;
      } else {
        result = trainer.step(step, host);
      }
      const { loss, counts, lr } = result!;
      flops += counts.total;
      done = step + 1;
      stepsSinceLog++;
      if (!profile) {
        profile = trainer.profile(counts);
        hooks.onProfile?.(profile);
      }
      if (!isLog) {
        loss.dispose();
        await checkpointIfDue();
        continue;
      }
      const lossValue = (await loss.data())[0];
      loss.dispose();
      firstLoss ??= lossValue;
      const why = divergence(lossValue, firstLoss, step + 1);
      if (why) {
        diverged = { step: step + 1, loss: lossValue, reason: why };
        break;
      }
      const now = performance.now();
      const record: TrainRecord = {
        step: step + 1,
        loss: lossValue,
        flops,
        wallMs: now - t0 - pausedMs,
        stepMs: (now - lastLogAt - pausedSinceLog) / stepsSinceLog,
        gpuMs,
        lr,
        // This thread's evaluation FLOPs so far; the probes' are added as the record is emitted.
        evalFlops: pathEvalFlops,
        evalMs,
      };
      let probed: Promise<ProbeOutcome> | null = null;
      if (isEval) {
        const e0 = performance.now();
        probed = (await startProbe({ step: step + 1, linear: last })).result;
        const shown = await trainer.preview(step);
        if (shown) {
          pathEvalFlops += shown.flops;
          record.preview = shown.preview;
        }
        evalMs += performance.now() - e0;
        record.evalMs = evalMs;
      }
      const mon = trainer.state.monitors?.();
      if (mon) {
        const names = Object.keys(mon);
        const values = await Promise.all(names.map((n) => mon[n].data()));
        record.monitors = Object.fromEntries(names.map((n, i) => [n, values[i][0]]));
        tf.dispose(Object.values(mon));
        const collapse = collapseAt(config.method, config.methodOptions, record);
        if (collapse) record.collapse = collapse;
      }
      // Stamped once the record is complete on this thread, so that evalMs <= wallMs.
      record.wallMs = performance.now() - t0 - pausedMs;
      record.evalFlops = pathEvalFlops;
      emitRecord(record, probed, ({ probe, linear }) => {
        record.probeAccuracy = probe.accuracy;
        record.probeInterval = probe.interval;
        record.probeCorrect = probe.correct;
        record.probeTotal = probe.total;
        if (probe.patchMiou !== undefined) record.patchMiou = probe.patchMiou;
        if (linear) {
          record.linearAccuracy = linear.accuracy;
          record.linearInterval = linear.interval;
        }
      });
      if (!prober.offPath) await emitted;
      if (transferAt.has(step + 1)) {
        // The baseline first, once: it does not depend on pre-training, and the chart can show it from the first point on.
        if (config.transfer.scratch && !transfer.some((t) => t.init === 'scratch')) {
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
      await checkpointIfDue();
      lastLogAt = performance.now();
      stepsSinceLog = 0;
      pausedSinceLog = 0;
    }
    await emitted;
    // A stopped run keeps where it got to, so that it can be resumed.
    if (control.isStopped && !diverged && done < config.steps) await checkpoint();
  } finally {
    feed?.close();
    prober.dispose();
    trainer.dispose();
  }
  if (!profile) throw new Error(STOPPED_BEFORE_FIRST_STEP);
  const lastLogged = records[records.length - 1];
  const collapse = lastLogged?.collapse ? { step: lastLogged.step, reason: lastLogged.collapse } : undefined;
  return {
    config,
    backend,
    records,
    profile,
    transfer,
    baseline,
    stopped: control.isStopped,
    diverged,
    resumedAt: resumeFrom?.trainer.step,
    collapse,
    ...(madeAhead > 0 ? { batchesMadeAhead: madeAhead } : {}),
  };
}

/** A probe's score as a record keeps it. */
const scoreOf = (s: { accuracy: number; interval: [number, number] }) => ({ accuracy: s.accuracy, interval: s.interval });
