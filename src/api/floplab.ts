/**
 * `window.floplab`: the programmatic API that scripts, tests and reviewers drive.
 * Every entry point validates its config first and rejects with a ConfigError
 * naming the field and the reason; nothing runs or changes on a bad config.
 */
import { defaultConfig, resolveConfig, validateConfig, type ExperimentConfig } from '../train/config';
import { listMethods, type MethodInfo } from '../methods/catalog';
import { MODEL_PRESETS } from '../models/presets';
import type { ComparisonRow, ProbeBaseline, RunResult, StepProfile, TrainRecord, TransferRecord } from '../train/records';
import type { BackendInfo, BackendOption } from '../engine/backendIds';
import { listDatasets } from '../data/presets';
import type { DatasetInfo } from '../data/source';
import type { DatasetPreview, ExploreOptions } from '../train/explore';
import type { ImportPayload, ImportReport } from '../data/importFiles';
import type { BenchResult } from '../train/bench';
import type { LabStore } from '../store/labStore';
import type { LabClient } from '../worker/client';
import type { MemoryInfo } from '../worker/protocol';
import { generateScene, sceneDigest, type SceneOptions } from '../data/scenes';
import type { StoredRun } from '../store/storedRun';
import type { SweepSpec } from '../experiments/sweep';
import type { SweepOptions, SweepProgress } from '../store/sweepSlice';
import { EXPERIMENT_PRESETS, experimentPreset, presetSpec, type ExperimentPreset, type PresetOverrides } from '../experiments/presets';
import { chartSvg, svgToPng } from '../ui/charts/chartImage';
import { parseSweepFile, sweepFile, type SweepFile } from '../experiments/sweepResults';
import type { BackendChoice } from '../engine/backendIds';

