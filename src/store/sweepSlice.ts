/**
 * A sweep queue: runs a sweep's runs one after another in the worker, each
 * stored as an ordinary run named "<sweep> · <key>"; a run that fails or
 * diverges is marked with its reason and the queue goes on. Progress and an
 * ETA (mean wall time of the runs done so far, times the runs left) are in
 * `sweep`. `shard: [i, n]` runs every n-th run only (job arrays).
 */
import type { StoreApi } from 'zustand';
import { expandSweep, shardOf, type SweepSpec } from '../train/sweep';
import type { RunSlice } from './runSlice';

export interface SweepResult {
  key: string;
  runId: string | null;
  status: 'done' | 'stopped' | 'diverged' | 'error';
  reason?: string;
  /** Pre-training FLOPs spent, and the last probe's accuracy and patch mIoU (when probed). */
  flops: number;
  accuracy?: number;
  patchMiou?: number;
  wallMs: number;
}

export interface SweepProgress {
  status: 'idle' | 'running' | 'done' | 'stopped';
  name: string;
  total: number;
  results: SweepResult[];
  current: string | null;
  startedAt: number | null;
  /** Estimated ms until the last run ends; null before the first run ends. */
  etaMs: number | null;
}

export interface SweepSlice {
  sweep: SweepProgress;
  runSweep(spec: SweepSpec, opts?: { name?: string; shard?: [number, number] }): Promise<SweepProgress>;
  /** Stops the run in progress and the queue after it. */
  stopSweep(): Promise<void>;
}

const IDLE: SweepProgress = { status: 'idle', name: '', total: 0, results: [], current: null, startedAt: null, etaMs: null };

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
      patch({ status: 'running', name, total: runs.length, results: [], current: null, startedAt, etaMs: null });
      for (const run of runs) {
        if (stopRequested) break;
        patch({ current: run.key });
        const t0 = Date.now();
        let result: SweepResult;
        try {
          const r = await get().start(run.input, undefined, `${name} · ${run.key}`);
          const probed = [...r.records].reverse().find((x) => x.probeAccuracy !== undefined);
          result = {
            key: run.key,
            runId: get().runId,
            status: r.diverged ? 'diverged' : r.stopped ? 'stopped' : 'done',
            reason: r.diverged?.reason,
            flops: r.records.at(-1)?.flops ?? 0,
            accuracy: probed?.probeAccuracy,
            patchMiou: probed?.patchMiou,
            wallMs: Date.now() - t0,
          };
        } catch (e) {
          result = { key: run.key, runId: get().runId, status: 'error', reason: (e as Error).message, flops: 0, wallMs: Date.now() - t0 };
        }
        const results = [...get().sweep.results, result];
        const meanMs = results.reduce((sum, x) => sum + x.wallMs, 0) / results.length;
        patch({ results, etaMs: meanMs * (runs.length - results.length) });
      }
      patch({ status: stopRequested ? 'stopped' : 'done', current: null, etaMs: 0 });
      return get().sweep;
    },
    async stopSweep() {
      stopRequested = true;
      await get().stop();
    },
  };
}
