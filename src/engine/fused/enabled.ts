/**
 * Whether steps use the fused kernels. On by default (`engine.fused` in the config). Every fused
 * kernel exists on webgpu; on wasm, the optimiser's and those of WASM_FUSED_OPS. Elsewhere, and
 * with the switch off, the composed tfjs ops run: the reference the fused kernels are tested against.
 */
import * as tf from '@tensorflow/tfjs';

let wanted = true;

export function setFusedKernels(on: boolean): void {
  wanted = on;
}

/** Whether the fused kernels are switched on (`engine.fused`), whatever the backend. */
export function fusedKernelsWanted(): boolean {
  return wanted;
}

/** The fused model ops, by the kernels they call. */
export type FusedOp = 'layerNorm' | 'gelu' | 'linear' | 'attention' | 'crossEntropy' | 'prependToken' | 'batchNorm';

/** The ops whose kernels also exist on wasm (src/engine/fused/wasm/, registered with the backend's missing kernels) and are faster there. */
export const WASM_FUSED_OPS: readonly FusedOp[] = ['layerNorm', 'linear', 'gelu', 'attention', 'prependToken', 'crossEntropy'];
/** Those of them that are compiled SIMD kernels (src/engine/fused/wasm/simd/): an engine without WebAssembly SIMD keeps their composed ops. */
export const SIMD_FUSED_OPS: readonly FusedOp[] = ['gelu', 'attention'];
let onWasm = new Set<FusedOp>(WASM_FUSED_OPS);

/** Which ops take their fused kernels on wasm (the bench and tests compare with and without; the default is WASM_FUSED_OPS). */
export function setWasmFusedOps(ops: readonly FusedOp[]): void {
  onWasm = new Set(ops);
}

/** True when `op` should take its fused kernel now: on webgpu, and on wasm for the ops written for it. */
export function useFused(op: FusedOp): boolean {
  if (!wanted) return false;
  const backend = tf.getBackend();
  return backend === 'webgpu' || (backend === 'wasm' && onWasm.has(op));
}

/**
 * True when the optimiser (AdamW, the global norm, EMA) should take its fused kernels: on
 * webgpu, and on wasm, where the same kernels run as loops over the wasm heap
 * (src/engine/fused/wasm/optimizer.ts). cpu keeps the composed ops. The models ask `useFused(op)`.
 */
export function useFusedOptimizer(): boolean {
  if (!wanted) return false;
  const backend = tf.getBackend();
  return backend === 'webgpu' || backend === 'wasm';
}
