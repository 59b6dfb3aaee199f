/**
 * The memory ceilings known without a live backend (tfjs-free, so the page can show them): the
 * wasm heap's, the JS heap's for cpu, none for WebGPU, whose buffer limits come from the device
 * (src/engine/memoryLimits.ts).
 */
import type { BackendName } from '../engine/backendIds';
import type { MemoryLimits } from '../engine/memoryLimits';

export type { MemoryLimits };

/**
 * The wasm backend's heap ceiling: tfjs-backend-wasm 4.22 is built with a growable memory of
 * at most 65536 pages (the memory section of dist/tfjs-backend-wasm-simd.wasm declares
 * max 65536 x 64 KiB), and its emscripten glue refuses to grow past
 * `function getHeapMax() { return 4294901760; }` (4 GiB - 64 KiB:
 * node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js line 8226, and
 * wasm-out/tfjs-backend-wasm-simd.js). Past it, an allocation fails and the runtime aborts
 * (`RuntimeError: Aborted()`).
 */
export const WASM_HEAP_BYTES = 4294901760;

/** The cpu backend keeps tensors as JS typed arrays: Chrome's `performance.memory.jsHeapSizeLimit` where exposed, else 4 GiB. */
const DEFAULT_JS_HEAP_BYTES = 4 * 2 ** 30;

/** The JS heap limit Chrome reports (`performance.memory.jsHeapSizeLimit`), else DEFAULT_JS_HEAP_BYTES. */
function jsHeapBytes(): number {
  const limit = (globalThis.performance as unknown as { memory?: { jsHeapSizeLimit?: number } } | undefined)?.memory?.jsHeapSizeLimit;
  return typeof limit === 'number' && limit > 0 ? limit : DEFAULT_JS_HEAP_BYTES;
}

/**
 * The limits known without a live backend: wasm's heap ceiling, the JS heap for cpu, nothing
 * for WebGPU (its buffer limits come from the device: src/engine/memoryLimits.ts).
 */
export function staticMemoryLimits(backend: BackendName): MemoryLimits {
  if (backend === 'wasm') return { backend, heapBytes: WASM_HEAP_BYTES };
  if (backend === 'cpu') return { backend, heapBytes: jsHeapBytes() };
  return { backend };
}

/** The total a backend can hold: the limits' own, else the backend's static ceiling (none for WebGPU). */
export function heapCeiling(limits: MemoryLimits): number | undefined {
  return limits.heapBytes ?? staticMemoryLimits(limits.backend).heapBytes;
}
