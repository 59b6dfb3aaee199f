/**
 * Slice for tfjs-backend-wasm that reads its input in place. tfjs-wasm 4.22's Slice starts with
 * `backend.readSync(x)`, which copies the WHOLE input out of the wasm heap (HEAPU8.slice) before
 * taking the part it needs: taking 64 images from the probe's 1,000 copied 12 MB per chunk, and
 * slices were 60 % of a kNN probe's kernel time. This one copies only the slice's elements, as
 * runs of contiguous memory from a view of the heap (typedArrayFromHeap, no copy), and gives the
 * same values for every rank and dtype but string (left to the original kernel).
 */
import * as tf from '@tensorflow/tfjs';
import { replaceKernel } from './replaceKernel';

/** The parts of tfjs-backend-wasm 4.22's BackendWasm used here. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Copies the box `begin` + `size` of `src` (row-major, `shape`) into `dst`, in runs: the trailing
 * axes the box spans whole are one contiguous block per index of the axes before them.
 */
function copySlice(
  src: Float32Array | Int32Array | Uint8Array,
  shape: readonly number[],
  dst: Float32Array | Int32Array | Uint8Array,
  begin: readonly number[],
  size: readonly number[],
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  // k: the outermost axis of the contiguous run (every axis after it is spanned whole).
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const run = size[k] * strides[k];
  const base = begin[k] * strides[k];
  let count = 1;
  for (let i = 0; i < k; i++) count *= size[i];
  const index = new Array<number>(k).fill(0);
  for (let c = 0, o = 0; c < count; c++, o += run) {
    let off = base;
    for (let i = 0; i < k; i++) off += (begin[i] + index[i]) * strides[i];
    dst.set(src.subarray(off, off + run), o);
    for (let i = k - 1; i >= 0; i--) {
      if (++index[i] < size[i]) break;
      index[i] = 0;
    }
  }
}

/** Replaces wasm's Slice with the in-place reader (once; idempotent). */
export function registerViewSlice(): void {
  replaceKernel('Slice', 'wasm', 'viewSlice', (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return original(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(s, x.dtype);
    if (s.some((d) => d === 0)) return out;
    // Views after the allocation: growing the heap detaches earlier ones.
    copySlice(backend.typedArrayFromHeap(x), x.shape, backend.typedArrayFromHeap(out), b, s);
    return out;
  });
}
