/**
 * Kernels tfjs-backend-wasm 4.22 lacks but the lab needs. UnsortedSegmentSum is
 * the gradient of Gather (MAE's selection of kept tokens): without it MAE
 * cannot train on wasm ("Kernel 'UnsortedSegmentSum' not registered"). wasm
 * tensors live in CPU memory, so a plain TypeScript loop over them is what a
 * native kernel would do, minus SIMD. Registered before the FLOP hooks wrap the
 * backend's kernels, so it is counted like any other.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of the wasm backend used here (its public methods). */
interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array | Int32Array): tf.TensorInfo;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** out[segmentIds[i], ...] += x[i, ...]; ids outside [0, numSegments) are dropped, as TensorFlow does. */
export function unsortedSegmentSum(x: ArrayLike<number>, xShape: readonly number[], ids: ArrayLike<number>, idsShape: readonly number[], numSegments: number, out: Float32Array | Int32Array): void {
  const inner = size(xShape) / size(idsShape);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= numSegments) continue;
    for (let j = 0; j < inner; j++) out[id * inner + j] += x[i * inner + j];
  }
}

/**
 * Identity sharing its input's buffer, as tfjs-backend-cpu's does and wasm's own Reshape does
 * (incRef). tfjs-wasm 4.22's Identity copies the data, and tfjs-core clones (Identity) every
 * tensor a gradient rule saves for the backward, so on wasm every saved activation was held
 * twice: a ViT-B/16 step at batch 1 peaked at 3.2 GB of live buffers (3.5 GB of heap) where the
 * memory estimate, calibrated on cpu, says 2.3. Tensors are immutable, so sharing is safe.
 */
function registerSharingIdentity(): void {
  const original = tf.getKernel('Identity', 'wasm');
  if (!original || (original as { sharing?: boolean }).sharing) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string') return original.kernelFunc(args) as tf.TensorInfo;
      (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
    sharing: true,
  } as tf.KernelConfig);
}

export function registerMissingWasmKernels(): void {
  registerSharingIdentity();
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const wasm = backend as unknown as WasmBackendLike;
      const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const out = x.dtype === 'int32' ? new Int32Array(size(outShape)) : new Float32Array(size(outShape));
      unsortedSegmentSum(wasm.readSync(x.dataId), x.shape, wasm.readSync(segmentIds.dataId), segmentIds.shape, numSegments, out);
      return wasm.makeOutput(outShape, x.dtype, undefined, out);
    },
  });
}
