/**
 * Whether steps use the fused kernels. On by default (`engine.fused` in the config). The
 * models' fused kernels exist on webgpu only; the optimiser's on webgpu and wasm. Elsewhere,
 * and with the switch off, the composed tfjs ops run: the reference the fused kernels are
 * tested against.
 */
import * as tf from '@tensorflow/tfjs';

let wanted = true;

export function setFusedKernels(on: boolean): void {
  wanted = on;
}

/** True when an op should take its fused kernel now. */
export function useFused(): boolean {
  return wanted && tf.getBackend() === 'webgpu';
}

/**
 * True when the optimiser (AdamW, the global norm, EMA) should take its fused kernels: on
 * webgpu, and on wasm, where the same kernels run as loops over the wasm heap
 * (src/engine/fused/wasm/optimizer.ts). cpu keeps the composed ops. The models keep `useFused()`.
 */
export function useFusedOptimizer(): boolean {
  if (!wanted) return false;
  const backend = tf.getBackend();
  return backend === 'webgpu' || backend === 'wasm';
}
