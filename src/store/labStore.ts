/**
 * One zustand store, made of three slices: the backend, the experiment being
 * edited, and the run in progress (records, profile, status). Only this store
 * talks to the worker; React components read it through selectors.
 */
import { create } from 'zustand';
import { validateConfig, type ExperimentConfig, type ExperimentInput } from '../train/config';
import type { ComparisonRow, ProbeBaseline, RunResult, StepProfile, TrainRecord, TransferProgress, TransferRecord } from '../train/records';
import type { BackendInfo, BackendOption } from '../engine/backendIds';
import type { LabClient } from '../worker/client';
import type { WorkerEvent } from '../worker/protocol';
import { configToHash, readConfigFromHash } from './urlState';
import type { DatasetPreview, ExploreOptions } from '../train/explore';
import type { ImportPayload, ImportReport } from '../data/importFiles';
import type { ImportProgress } from '../worker/importService';

export type RunStatus = 'idle' | 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'error';

export interface BackendSlice {
  backend: BackendInfo | null;
  backendOptions: BackendOption[];
  backendError: string | null;
  initBackend(): Promise<void>;
}

export interface ConfigSlice {
  /** What the user edits: plain JSON, validated on every change. */
  input: ExperimentInput;
  /** The resolved config, or null while `input` is invalid. */
  config: ExperimentConfig | null;
  configError: string | null;
  notice: string | null;
  setInput(patch: Partial<ExperimentInput>): void;
  replaceInput(input: ExperimentInput): void;
}

