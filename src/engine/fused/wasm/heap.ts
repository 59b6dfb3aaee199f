/**
 * What the wasm fused kernels share: tfjs-backend-wasm 4.22's internals they read (pinned; see
 * tests/tfjs-internals.test.ts), float32 views of tensors on the wasm heap, and outputs that may
 * reuse a target's buffer. The kernels are TypeScript loops over the heap: wasm tensors live in
 * that memory, so a loop reads and writes them where they are, in one kernel call, where the
 * composed ops cost one call (about 15 us of tfjs overhead) per elementwise step.
 */
import type * as tf from '@tensorflow/tfjs';
import type { WasmModule } from './simd/instance';

export type Info = tf.TensorInfo;

/** The parts of tfjs-backend-wasm 4.22's BackendWasm used here. */
export interface WasmBackend {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  wasm: WasmModule & {
    HEAPU8: Uint8Array;
    tfjs: { registerTensor(id: number, size: number, memoryOffset: number): void; disposeData(id: number): void };
  };
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  refCount(dataId: object): number;
  incRef(dataId: object): void;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The byte offset of a float32 tensor's buffer on the wasm heap (what the SIMD kernels take). */
export function offset(backend: WasmBackend, x: Info): number {
  if (x.dtype !== 'float32') throw new Error(`fused wasm kernels take float32 tensors, got ${x.dtype}`);
  return bufferOffset(backend, x);
}

/** The byte offset of a tensor's buffer on the wasm heap, whatever its dtype (a copy kernel's: src/engine/wasmTranspose.ts). */
export function bufferOffset(backend: WasmBackend, x: Info): number {
  const data = backend.dataIdMap.get(x.dataId);
  if (!data) throw new Error('wasm kernel: tensor not on the wasm backend');
  return data.memoryOffset;
}

/** A Float32Array view of a tensor's heap buffer. Take views after every allocation: growing the heap detaches them. */
export function view(backend: WasmBackend, x: Info, n = size(x.shape)): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer, offset(backend, x), n);
}

/**
 * Where a kernel writes the new value of `target`: its own buffer when nothing else holds it
 * (the C side's record of its id is dropped and made again, which runs the disposal callbacks
 * of XNNPACK's operator caches keyed on that id: a weight written in place must not keep being
 * multiplied by its old packed copy), else a new tensor.
 */
export function output(backend: WasmBackend, target: Info): Info {
  if (backend.refCount(target.dataId) === 1) {
    const data = backend.dataIdMap.get(target.dataId);
    if (data) {
      backend.wasm.tfjs.disposeData(data.id);
      backend.wasm.tfjs.registerTensor(data.id, size(target.shape), data.memoryOffset);
      backend.incRef(target.dataId);
      return { dataId: target.dataId, shape: target.shape, dtype: target.dtype };
    }
  }
  return backend.makeOutput([...target.shape], 'float32');
}

/** A kernel function's arguments, typed as the fused kernels read them. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}
