/**
 * `window.floplab`: the programmatic API that scripts, tests and reviewers drive.
 * Every entry point validates its config first and rejects with a ConfigError
 * naming the field and the reason; nothing runs or changes on a bad config.
 */
import { defaultConfig, resolveConfig, validateConfig, type ExperimentConfig } from '../train/config';
import { listMethods, type MethodInfo } from '../methods/catalog';
import { MODEL_PRESETS } from '../models/presets';
import type { BackendInfo, BackendOption, ComparisonRow, RunResult, StepProfile, TrainRecord } from '../train/records';
import type { BenchResult } from '../train/bench';
import type { LabStore } from '../store/labStore';
import type { LabClient } from '../worker/client';
import type { MemoryInfo } from '../worker/protocol';
import { generateScene, sceneDigest, type SceneOptions } from '../data/scenes';

export interface FlopLabApi {
  version: string;
  methods(): MethodInfo[];
  backends(): Promise<BackendOption[]>;
  modelPresets(): typeof MODEL_PRESETS;
  defaultConfig(overrides?: unknown): ExperimentConfig;
  validateConfig(config: unknown): { ok: true } | { ok: false; error: string; issues: { path: string; message: string }[] };
  profileStep(config?: unknown): Promise<StepProfile>;
  run(config?: unknown, onProgress?: (record: TrainRecord) => void): Promise<RunResult>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** What the page shows now: status, backend, records so far. */
  state(): { status: string; backend: unknown; records: TrainRecord[]; profile: StepProfile | null };
  memory(): Promise<MemoryInfo>;
  /** FLOPs and measured kernel time per step of every method (MAE at each mask ratio, both decoders) for a config's model and batch. */
  compareMethods(config?: unknown): Promise<ComparisonRow[]>;
  /** FNV-1a digest of a generated scene: compares browser and Node output byte for byte. */
  sceneDigest(seed: number, index: number, options: SceneOptions): string;
  /** Steady-state timing for the benchmark script (see scripts/bench.ts). */
  benchmark(config: unknown, opts?: { steps?: number; warmup?: number; hooks?: boolean }): Promise<BenchResult & { backend: BackendInfo }>;
}

export function createApi(client: LabClient, store: LabStore): FlopLabApi {
  const s = () => store.getState();
  return {
    version: '0.1.0',
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
    state: () => ({ status: s().status, backend: s().backend, records: s().records, profile: s().profile }),
    memory: () => client.memory(),
    async compareMethods(config = {}) {
      resolveConfig(config);
      return s().compareMethods(config);
    },
    sceneDigest: (seed, index, options) => sceneDigest(generateScene(seed, index, options)),
    async benchmark(config, opts = {}) {
      resolveConfig(config);
      return client.benchmark(config, { steps: opts.steps ?? 10, warmup: opts.warmup ?? 3, hooks: opts.hooks ?? true });
    },
  };
}

