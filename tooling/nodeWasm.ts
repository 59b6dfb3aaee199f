/** The wasm backend in Node for the scripts, with the FLOP hooks installed (the lab's wasm fallback's kernels). */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installKernelHooks } from '../src/engine/flops/counter';
import type { BackendInfo } from '../src/engine/backendIds';

export async function useNodeWasm(reason: string): Promise<BackendInfo> {
  const require = createRequire(import.meta.url);
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
  await tf.setBackend('wasm');
  await tf.ready();
  installKernelHooks('wasm');
  return { name: 'wasm', reason, isSoftware: false, timestampQuery: false };
}
