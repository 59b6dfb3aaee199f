import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installKernelHooks } from '../src/engine/flops/counter';

/** tfjs cpu backend with the FLOP hooks installed, quiet about tfjs-node. */
export async function useCpuBackend(): Promise<void> {
  tf.env().set('IS_TEST', true);
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
  installKernelHooks('cpu');
}

/**
 * Relaxed SIMD in this Node process, as Chromium has it (Node 20's V8 runs it only behind this
 * flag; later Nodes by default): the compiled kernels then fuse their products' multiply-adds, so
 * the scripts and tests compute the floats the page does (src/engine/fused/wasm/simd/instance.ts).
 * V8 reads the flag when it compiles a module, and the kernels compile on their first call.
 */
export function enableRelaxedSimd(): void {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}

/** tfjs-wasm in Node (the lab's wasm fallback's kernels, several times faster than tfjs-cpu), FLOP hooks installed, relaxed SIMD on. */
export async function useWasmBackend(): Promise<void> {
  enableRelaxedSimd();
  const require = createRequire(import.meta.url);
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
  await tf.setBackend('wasm');
  await tf.ready();
  installKernelHooks('wasm');
}
