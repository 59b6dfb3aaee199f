/**
 * Kernels tfjs-backend-wasm 4.22 lacks but the lab needs. UnsortedSegmentSum is
 * the gradient of Gather (MAE's selection of kept tokens): without it MAE
 * cannot train on wasm ("Kernel 'UnsortedSegmentSum' not registered"). wasm
 * tensors live in CPU memory, so a plain TypeScript loop over them is what a
 * native kernel would do, minus SIMD. Registered before the FLOP hooks wrap the
 * backend's kernels, so it is counted like any other.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmFusedKernels } from './fused/wasm/index';
import { registerViewSlice } from './wasmSlice';
import { registerSwapTranspose } from './wasmTranspose';
import { replaceKernel } from './replaceKernel';

/** The parts of the wasm backend used here (its public methods). */
interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array | Int32Array): tf.TensorInfo;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** out[segmentIds[i], ...] += x[i, ...]; ids outside [0, numSegments) are dropped, as TensorFlow does. */
function unsortedSegmentSum(
  x: ArrayLike<number>,
  xShape: readonly number[],
  ids: ArrayLike<number>,
  idsShape: readonly number[],
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
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
  replaceKernel('Identity', 'wasm', 'sharing', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return original(args);
    (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}

/**
 * How a matmul can reach XNNPACK. tfjs-wasm 4.22 (batch_mat_mul_impl.cc) hands a matmul to
 * XNNPACK's fully-connected operator only when neither operand is transposed and both batch
 * sizes are 1; everything else runs a scalar, single-threaded triple loop (0.7-2.6 GFLOP/s
 * against ~20 for XNNPACK on one core). In training that is both backward matmuls of every
 * linear layer (dx = dy W^T, dW = x^T dy) and all attention matmuls. The plan says how to
 * rewrite a call into untransposed batch-1 products of the same values:
 * - `single`: batch 1 on both sides; a transposed operand is first materialised (Transpose).
 * - `fold`: b has batch 1, a has batch B: a (materialised untransposed) is one [B*M, K] matrix.
 * - `perBatch`: b has batch B (a has B or 1): B products [M, K] x [K, N] on views of the operands
 *   and of the output (no copies beyond the transposes).
 * null: leave it to the original kernel (broadcast patterns beyond these, empty tensors).
 */
export interface MatMulPlan {
  mode: 'single' | 'fold' | 'perBatch';
  batchA: number;
  batchB: number;
  m: number;
  k: number;
  n: number;
  outShape: number[];
}

/** Per-batch products below this many multiply-adds stay on the scalar loop: each XNNPACK call creates an operator and packs its weights (about 8 us), more than the loop takes for toy-B's 17x17x16 attention products (measured: 14 vs 7.5 us per product; 17x17x32 already gains 2.6x). */
const PER_BATCH_MIN_MACS = 8192;

export function planMatMul(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return null;
  const k = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const kb = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (k !== kb || m === 0 || n === 0 || k === 0) return null;
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const batchA = size(outerA);
  const batchB = size(outerB);
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null; // the original kernel reports it
  }
  const batch = size(outer);
  const outShape = [...outer, m, n];
  const plan = { batchA, batchB, m, k, n, outShape };
  if (batchA === 1 && batchB === 1) return transposeA || transposeB ? { mode: 'single', ...plan } : null;
  if (batchB === 1) return { mode: 'fold', ...plan };
  if ((batchA === batchB || batchA === 1) && batchB === batch && m * n * k >= PER_BATCH_MIN_MACS) return { mode: 'perBatch', ...plan };
  return null;
}

/** The wasm backend's internals the fast path needs (tfjs-backend-wasm 4.22's BackendWasm). */
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  dataIdNextNumber: number;
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, memoryOffset: number): void; disposeData(id: number): void };
  };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

type RawBatchMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  tA: boolean,
  tB: boolean,
  outId: number,
) => void;
const rawMatMuls = new WeakMap<object, RawBatchMatMul>();
function rawMatMul(backend: WasmBackendInternals): RawBatchMatMul {
  let f = rawMatMuls.get(backend.wasm);
  if (!f) {
    // The same C entry point the BatchMatMul kernel wraps (kernels/BatchMatMul.ts).
    f = backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
    rawMatMuls.set(backend.wasm, f);
  }
  return f;
}

