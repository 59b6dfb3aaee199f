/** The wasm backend in Node for the scripts, with the FLOP hooks installed (the lab's wasm fallback's kernels). */
import type { BackendInfo } from '../src/engine/backendIds';
import { multiplyAddNote } from '../src/engine/fused/wasm/simd/instance';
import { useWasmBackend } from './tfjsBackends';

export async function useNodeWasm(reason: string): Promise<BackendInfo> {
  await useWasmBackend();
  return { name: 'wasm', reason: `${reason}; ${multiplyAddNote()}`, isSoftware: false, timestampQuery: false };
}
