/**
 * The run in progress and the runs kept in IndexedDB: start, pause, resume,
 * stop; every run stored as it happens (records, checkpoints), listed after a
 * reload, opened, renamed, deleted, exported and imported; interrupted or
 * stopped runs resumed from their last checkpoint on any backend. A worker
 * that fails fatally (aborted wasm runtime, out of memory, lost GPU device) is
 * replaced, and nothing already recorded is lost.
 */
import type { StoreApi } from 'zustand';
import { validateConfig, type ExperimentConfig, type ExperimentInput } from '../train/config';
import type { ProbeBaseline, RunResult, StepProfile, TrainRecord, TransferProgress, TransferRecord } from '../train/records';
import type { BackendChoice } from '../engine/backendIds';
import { runName, uniqueName } from './runNames';
import { STOPPED_BEFORE_FIRST_STEP } from '../train/records';
import type { LabClient } from '../worker/client';
import type { WorkerEvent } from '../worker/protocol';
import { exportRunCsv, exportRunJson, parseRunFile } from './runFile';
import { RunRecorder } from './runRecorder';
import { requestPersistence, storageInfo, type RunsDb, type StorageInfo } from './runsDb';
import { APP_VERSION, type StoredRun } from './storedRun';

/**
 * How long records wait to be applied together (see execute). 500 ms, not 100: redrawing the charts
 * up to ten times a second took the page's main thread 8.2 s of CPU in a 21 s run on a 2-core
 * machine, beside the training worker's core; at 500 ms it took 3.6 s (docs/results.md).
 */
const RECORD_BATCH_MS = 500;

export type RunStatus = 'idle' | 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'error' | 'diverged' | 'interrupted';

export interface RunSlice {
  status: RunStatus;
  /** Steps done when the worker confirmed a pause (held at a step boundary: nothing runs until resume); null otherwise. */
  heldAt: number | null;
  /** The stored run shown (the one running, or one opened from the list); null before any. */
  runId: string | null;
  records: TrainRecord[];
  /** The run's probe of its random-init encoder (before step 0); null until it arrives or when the probe is off. */
  baseline: ProbeBaseline | null;
  /** Segmentation transfer evaluations of the run (scratch baseline and fine-tuned checkpoints). */
  transfer: TransferRecord[];
  /** Where the fine-tuning in progress is; null when none runs. */
  transferProgress: TransferProgress | null;
  profile: StepProfile | null;
  runConfig: ExperimentConfig | null;
  /** Why the shown run failed, diverged or was interrupted. */
  runError: string | null;
  startedAt: number | null;
  /** Starts a run of `input` (the edited experiment by default); `name` overrides the generated one. */
  start(input?: unknown, onProgress?: (r: TrainRecord) => void, name?: string): Promise<RunResult>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;

  /** Every stored run, newest first ([] when storage is unavailable). */
  runs: StoredRun[];
  /** Why runs are not being stored, if they are not. */
  storageError: string | null;
  storage: StorageInfo | null;
  refreshRuns(): Promise<StoredRun[]>;
  openRun(id: string): Promise<StoredRun>;
  renameRun(id: string, name: string): Promise<void>;
  deleteRun(id: string): Promise<void>;
  /** Continues a stored run from its last checkpoint, on its own backend or on `backend`. */
  resumeRun(id: string, backend?: BackendChoice): Promise<RunResult>;
  exportRun(id: string, format: 'json' | 'csv'): Promise<string>;
  /** Validates a results file and stores it as a new run; a bad file changes nothing. */
  importRunFile(text: string | ArrayBuffer | Uint8Array): Promise<StoredRun>;
}

/** What the run slice needs from the rest of the lab. */
export interface RunDeps {
  client: LabClient;
  remote: <T extends (...a: never[]) => unknown>(f: T) => T;
  /** Where runs are kept, as a promise (the page opens IndexedDB without delaying its start); null: not kept. */
  db: Promise<RunsDb | null>;
  /** Replaces the worker after a fatal failure; absent in tests. */
  restartWorker?: () => Promise<void>;
  /** Shows a message above the workspace. */
  notify(message: string): void;
  /** Makes `input` the edited experiment. */
  showConfig(input: ExperimentInput): void;
}

