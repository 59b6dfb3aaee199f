/** The results-file tests' run: a tiny MAE run with a tiny segmentation transfer, on cpu, as a stored run. */
import { expect } from 'vitest';
import { defaultConfig } from '../src/train/config';
import { runExperiment } from '../src/train/runner';
import type { BackendInfo } from '../src/engine/backendIds';
import { APP_VERSION, type StoredRun } from '../src/store/storedRun';
import { exportRunJson, parseRunFile, RunFileError } from '../src/store/runFile';

const backend: BackendInfo = {
  name: 'cpu',
  reason: 'cpu (fallback: WebGPU unavailable; wasm failed to load)',
  adapter: {
    vendor: 'google',
    architecture: 'swiftshader',
    device: 'SwiftShader Device',
    description: 'software',
    isFallbackAdapter: true,
    features: ['timestamp-query'],
  },
  isSoftware: true,
  timestampQuery: false,
};

/** The run, stored as the page stores it and as a file can hold it (call on the cpu backend). */
export async function fixtureRun(): Promise<StoredRun> {
  const config = defaultConfig({
    method: 'mae',
    model: 'tiny',
    batchSize: 4,
    steps: 4,
    logEvery: 1,
    evalEvery: 2,
    backend: 'cpu',
    dataset: { size: 64 },
    probe: { trainSize: 16, testSize: 16, k: 3, dense: false },
    transfer: { kind: 'segmentation', steps: 1, batchSize: 2, trainSize: 8, valSize: 8, headWidth: 4, scratch: false },
  });
  const result = await runExperiment(config, backend);
  // CLIP-like monitors on some records, so the CSV has monitor columns with gaps.
  result.records.forEach((r, i) => (r.monitors = i % 2 === 0 ? { logitScale: 14.2857 + i, 'teacher.entropy': 0.1 * i } : undefined));
  // As probed on a second worker in the page: its cumulative ms on every record.
  result.records.forEach((r, i) => (r.probeWorkerMs = 125.5 * (i + 1)));
  const run: StoredRun = {
    id: 'local-1',
    name: 'MAE tiny, 4 steps',
    createdAt: 1_767_000_000_000,
    updatedAt: 1_767_000_060_000,
    status: 'done',
    config: result.config,
    backend: result.backend,
    records: result.records,
    baseline: result.baseline,
    profile: result.profile,
    transfer: result.transfer,
    checkpointStep: 4,
    appVersion: APP_VERSION,
  };
  // JSON drops keys whose value is undefined (gpuMs on cpu): compare what a file can hold.
  return JSON.parse(JSON.stringify(run)) as StoredRun;
}

/** The run's JSON file after `mutate` edits its parsed document. */
export const fileOf = (run: StoredRun, mutate: (doc: { run: Record<string, unknown> } & Record<string, unknown>) => void) => {
  const doc = JSON.parse(exportRunJson(run));
  mutate(doc);
  return JSON.stringify(doc);
};

/** Asserts that parsing `input` throws a RunFileError whose message matches. */
export const rejects = (input: string | Uint8Array | ArrayBuffer, message: RegExp | string) => {
  let error: unknown;
  try {
    parseRunFile(input);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RunFileError);
  expect((error as Error).message).toMatch(message);
};