const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);

/**
 * BatchMatMul on tfjs-wasm's fast path (see planMatMul). Still one kernel to tfjs and to the
 * FLOP counter: same name, inputs and attrs; the inner calls go to the original kernel
 * functions, not through the engine, so they are neither recorded nor counted. Every
 * intermediate (transposed copies, views) is freed before returning.
 */
function fastBatchMatMul(original: tf.KernelFunc, transpose: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original(args);
    const plan = planMatMul(a.shape, b.shape, transposeA, transposeB);
    if (!plan) return original(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const { batchA, batchB, m, k, n } = plan;
    const temps: tf.TensorInfo[] = [];
    // [batch, rows, cols] untransposed: a transposed operand is copied once, by the Transpose kernel.
    const materialise = (x: tf.TensorInfo, batch: number, rows: number, cols: number, transposed: boolean): tf.TensorInfo => {
      if (!transposed) return { dataId: x.dataId, shape: [batch, rows, cols], dtype: x.dtype };
      const t = transpose({
        inputs: { x: { dataId: x.dataId, shape: [batch, cols, rows], dtype: x.dtype } },
        backend: args.backend,
        attrs: { perm: [0, 2, 1] },
      }) as tf.TensorInfo;
      temps.push(t);
      return { dataId: t.dataId, shape: [batch, rows, cols], dtype: x.dtype };
    };
    try {
      const a3 = materialise(a, batchA, m, k, transposeA);
      const b3 = materialise(b, batchB, k, n, transposeB);
      if (plan.mode !== 'perBatch') {
        const rows = batchA * m; // fold: the batch of a is rows of one matrix (b is shared)
        const out = original({
          inputs: { a: { ...a3, shape: [rows, k] }, b: { ...b3, shape: [k, n] } },
          backend: args.backend,
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        }) as tf.TensorInfo;
        return { dataId: out.dataId, shape: plan.outShape, dtype: out.dtype };
      }
      const out = backend.makeOutput(plan.outShape, 'float32');
      const call = rawMatMul(backend);
      const aBase = backend.dataIdMap.get(a3.dataId).memoryOffset;
      const bBase = backend.dataIdMap.get(b3.dataId).memoryOffset;
      const oBase = backend.dataIdMap.get(out.dataId).memoryOffset;
      // Views: tensor ids over a slice of an existing buffer, known to the C side only, dropped
      // with tfjs.disposeData (which also deletes the XNNPACK operator cached on the id) and never
      // freed (the buffer belongs to its tensor).
      const view = (offset: number, elems: number) => {
        const id = backend.dataIdNextNumber++;
        backend.wasm.tfjs.registerTensor(id, elems, offset);
        return id;
      };
      const aShape = shapeBytes([1, m, k]);
      const bShape = shapeBytes([1, k, n]);
      let aView = batchA === 1 ? view(aBase, m * k) : 0;
      for (let i = 0; i < batchB; i++) {
        if (batchA !== 1) aView = view(aBase + 4 * i * m * k, m * k);
        const bView = view(bBase + 4 * i * k * n, k * n);
        const oView = view(oBase + 4 * i * m * n, m * n);
        call(aView, aShape, 3, bView, bShape, 3, false, false, oView);
        backend.wasm.tfjs.disposeData(bView);
        backend.wasm.tfjs.disposeData(oView);
        if (batchA !== 1) backend.wasm.tfjs.disposeData(aView);
      }
      if (batchA === 1) backend.wasm.tfjs.disposeData(aView);
      return out;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/** Replaces wasm's BatchMatMul by fastBatchMatMul (once; before the FLOP hooks wrap the kernels). */
function registerFastMatMul(): void {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose) replaceKernel('BatchMatMul', 'wasm', 'fast', (original) => fastBatchMatMul(original, transpose.kernelFunc));
}

export function registerMissingWasmKernels(): void {
  registerSharingIdentity();
  registerViewSlice();
  registerFastMatMul();
  registerSwapTranspose();
  registerWasmFusedKernels();
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
