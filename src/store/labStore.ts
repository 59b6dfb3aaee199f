/**
 * One zustand store, made of slices: the backend, the experiment being edited,
 * the run in progress and the stored runs (src/store/runSlice.ts), the method
 * comparison and the dataset explorer. Only this store talks to the worker;
 * React components read it through selectors.
 */
import { create } from 'zustand';
import { validateConfig, type ConfigIssue, type ExperimentConfig, type ExperimentInput } from '../train/config';
import type { ComparisonRow } from '../train/records';
import type { BackendInfo, BackendOption } from '../engine/backendIds';
import type { LabClient } from '../worker/client';
import { configToHash, readConfigFromHash } from './urlState';
import type { DatasetPreview, ExploreOptions } from '../train/explore';
import { createRunSlice, type RunSlice } from './runSlice';
import { createSweepSlice, type SweepSlice } from './sweepSlice';
import type { RunsDb } from './runsDb';
import { createImportSlice, importProblem, type ImportSlice } from './importSlice';

export type { RunStatus } from './runSlice';

interface BackendSlice {
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
  /** Each bad field of `input`, with the sentence the form shows beside it. */
  configIssues: ConfigIssue[];
  notice: string | null;
  setInput(patch: Partial<ExperimentInput>): void;
  replaceInput(input: ExperimentInput): void;
}

export interface ComparisonState {
  status: 'idle' | 'running' | 'done' | 'error';
  rows: ComparisonRow[];
  error: string | null;
  config: ExperimentConfig | null;
}

interface ComparisonSlice {
  /** FLOPs per step of every method (and MAE variant) for the current model and batch. */
  comparison: ComparisonState;
  /** The same comparison at the paper's scale (src/experiments/paperScale.ts), kept beside the toy-scale one. */
  paperScale: ComparisonState;
  /** Profiles into `comparison`, or into `paperScale` when `slot` says so. */
  compareMethods(input?: unknown, slot?: 'comparison' | 'paperScale'): Promise<ComparisonRow[]>;
}

interface DatasetSlice {
  /** The explorer's samples and histogram of the edited config's dataset. */
  explorer: { status: 'idle' | 'loading' | 'done' | 'error'; preview: DatasetPreview | null; error: string | null };
  exploreDataset(input?: unknown, opts?: ExploreOptions): Promise<DatasetPreview>;
}

export type LabState = BackendSlice & ConfigSlice & RunSlice & SweepSlice & ComparisonSlice & DatasetSlice & ImportSlice;

// Batch size, steps and every other field come from the config schema's defaults (one place).
const DEFAULT_INPUT: ExperimentInput = { method: 'supervised', model: 'toy-B', seed: 0, backend: 'auto' };

function initialInput(): { input: ExperimentInput; notice: string | null } {
  if (typeof location === 'undefined') return { input: DEFAULT_INPUT, notice: null };
  const { input, error } = readConfigFromHash(location.hash);
  return { input: input ?? DEFAULT_INPUT, notice: error ?? null };
}

function validated(input: ExperimentInput, imported: LabState['imported']): Pick<ConfigSlice, 'config' | 'configError' | 'configIssues'> {
  const v = validateConfig(input);
  if (!v.ok) return { config: null, configError: v.error.message, configIssues: v.error.issues };
  const missing = importProblem(input, imported);
  return missing
    ? { config: null, configError: missing, configIssues: [{ path: 'dataset.preset', message: missing, sentence: missing }] }
    : { config: v.config, configError: null, configIssues: [] };
}

export interface StoreOptions {
  /** Where runs are kept, or the promise of it; null: not kept (no IndexedDB). */
  db?: RunsDb | null | Promise<RunsDb | null>;
  /** Replaces the worker after a fatal failure. */
  restartWorker?: () => Promise<void>;
}

export function createLabStore(client: LabClient, remote: <T extends (...a: never[]) => unknown>(f: T) => T, options: StoreOptions = {}) {
  const first = initialInput();
  const db = Promise.resolve(options.db ?? null);
  return create<LabState>()((set, get) => ({
    ...createRunSlice<LabState>(set, get, {
      client,
      remote,
      db,
      restartWorker: options.restartWorker,
      notify: (notice) => set({ notice }),
      showConfig: (input) => get().replaceInput(input),
    }),
    ...createSweepSlice<LabState>(set, get),
    ...createImportSlice<LabState>(set, get, { client, remote, db, revalidate: () => get().replaceInput(get().input) }),
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
    ...validated(first.input, null),
    notice: first.notice,
    setInput(patch) {
      const input = { ...get().input, ...patch };
      // Options belong to a method: switching method starts from the new one's defaults.
      if (patch.method && patch.method !== get().input.method && !patch.methodOptions) input.methodOptions = {};
      get().replaceInput(input);
    },
    replaceInput(input) {
      const v = validated(input, get().imported);
      set({ input, ...v });
      if (v.config && typeof history !== 'undefined') history.replaceState(null, '', configToHash(input));
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

    comparison: { status: 'idle', rows: [], error: null, config: null },
    paperScale: { status: 'idle', rows: [], error: null, config: null },
    async compareMethods(input, slot = 'comparison') {
      const v = validateConfig(input ?? get().input);
      if (!v.ok) throw v.error;
      const patch = (p: Partial<ComparisonState>) => set({ [slot]: { ...get()[slot], ...p } } as Partial<LabState>);
      patch({ status: 'running', rows: [], error: null, config: v.config });
      try {
        set({ backend: await client.init(v.config.backend) }); // the badge shows what the comparison runs on
      } catch (e) {
        patch({ status: 'error', error: (e as Error).message });
        throw e;
      }
      // Rows stream back on their own Comlink channel, so the last one can arrive after the final
      // result: once done (or for a row already in), a late row changes nothing.
      const onRow = remote((row: ComparisonRow) => {
        const state = get()[slot];
        if (state.status !== 'running' || state.rows.some((r) => r.key === row.key)) return;
        patch({ rows: [...state.rows, row] });
      });
      try {
        const rows = await client.compareMethods(input ?? get().input, onRow);
        patch({ status: 'done', rows, error: null });
        return rows;
      } catch (e) {
        patch({ status: 'error', error: (e as Error).message });
        throw e;
      }
    },
  }));
}

export type LabStore = ReturnType<typeof createLabStore>;