export interface FlopLabApi {
  version: string;
  /**
   * Resolves once the lab is up: the backend initialised (or its failure recorded in state) and
   * stored runs listed. `window.floplab` itself exists by the page's load event.
   */
  ready: Promise<void>;
  methods(): MethodInfo[];
  backends(): Promise<BackendOption[]>;
  modelPresets(): typeof MODEL_PRESETS;
  defaultConfig(overrides?: unknown): ExperimentConfig;
  validateConfig(config: unknown): { ok: true } | { ok: false; error: string; issues: { path: string; message: string; sentence: string }[] };
  profileStep(config?: unknown): Promise<StepProfile>;
  run(config?: unknown, onProgress?: (record: TrainRecord) => void): Promise<RunResult>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** What the page shows now: status, the shown run's id, backend, records, the random-init probe baseline and transfer evaluations so far, and why it failed. */
  state(): {
    status: string;
    runId: string | null;
    backend: unknown;
    records: TrainRecord[];
    baseline: ProbeBaseline | null;
    transfer: TransferRecord[];
    profile: StepProfile | null;
    error: string | null;
    heldAt: number | null;
  };
  /** Every stored run (IndexedDB), newest first: id, name, config, status, records, transfer, profile, checkpointStep. */
  runs(): Promise<StoredRun[]>;
  /** Shows a stored run (charts, figures, its config in the panel). */
  openRun(id: string): Promise<StoredRun>;
  renameRun(id: string, name: string): Promise<void>;
  deleteRun(id: string): Promise<void>;
  /** Continues a stopped, interrupted or failed run from its last checkpoint, on its backend or on `backend`. */
  resumeRun(id: string, backend?: BackendChoice): Promise<RunResult>;
  /** A stored run as a results file: JSON (everything but checkpoints) or CSV (one row per record). */
  exportRun(id: string, format?: 'json' | 'csv'): Promise<string>;
  /** Validates a results JSON (text, bytes or a File) and stores it as a new run; a bad file is rejected, naming what is wrong, and changes nothing. */
  importRun(file: string | Blob | ArrayBuffer | Uint8Array): Promise<StoredRun>;
  /**
   * Runs a sweep (methods x datasets x models x FLOP budgets x option variants x seeds; src/experiments/sweep.ts)
   * one run after another, each stored; a failed or diverged run is marked and the queue goes on.
   * `shard: [i, n]` runs every n-th run only. Resolves with every run's FLOPs, accuracy and status.
   */
  sweep(spec: SweepSpec, opts?: SweepOptions): Promise<SweepProgress>;
  stopSweep(): Promise<void>;
  /** The named experiments (Figure 1, Figure 2, Table 1, Figure 3, A.5, talk, smoke; src/experiments/presets.ts). */
  presets(): readonly ExperimentPreset[];
  /** Runs a preset: a sweep preset as a sweep (seeds and backend overridable, shardable), Figure 3 as a method comparison. */
  runPreset(
    id: string,
    opts?: PresetOverrides & { shard?: [number, number] },
  ): Promise<{ kind: 'sweep'; sweep: SweepProgress } | { kind: 'profile'; rows: ComparisonRow[] }>;
  /** The current (or last) sweep as one results file (src/experiments/sweepResults.ts). */
  sweepResults(): SweepFile;
  /** Sweep progress now: status, runs done of total, the run in progress, ETA. */
  sweepProgress(): SweepProgress;
  /** Shows a results file (JSON text) in the Experiments card without running; a bad file is refused naming what is wrong. */
  openSweepResults(json: string): SweepFile;
  /** The chart inside `[data-testid=target]` as SVG text or a PNG data URL (what its SVG/PNG buttons save); null when it is not on the page. */
  chartImage(target: string, format: 'svg' | 'png'): Promise<string | null>;
  /** Test hooks. `loseDevice` destroys the WebGPU device as a GPU reset would. */
  debug: { loseDevice(): Promise<boolean> };
  /** The dataset presets with their documented properties (the README's dataset table). */
  datasets(): DatasetInfo[];
  /** Samples (pixels, masks, labels, captions) and the class histogram of a config's dataset, as the explorer shows them. */
  exploreDataset(config?: unknown, opts?: ExploreOptions): Promise<DatasetPreview>;
  /**
   * Imports images to pre-train and probe on (dataset preset 'imported'): files from a folder
   * pick (class sub-folders become labels; webkitRelativePath is used as the path), or one .zip.
   * Unreadable files are skipped and listed in the report, never fatal.
   */
  importImages(files: FileList | File[] | Blob): Promise<ImportReport>;
  memory(): Promise<MemoryInfo>;
  /** FLOPs and measured kernel time per step of every method (MAE at each mask ratio, both decoders) for a config's model and batch. */
  compareMethods(config?: unknown): Promise<ComparisonRow[]>;
  /** FNV-1a digest of a generated scene: compares browser and Node output byte for byte. */
  sceneDigest(seed: number, index: number, options: SceneOptions): string;
  /** Steady-state timing for the benchmark script (see scripts/bench.ts). */
  benchmark(config: unknown, opts?: { steps?: number; warmup?: number; hooks?: boolean; profile?: boolean }): Promise<BenchResult & { backend: BackendInfo }>;
}

