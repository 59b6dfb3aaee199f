/**
 * A sweep queue: runs a sweep's runs one after another in the worker, each
 * stored as an ordinary run named "<sweep> · <key>"; a run that fails or
 * diverges is marked with its reason and the queue goes on. Progress and the
 * ETA (src/experiments/sweepEta.ts, recomputed at every record and run end) are in
 * `sweep`. `shard: [i, n]` runs every n-th run only (job arrays).
 */
import type { StoreApi } from 'zustand';
import { expandSweep, shardOf, type SweepRun, type SweepSpec } from '../experiments/sweep';
import type { RunSlice } from './runSlice';
import type { SweepFile, SweepPoint } from '../experiments/sweepResults';
import type { RunResult, TrainRecord } from '../train/records';
import { sweepEtaMs, type PlannedRun } from '../experiments/sweepEta';

/** One finished run of the sweep (src/experiments/sweepResults.ts): what it was, what it cost, what it reached. */
type SweepResult = SweepPoint;

export interface SweepProgress {
  status: 'idle' | 'running' | 'done' | 'stopped';
  name: string;
  /** The experiment preset it runs (src/experiments/presets.ts), when it runs one. */
  preset?: string;
  /** Every run key of the whole sweep in order (a shard runs some of them). */
  order: string[];
  shard?: [number, number];
  total: number;
  results: SweepResult[];
  current: string | null;
  startedAt: number | null;
  /** This sweep's (or shard's) runs, in order: what the ETA prices. */
  plan: PlannedRun[];
  /** Estimated ms until the last run ends, as of `etaAt` (src/experiments/sweepEta.ts); null until something is measured. */
  etaMs: number | null;
  /** When `etaMs` was computed (Date.now()); views count down from it. */
  etaAt: number | null;
}

export interface SweepOptions {
  name?: string;
  /** Runs every n-th run only: [index, count], 0-based. */
  shard?: [number, number];
  preset?: string;
}

export interface SweepSlice {
  sweep: SweepProgress;
  runSweep(spec: SweepSpec, opts?: SweepOptions): Promise<SweepProgress>;
  /** Stops the run in progress and the queue after it. */
  stopSweep(): Promise<void>;
  /** Shows a finished sweep's results file (from an export, `npm run reproduce` or `npm run merge`) without running anything. */
  openSweepFile(file: SweepFile): void;
}

const IDLE: SweepProgress = { status: 'idle', name: '', order: [], total: 0, results: [], current: null, startedAt: null, plan: [], etaMs: null, etaAt: null };

type Set<S> = StoreApi<S>['setState'];
type Get<S> = StoreApi<S>['getState'];

export function createSweepSlice<S extends SweepSlice & RunSlice>(set: Set<S>, get: Get<S>): SweepSlice {
  const patch = (p: Partial<SweepProgress>) => set({ sweep: { ...get().sweep, ...p } } as Partial<S>);
  let stopRequested = false;
  return {
    sweep: IDLE,
    async runSweep(spec, opts = {}) {
      if (get().sweep.status === 'running') throw new Error('a sweep is already running: stop it first');
      const all = expandSweep(spec); // throws naming the bad run and field before anything runs
      const runs = opts.shard ? shardOf(all, opts.shard[0], opts.shard[1]) : all;
      const name = opts.name ?? `sweep ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
      stopRequested = false;
      const startedAt = Date.now();
      const plan = runs.map((r) => ({ key: r.key, method: r.method, model: r.model, budget: r.budget }));
      patch({
        status: 'running',
        name,
        preset: opts.preset,
        order: all.map((r) => r.key),
        shard: opts.shard,
        total: runs.length,
        results: [],
        current: null,
        startedAt,
        plan,
        etaMs: null,
        etaAt: null,
      });
      const reestimate = (live: { key: string; flops: number; wallMs: number } | null) =>
        patch({ etaMs: sweepEtaMs(plan, get().sweep.results, live), etaAt: Date.now() });
      for (const run of runs) {
        if (stopRequested) break;
        patch({ current: run.key });
        const t0 = Date.now();
        let result: SweepResult;
        try {
          const onRecord = (rec: TrainRecord) => reestimate({ key: run.key, flops: rec.flops, wallMs: Date.now() - t0 });
          const r = await get().start(run.input, onRecord, `${name} · ${run.key}`);
          result = pointOf(run, r, get().runId, Date.now() - t0);
        } catch (e) {
          result = {
            ...coordinates(run),
            runId: get().runId,
            status: 'error',
            reason: (e as Error).message,
            steps: 0,
            flops: 0,
            wallMs: Date.now() - t0,
            backend: '',
          };
        }
        patch({ results: [...get().sweep.results, result] });
        reestimate(null);
      }
      patch({ status: stopRequested ? 'stopped' : 'done', current: null, etaMs: 0, etaAt: Date.now() });
      return get().sweep;
    },
    openSweepFile(file) {
      if (get().sweep.status === 'running') throw new Error('a sweep is running: stop it before opening results');
      patch({
        status: 'done',
        name: file.name,
        preset: file.preset,
        order: file.order,
        shard: file.shard,
        total: file.points.length,
        results: file.points,
        current: null,
        startedAt: null,
        plan: [],
        etaMs: null,
        etaAt: null,
      });
    },
    async stopSweep() {
      stopRequested = true;
      await get().stop();
    },
  };
}

const coordinates = (run: SweepRun) => ({
  key: run.key,
  method: run.method,
  options: run.options as SweepPoint['options'],
  dataset: run.dataset,
  model: run.model,
  budget: run.budget,
  seed: run.seed,
  config: run.input as Record<string, unknown>,
});

/** A finished run as a sweep point: its last probe (accuracy, interval, patch mIoU) and its random-init baseline. */
function pointOf(run: SweepRun, r: RunResult, runId: string | null, wallMs: number): SweepPoint {
  const probed = [...r.records].reverse().find((x) => x.probeAccuracy !== undefined);
  const last = r.records.at(-1);
  return {
    ...coordinates(run),
    runId,
    status: r.diverged ? 'diverged' : r.stopped ? 'stopped' : 'done',
    ...(r.diverged ? { reason: r.diverged.reason } : {}),
    steps: last?.step ?? 0,
    flops: last?.flops ?? 0,
    ...(probed?.probeAccuracy !== undefined ? { accuracy: probed.probeAccuracy } : {}),
    ...(probed?.probeInterval ? { probeInterval: probed.probeInterval } : {}),
    ...(probed?.patchMiou !== undefined ? { patchMiou: probed.patchMiou } : {}),
    ...(r.baseline
      ? { randomInit: { accuracy: r.baseline.accuracy, ...(r.baseline.patchMiou !== undefined ? { patchMiou: r.baseline.patchMiou } : {}) } }
      : {}),
    wallMs,
    backend: r.backend.name,
  };
}