/** Failures after which the worker's tfjs cannot be trusted: it is replaced. */
const FATAL = /Aborted\(|RuntimeError|out of memory|memory access out of bounds|unreachable|device (is |was )?lost|DeviceLost/i;

const isActive = (s: RunStatus) => s === 'starting' || s === 'running' || s === 'paused';

const newId = (): string =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `run-${Date.now()}-${Math.random().toString(36).slice(2)}`;

type Set<S> = StoreApi<S>['setState'];
type Get<S> = StoreApi<S>['getState'];

export function createRunSlice<S extends RunSlice>(set: Set<S>, get: Get<S>, deps: RunDeps): RunSlice {
  const patch = (p: Partial<RunSlice>) => set(p as Partial<S>);
  let allowOverQuota = false;
  /** The recorder of the run in progress, so that deleting that run stops its writes. */
  let live: RunRecorder | null = null;
  const NO_STORAGE = 'this browser gives the page no IndexedDB (private mode?): runs are not kept across reloads';
  /** The database once open; every use awaits it, so the page and `window.floplab` exist before it opens. */
  const opened: Promise<RunsDb | null> = deps.db.then((db) => {
    if (!db) patch({ storageError: NO_STORAGE });
    return db;
  });

  /** A stored run by id (the database, else the list in memory when there is no storage). */
  const findRun = async (id: string): Promise<StoredRun> => {
    const run = (await (await opened)?.get(id)) ?? get().runs.find((r) => r.id === id);
    if (!run) throw new Error(`no stored run ${id}`);
    return run;
  };

  const refreshStorage = async () => patch({ storage: await storageInfo().catch(() => null) });

  /** Runs `config` (fresh, or from `resume`), storing it as it goes. */
  async function execute(
    source: unknown,
    stored: StoredRun,
    onProgress?: (r: TrainRecord) => void,
    resume?: Awaited<ReturnType<RunsDb['getCheckpoint']>>,
  ): Promise<RunResult> {
    const recorder = new RunRecorder(await opened, stored, {
      onSaved: (run) => patch({ runs: [run, ...get().runs.filter((r) => r.id !== run.id)] }),
      onError: (message) => patch({ storageError: message }),
      onQuota: (bytes, usage, quota) => {
        if (allowOverQuota) return true;
        allowOverQuota =
          typeof window !== 'undefined' &&
          window.confirm(
            `Storing this run's checkpoint (${(bytes / 1e6).toFixed(1)} MB) would pass this site's storage quota (${(usage / 1e6).toFixed(0)} of ${(quota / 1e6).toFixed(0)} MB used). Store it anyway? (Deleting old runs frees space.)`,
          );
        return allowOverQuota;
      },
    });
    live = recorder;
    void recorder.flush();
    // Events come through their own message port: one may arrive after the result, and is then ignored.
    let over = false;
    // Records are applied in batches, at most every RECORD_BATCH_MS: a small model logging every step
    // sends hundreds a second, and applying each one (a new records array, the charts drawn again)
    // fell behind, so a pause's confirmation queued behind thousands of them. Any other event first
    // applies the records sent before it, so the order the worker sent them in holds.
    let pending: TrainRecord[] = [];
    let batchTimer: ReturnType<typeof setTimeout> | null = null;
    const applyRecords = () => {
      if (batchTimer) clearTimeout(batchTimer);
      batchTimer = null;
      if (pending.length === 0) return;
      const arrived = pending;
      pending = [];
      patch({ records: [...get().records, ...arrived] });
      recorder.update({ records: get().records });
      for (const r of arrived) onProgress?.(r);
    };
    const onEvent = deps.remote((e: WorkerEvent) => {
      if (over) return;
      if (e.type === 'record') {
        pending.push(e.record);
        batchTimer ??= setTimeout(applyRecords, RECORD_BATCH_MS);
        return;
      }
      applyRecords();
      if (e.type === 'backend') {
        set({ backend: e.backend } as unknown as Partial<S>);
        patch({ status: get().status === 'paused' ? 'paused' : 'running' });
        recorder.update({ backend: e.backend, status: 'running' });
      } else if (e.type === 'profile') {
        // The run's own config: with a FLOP budget, its steps are known only now.
        patch({ profile: e.profile, runConfig: e.profile.config });
        recorder.update({ profile: e.profile, config: e.profile.config });
      } else if (e.type === 'baseline') {
        patch({ baseline: e.baseline });
        recorder.update({ baseline: e.baseline });
      } else if (e.type === 'transfer') {
        patch({ transfer: [...get().transfer, e.record], transferProgress: null });
        recorder.update({ transfer: get().transfer });
      } else if (e.type === 'transfer-progress') patch({ transferProgress: e.progress });
      else if (e.type === 'held') patch({ heldAt: e.stepsDone });
      else if (e.type === 'checkpoint') void recorder.checkpoint(e.checkpoint).then(refreshStorage);
    });
    try {
      const result = await deps.client.run(source, onEvent, resume);
      applyRecords(); // the result carries every record too; this keeps onProgress told of each
      over = true;
      const status: RunStatus = result.diverged ? 'diverged' : result.stopped ? 'stopped' : 'done';
      // Stored first: a run shown as done is a run kept.
      await recorder.finish({
        status,
        reason: result.diverged?.reason,
        records: result.records,
        transfer: result.transfer,
        baseline: result.baseline,
        profile: result.profile,
      });
      patch({ status, heldAt: null, records: result.records, transfer: result.transfer, transferProgress: null, runError: result.diverged?.reason ?? null });
      return result;
    } catch (e) {
      applyRecords(); // what arrived before the failure is kept
      over = true;
      const message = (e as Error).message;
      if (message.includes(STOPPED_BEFORE_FIRST_STEP)) {
        // Stop pressed before step 1 (a paused start, a slow backend): a stop, not a failure.
        await recorder.finish({ status: 'stopped', reason: 'stopped before its first step: nothing was trained or recorded' });
        patch({ status: 'stopped', heldAt: null, runError: null, transferProgress: null });
        throw e;
      }
      await recorder.finish({ status: 'error', reason: message });
      patch({ status: 'error', heldAt: null, runError: message, transferProgress: null });
      const resumable =
        recorder.current.checkpointStep !== undefined ? ` It can resume from its checkpoint at step ${recorder.current.checkpointStep} (Runs).` : '';
      if (FATAL.test(message) && deps.restartWorker) {
        await deps.restartWorker();
        deps.notify(`The training worker failed (${message}) and was restarted; every record so far is kept.${resumable}`);
      }
      throw e;
    }
  }

  return {
    status: 'idle',
    heldAt: null,
    runId: null,
    records: [],
    baseline: null,
    transfer: [],
    transferProgress: null,
    profile: null,
    runConfig: null,
    runError: null,
    startedAt: null,
    async start(input, onProgress, name) {
      const source = input ?? (get() as unknown as { input: ExperimentInput }).input;
      const v = validateConfig(source);
      if (!v.ok) throw v.error; // nothing recorded so far is touched
      if (isActive(get().status)) throw new Error('a run is already in progress: stop it before starting another');
      const now = Date.now();
      const stored: StoredRun = {
        id: newId(),
        name: uniqueName(
          name ?? runName(v.config),
          get().runs.map((r) => r.name),
        ),
        createdAt: now,
        updatedAt: now,
        status: 'running',
        config: v.config,
        backend: null,
        records: [],
        baseline: null,
        profile: null,
        transfer: [],
        appVersion: APP_VERSION,
      };
      patch({
        status: 'starting',
        heldAt: null,
        runId: stored.id,
        records: [],
        baseline: null,
        transfer: [],
        transferProgress: null,
        profile: null,
        runConfig: v.config,
        runError: null,
        startedAt: now,
      });
      if (get().runs.length === 0) void requestPersistence().catch(() => false);
      return execute(source, stored, onProgress);
    },
    async pause() {
      if (get().status !== 'running') return;
      await deps.client.pause();
      patch({ status: 'paused' });
    },
    async resume() {
      if (get().status !== 'paused') return;
      await deps.client.resume();
      patch({ status: 'running', heldAt: null });
    },
    async stop() {
      if (get().status !== 'running' && get().status !== 'paused') return;
      await deps.client.stop();
    },

    runs: [],
    storageError: null, // set once the database is known to be missing
    storage: null,
    async refreshRuns() {
      const db = await opened;
      if (!db) return [];
      const runs = await db.list();
      patch({ runs });
      await refreshStorage();
      return runs;
    },
    async openRun(id) {
      if (isActive(get().status)) throw new Error('a run is in progress: stop it before opening another');
      const run = await findRun(id);
      const status: RunStatus = run.status === 'running' || run.status === 'paused' ? 'interrupted' : run.status;
      patch({
        status,
        runId: run.id,
        records: run.records,
        baseline: run.baseline,
        transfer: run.transfer,
        transferProgress: null,
        profile: run.profile,
        runConfig: run.config,
        runError: run.reason ?? null,
        startedAt: run.createdAt,
      });
      deps.showConfig(run.config);
      return run;
    },
    async renameRun(id, name) {
      const clean = name.trim();
      if (!clean || clean.length > 120 || /[<>]/.test(clean)) throw new Error('a run name must be 1-120 characters, without < or >');
      const db = await opened;
      if (!db) throw new Error(get().storageError ?? 'no storage');
      const run = await db.rename(id, clean);
      patch({ runs: get().runs.map((r) => (r.id === id ? run : r)) });
    },
    async deleteRun(id) {
      if (get().runId === id && isActive(get().status)) throw new Error('stop this run before deleting it');
      if (live?.current.id === id) live.close();
      await (await opened)?.delete(id);
      patch({ runs: get().runs.filter((r) => r.id !== id) });
      await refreshStorage();
    },
    async resumeRun(id, backend) {
      if (isActive(get().status)) throw new Error('a run is already in progress: stop it before resuming another');
      const run = await findRun(id);
      const checkpoint = await (await opened)?.getCheckpoint(id);
      if (!checkpoint) throw new Error(`run "${run.name}" has no checkpoint to resume from (it stopped before its first one)`);
      const config: ExperimentConfig = { ...checkpoint.config, backend: backend ?? run.config.backend };
      patch({
        status: 'starting',
        runId: run.id,
        records: checkpoint.records,
        baseline: checkpoint.baseline,
        transfer: checkpoint.transfer,
        transferProgress: null,
        profile: checkpoint.profile,
        runConfig: config,
        runError: null,
        startedAt: Date.now(),
      });
      const stored: StoredRun = { ...run, config, status: 'running', reason: undefined, records: checkpoint.records, transfer: checkpoint.transfer };
      return execute(config, stored, undefined, checkpoint);
    },
    async exportRun(id, format) {
      const run = await findRun(id);
      return format === 'csv' ? exportRunCsv(run) : exportRunJson(run);
    },
    async importRunFile(text) {
      const run = parseRunFile(text); // throws, naming what is wrong, before anything is written
      await (await opened)?.put(run);
      patch({ runs: [run, ...get().runs] });
      return run;
    },
  };
}
