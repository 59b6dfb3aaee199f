/** Shared by the tests that run whole experiments on tfjs-wasm at the tiny size: the backend they report and a small run's config. */
import type { BackendInfo } from '../src/engine/backendIds';
import { defaultConfig, type ExperimentInput } from '../src/train/config';

export const WASM_INFO: BackendInfo = { name: 'wasm', reason: 'test', isSoftware: false, timestampQuery: false };

/** A tiny supervised run on wasm with a small kNN probe, logged every step; `overrides` on top. */
export const tinyWasmRun = (overrides: ExperimentInput = {}) =>
  defaultConfig({
    model: 'tiny',
    batchSize: 8,
    steps: 8,
    logEvery: 1,
    evalEvery: 4,
    backend: 'wasm',
    dataset: { size: 256 },
    probe: { trainSize: 48, testSize: 32, k: 5, dense: false },
    ...overrides,
  });
