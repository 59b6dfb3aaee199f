/** A heap for the compiled SIMD kernels' tests: the module instantiated on a memory, that memory filled with a sentinel, and a bump allocator. */
import type { SimdKernels } from '../src/engine/fused/wasm/simd/instance';

/** What every float of the heap holds until written: a kernel that writes past its output shows. */
export const SENTINEL = -777.25;

export function instantiate(b64: string, memory: WebAssembly.Memory): SimdKernels {
  const module = new WebAssembly.Module(Buffer.from(b64, 'base64'));
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
}

/** A float32 heap with the sentinel everywhere, and a bump allocator of float slots. */
export function heap(memory: WebAssembly.Memory) {
  const f = new Float32Array(memory.buffer);
  f.fill(SENTINEL);
  let next = 16; // float index: the kernels take byte offsets
  return {
    f,
    alloc(values: number[] | number): number {
      const n = typeof values === 'number' ? values : values.length;
      const at = next;
      if (typeof values !== 'number') f.set(values, at);
      next += n + 5; // 5 sentinels between blocks: a write past the end shows
      return at;
    },
  };
}
