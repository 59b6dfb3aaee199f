/**
 * What the live backend says about its memory, for the check the worker runs before each run:
 * `checkMemoryFits(estimateMemory(config), memoryLimits(info))` (src/train/memoryFit.ts, memoryEstimate.ts).
 *
 * - webgpu: the device's `limits.maxBufferSize` and `limits.maxStorageBufferBindingSize`.
 *   tfjs-backend-webgpu creates its device with the adapter's own values of both
 *   (`requiredLimits`), so these are the adapter's, not WebGPU's defaults (256 / 128 MiB).
 *   No total is reported: a GPU's free memory is not exposed to the page.
 * - wasm: nothing to read; its ceiling is a fact of tfjs-backend-wasm's build, which the
 *   estimate applies for `backend: 'wasm'` (WASM_HEAP_BYTES, 4 GiB - 64 KiB, cited there).
 * - cpu: nothing to read either; the estimate takes the JS heap limit where Chrome exposes it
 *   (`performance.memory.jsHeapSizeLimit`), else 4 GiB.
 *
 * The ceilings that need no backend live in the tfjs-free estimate module, so the page can
 * show them; this file only reads what a running backend reports (and imports nothing from
 * src/train/).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo, BackendName } from './backendIds';

export interface MemoryLimits {
  backend: BackendName;
  /** The most the backend can hold at once; absent: the estimate's static ceiling for the backend (wasm: its heap ceiling; cpu: the JS heap; WebGPU: none known). */
  heapBytes?: number;
  /** WebGPU: the device's largest buffer. */
  maxBufferSize?: number;
  /** WebGPU: the device's largest storage buffer binding (one tensor a kernel reads or writes). */
  maxStorageBufferBindingSize?: number;
}

interface GpuLimits {
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
}

const positive = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : undefined);

/** Limits of the backend `info` describes, read from the active tfjs backend (call it after `tf.setBackend`). */
export function memoryLimits(info: BackendInfo): MemoryLimits {
  // wasm and cpu: nothing to read from the backend; the estimate applies their static ceilings.
  if (info.name !== 'webgpu') return { backend: info.name };
  let limits: GpuLimits | undefined;
  try {
    // tfjs-backend-webgpu's WebGPUBackend keeps its GPUDevice as `device`.
    limits = (tf.backend() as unknown as { device?: { limits?: GpuLimits } }).device?.limits;
  } catch {
    limits = undefined;
  }
  return { backend: 'webgpu', maxBufferSize: positive(limits?.maxBufferSize), maxStorageBufferBindingSize: positive(limits?.maxStorageBufferBindingSize) };
}
