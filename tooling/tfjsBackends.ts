import { createRequire } from 'node:module';
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

/** tfjs-wasm in Node (the lab's wasm fallback's kernels, several times faster than tfjs-cpu), FLOP hooks installed. */
export async function useWasmBackend(): Promise<void> {
  const require = createRequire(import.meta.url);
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
  await tf.setBackend('wasm');
  await tf.ready();
  installKernelHooks('wasm');
}