export function createApi(client: LabClient, store: LabStore, ready: Promise<void> = Promise.resolve()): FlopLabApi {
  const s = () => store.getState();
  return {
    version: '0.1.0',
    ready,
    methods: () => listMethods(),
    backends: () => client.backends(),
    modelPresets: () => MODEL_PRESETS,
    defaultConfig: (overrides = {}) => defaultConfig(overrides),
    validateConfig(config) {
      const v = validateConfig(config);
      return v.ok ? { ok: true } : { ok: false, error: v.error.message, issues: v.error.issues };
    },
    async profileStep(config = {}) {
      resolveConfig(config); // throws ConfigError before anything runs
      return client.profileStep(config);
    },
    async run(config = {}, onProgress) {
      resolveConfig(config);
      return s().start(config, onProgress);
    },
    pause: () => s().pause(),
    resume: () => s().resume(),
    stop: () => s().stop(),
    state: () => ({
      status: s().status,
      runId: s().runId,
      backend: s().backend,
      records: s().records,
      baseline: s().baseline,
      transfer: s().transfer,
      profile: s().profile,
      error: s().runError,
      heldAt: s().heldAt,
    }),
    async runs() {
      return s().refreshRuns();
    },
    openRun: (id) => s().openRun(id),
    renameRun: (id, name) => s().renameRun(id, name),
    deleteRun: (id) => s().deleteRun(id),
    resumeRun: (id, backend) => s().resumeRun(id, backend),
    exportRun: (id, format = 'json') => s().exportRun(id, format),
    async importRun(file) {
      const input = file instanceof Blob ? new Uint8Array(await file.arrayBuffer()) : file;
      return s().importRunFile(input);
    },
    sweep: (spec, opts) => s().runSweep(spec, opts),
    stopSweep: () => s().stopSweep(),
    presets: () => EXPERIMENT_PRESETS,
    async runPreset(id, opts = {}) {
      const preset = experimentPreset(id);
      if (preset.kind === 'profile')
        return { kind: 'profile', rows: await s().compareMethods({ ...preset.profile, ...(opts.backend ? { backend: opts.backend } : {}) }) };
      const spec = presetSpec(preset, opts);
      return { kind: 'sweep', sweep: await s().runSweep(spec, { name: preset.title, preset: preset.id, shard: opts.shard }) };
    },
    sweepProgress: () => s().sweep,
    async chartImage(target, format) {
      const chart = chartSvg(target);
      if (!chart) return null;
      if (format === 'svg') return chart.svg;
      const png = await svgToPng(chart.svg, chart.width, chart.height);
      return await new Promise<string>((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result as string); // readAsText gives a string
        reader.onerror = () => reject(new Error('the PNG could not be read back'));
        reader.readAsDataURL(png);
      });
    },
    openSweepResults(json) {
      const file = parseSweepFile(json);
      s().openSweepFile(file);
      return file;
    },
    sweepResults() {
      const w = s().sweep;
      return sweepFile(w.name, w.order, w.results, { ...(w.preset ? { preset: w.preset } : {}), ...(w.shard ? { shard: w.shard } : {}) });
    },
    debug: { loseDevice: () => client.loseDevice() },
    datasets: () => listDatasets(),
    async exploreDataset(config = {}, opts = {}) {
      resolveConfig(config);
      return s().exploreDataset(config, opts);
    },
    async importImages(files) {
      return s().importImages(await readImportPayload(files));
    },
    memory: () => client.memory(),
    async compareMethods(config = {}) {
      resolveConfig(config);
      return s().compareMethods(config);
    },
    sceneDigest: (seed, index, options) => sceneDigest(generateScene(seed, index, options)),
    async benchmark(config, opts = {}) {
      resolveConfig(config);
      return client.benchmark(config, { steps: opts.steps ?? 10, warmup: opts.warmup ?? 3, hooks: opts.hooks ?? true, profile: opts.profile ?? false });
    },
  };
}

/** Reads picked files (or one zip) on the page into the payload the worker decodes. */
async function readImportPayload(files: FileList | File[] | Blob): Promise<ImportPayload> {
  const isZip = (b: Blob) => !(b instanceof File) || /\.zip$/i.test(b.name);
  const list: Blob[] = files instanceof Blob ? [files] : Array.from(files as ArrayLike<File>);
  if (list.length === 1 && isZip(list[0])) {
    const name = list[0] instanceof File ? list[0].name : 'images.zip';
    return { zip: new Uint8Array(await list[0].arrayBuffer()), name };
  }
  return Promise.all(
    list.map(async (f) => {
      const file = f as File;
      return { path: file.webkitRelativePath || file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
    }),
  );
}
