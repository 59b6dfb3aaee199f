/**
 * Backend ids and the plain-JSON facts about a backend, kept free of tfjs so
 * the config schema and the page can use them; src/engine/backend.ts does the
 * selecting.
 */
export const BACKEND_IDS = ['auto', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_IDS)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
}

export interface BackendInfo {
  name: BackendName;
  /** Why this backend runs (the choice, or the fallback and its cause). */
  reason: string;
  adapter?: AdapterInfo;
  /** True for software adapters such as SwiftShader: slow, fine for correctness. */
  isSoftware: boolean;
  timestampQuery: boolean;
  /**
   * WebGPU only: the optional device features the lab asked for (timestamp-query,
   * subgroups, shader-f16, where the adapter has them) that the device granted.
   */
  features?: string[];
}

export interface BackendOption {
  id: BackendChoice;
  label: string;
  available: boolean;
  why?: string;
}
