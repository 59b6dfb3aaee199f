/**
 * Browser-only backend loaders. The wasm binaries are bundled by Vite as assets
 * of this origin (`?url` imports), so the lab makes no request to any CDN.
 */
import type { BackendLoaders } from '../engine/backend';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';

export const browserLoaders: BackendLoaders = {
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
  wasm: async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The threaded build's pthread workers are created from a blob whose code
    // breaks once bundled ("e is not defined"), crashing the tab: use SIMD only.
    const tf = await import('@tensorflow/tfjs');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    // setWasmPaths insists on an entry for all three builds; the threaded one is
    // never fetched with multithreading off, so it points at the SIMD file rather
    // than bundling a binary nobody loads.
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmSimd,
    });
  },
};