export interface RunSlice {
  status: RunStatus;
  records: TrainRecord[];
  /** The run's probe of its random-init encoder (before step 0); null until it arrives or when the probe is off. */
  baseline: ProbeBaseline | null;
  /** Segmentation transfer evaluations of the run (scratch baseline and fine-tuned checkpoints). */
  transfer: TransferRecord[];
  /** Where the fine-tuning in progress is; null when none runs. */
  transferProgress: TransferProgress | null;
  profile: StepProfile | null;
  runConfig: ExperimentConfig | null;
  runError: string | null;
  startedAt: number | null;
  start(input?: unknown, onProgress?: (r: TrainRecord) => void): Promise<RunResult>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export interface ComparisonSlice {
  /** FLOPs per step of every method (and MAE variant) for the current model and batch. */
  comparison: { status: 'idle' | 'running' | 'done' | 'error'; rows: ComparisonRow[]; error: string | null; config: ExperimentConfig | null };
  compareMethods(input?: unknown): Promise<ComparisonRow[]>;
}

export interface DatasetSlice {
  /** The explorer's samples and histogram of the edited config's dataset. */
  explorer: { status: 'idle' | 'loading' | 'done' | 'error'; preview: DatasetPreview | null; error: string | null };
  exploreDataset(input?: unknown, opts?: ExploreOptions): Promise<DatasetPreview>;
  /** The last image import's report (the images stay in the worker). */
  imported: ImportReport | null;
  importImages(payload: ImportPayload, onProgress?: (p: ImportProgress) => void): Promise<ImportReport>;
}

export type LabState = BackendSlice & ConfigSlice & RunSlice & ComparisonSlice & DatasetSlice;

// Batch size, steps and every other field come from the config schema's defaults (one place).
const DEFAULT_INPUT: ExperimentInput = { method: 'supervised', model: 'toy-B', seed: 0, backend: 'auto' };

function initialInput(): { input: ExperimentInput; notice: string | null } {
  if (typeof location === 'undefined') return { input: DEFAULT_INPUT, notice: null };
  const { input, error } = readConfigFromHash(location.hash);
  return { input: input ?? DEFAULT_INPUT, notice: error ?? null };
}

function validated(input: ExperimentInput): Pick<ConfigSlice, 'config' | 'configError'> {
  const v = validateConfig(input);
  return v.ok ? { config: v.config, configError: null } : { config: null, configError: v.error.message };
}

export function createLabStore(client: LabClient, remote: <T extends (...a: never[]) => unknown>(f: T) => T) {
  const first = initialInput();
  return create<LabState>()((set, get) => ({
    backend: null,
    backendOptions: [],
    backendError: null,
    async initBackend() {
      try {
        const [options, info] = await Promise.all([client.backends(), client.init(get().config?.backend ?? 'auto')]);
        set({ backendOptions: options, backend: info, backendError: null });
      } catch (e) {
        set({ backendError: (e as Error).message });
      }
    },

    input: first.input,
    ...validated(first.input),
    notice: first.notice,
    setInput(patch) {
      const input = { ...get().input, ...patch };
      // Options belong to a method: switching method starts from the new one's defaults.
      if (patch.method && patch.method !== get().input.method && !patch.methodOptions) input.methodOptions = {};
      get().replaceInput(input);
    },
    replaceInput(input) {
      const v = validated(input);
      set({ input, ...v });
      if (v.config && typeof history !== 'undefined') history.replaceState(null, '', configToHash(input));
    },

    status: 'idle',
    records: [],
    baseline: null,
    transfer: [],
    transferProgress: null,
    profile: null,
    runConfig: null,
    runError: null,
    startedAt: null,
    async start(input, onProgress) {
      const source = input ?? get().input;
      const v = validateConfig(source);
      if (!v.ok) throw v.error; // nothing recorded so far is touched
      const status = get().status;
      if (status === 'running' || status === 'paused' || status === 'starting')
        throw new Error('a run is already in progress: stop it before starting another');
      set({ status: 'starting', records: [], baseline: null, transfer: [], transferProgress: null, profile: null, runConfig: v.config, runError: null, startedAt: Date.now() });
      const onEvent = remote((e: WorkerEvent) => {
        if (e.type === 'backend') set({ backend: e.backend, status: 'running' });
        else if (e.type === 'profile') set({ profile: e.profile });
        else if (e.type === 'baseline') set({ baseline: e.baseline });
        else if (e.type === 'transfer') set({ transfer: [...get().transfer, e.record], transferProgress: null });
        else if (e.type === 'transfer-progress') set({ transferProgress: e.progress });
        else {
          set({ records: [...get().records, e.record] });
          onProgress?.(e.record);
        }
      });
      try {
        const result = await client.run(source, onEvent);
        set({ status: result.stopped ? 'stopped' : 'done', transferProgress: null });
        return result;
      } catch (e) {
        set({ status: 'error', runError: (e as Error).message, transferProgress: null });
        throw e;
      }
    },
    async pause() {
      if (get().status !== 'running') return;
      await client.pause();
      set({ status: 'paused' });
    },
    async resume() {
      if (get().status !== 'paused') return;
      await client.resume();
      set({ status: 'running' });
    },
    async stop() {
      const s = get().status;
      if (s !== 'running' && s !== 'paused') return;
      await client.stop();
    },

    explorer: { status: 'idle', preview: null, error: null },
    async exploreDataset(input, opts) {
      const v = validateConfig(input ?? get().input);
      if (!v.ok) throw v.error;
      set({ explorer: { ...get().explorer, status: 'loading', error: null } });
      try {
        const preview = await client.exploreDataset(input ?? get().input, opts ?? {});
        set({ explorer: { status: 'done', preview, error: null } });
        return preview;
      } catch (e) {
        set({ explorer: { status: 'error', preview: null, error: (e as Error).message } });
        throw e;
      }
    },
    imported: null,
    async importImages(payload, onProgress) {
      const report = await client.importImages(payload, onProgress && remote(onProgress));
      set({ imported: report });
      return report;
    },

    comparison: { status: 'idle', rows: [], error: null, config: null },
    async compareMethods(input) {
      const v = validateConfig(input ?? get().input);
      if (!v.ok) throw v.error;
      set({ comparison: { status: 'running', rows: [], error: null, config: v.config } });
      try {
        set({ backend: await client.init(v.config.backend) }); // the badge shows what the comparison runs on
      } catch (e) {
        set({ comparison: { ...get().comparison, status: 'error', error: (e as Error).message } });
        throw e;
      }
      const onRow = remote((row: ComparisonRow) => set({ comparison: { ...get().comparison, rows: [...get().comparison.rows, row] } }));
      try {
        const rows = await client.compareMethods(input ?? get().input, onRow);
        set({ comparison: { status: 'done', rows, error: null, config: v.config } });
        return rows;
      } catch (e) {
        set({ comparison: { ...get().comparison, status: 'error', error: (e as Error).message } });
        throw e;
      }
    },
  }));
}

export type LabStore = ReturnType<typeof createLabStore>;
