/** The typed surface of the training worker, as Comlink exposes it. */
import type { ComparisonRow, ProbeBaseline, RunResult, StepProfile, TrainRecord, TransferProgress, TransferRecord } from '../train/records';
import type { BackendChoice, BackendInfo, BackendOption } from '../engine/backendIds';
import type { BenchResult } from '../train/bench';
import type { DatasetPreview, ExploreOptions } from '../train/explore';
import type { ImportPayload, ImportReport } from '../data/importFiles';
import type { ImportProgress } from './importService';
import type { ImportedSnapshot } from '../data/imported';
import type { RunCheckpoint } from '../train/checkpoint';

export type WorkerEvent =
  | { type: 'backend'; backend: BackendInfo }
  | { type: 'profile'; profile: StepProfile }
  | { type: 'baseline'; baseline: ProbeBaseline }
  | { type: 'record'; record: TrainRecord }
  | { type: 'transfer'; record: TransferRecord }
  | { type: 'transfer-progress'; progress: TransferProgress }
  | { type: 'checkpoint'; checkpoint: RunCheckpoint }
  /** The run is held at a step boundary after a pause: no step runs until resume. */
  | { type: 'held'; stepsDone: number };

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
  numBytesInGPU?: number;
}

export interface LabWorkerApi {
  /** Starts (or switches to) a backend; resolves with what actually runs and why. */
  init(choice: BackendChoice): Promise<BackendInfo>;
  backends(): Promise<BackendOption[]>;
  /** One instrumented step of a (validated here again) config. */
  profileStep(config: unknown): Promise<StepProfile>;
  /** Trains `config`, or continues `resumeFrom` (a checkpoint of the same config; the backend may differ). */
  run(config: unknown, onEvent: (e: WorkerEvent) => void, resumeFrom?: RunCheckpoint): Promise<RunResult>;
  pause(): void;
  resume(): void;
  stop(): void;
  memory(): MemoryInfo;
  /** Test hook: destroys the WebGPU device, as a driver reset or a lost GPU would (no-op on other backends). */
  loseDevice(): Promise<boolean>;
  /** Profiles one step of every method variant for the config's model and batch, row by row. */
  compareMethods(config: unknown, onRow: (row: ComparisonRow) => void | Promise<void>): Promise<ComparisonRow[]>;
  /** Samples, annotations and class histogram of a config's dataset (cheap; allowed while a run trains). */
  exploreDataset(config: unknown, opts: ExploreOptions): DatasetPreview;
  /** Decodes, resizes and validates images in the worker; the set becomes dataset preset 'imported'. */
  importImages(payload: ImportPayload, onProgress?: (p: ImportProgress) => void): Promise<ImportReport>;
  /** The imported set as one record for the page to keep (null before any import). */
  importedSnapshot(): ImportedSnapshot | null;
  /** Restores a kept set as the current import; rejects naming a damaged record. */
  restoreImported(snapshot: ImportedSnapshot): Promise<ImportReport>;
  /** Drops the imported set: preset 'imported' has no images until the next import. */
  forgetImported(): Promise<void>;
  /** Steady-state ms/step; `hooks: false` removes the FLOP wrappers to measure their overhead. */
  benchmark(config: unknown, opts: { steps: number; warmup: number; hooks: boolean; profile?: boolean }): Promise<BenchResult & { backend: BackendInfo }>;
}
