/**
 * wasm's Add and Multiply of two float32 tensors of one shape (a block's residual adds, the
 * gradients summed where a tensor feeds two ops) as one SIMD pass of `sameShapeBinary`
 * (simd/optimizer.wat). tfjs-wasm 4.22's kernels index every element through their broadcasting
 * rules: about 1.3 ns a float in Chromium, 19 Add calls a toy-B supervised step. One IEEE add or
 * multiply per float either way, so the floats are the same (tests/wasm-simd-reductions.test.ts);
 * a broadcast, another dtype or no SIMD goes to tfjs-wasm's own kernel.
 *
 * Still the kernels `Add` and `Multiply` to tfjs and to the FLOP counter (same names, inputs and
 * output), so counts and gradients are unchanged. Registered by ./index.ts in front of wasm's
 * kernels when the engine has WebAssembly SIMD, before the FLOP hooks wrap the backend.
 */
import * as tf from '@tensorflow/tfjs';
import { offset, size, type Info, type WasmBackend } from './heap';
import { simdKernelsSupported, simdOrFallback } from './simd/instance';
import { replaceKernel } from '../../replaceKernel';

function sameShapeKernel(op: 0 | 1) {
  return (original: tf.KernelFunc): tf.KernelFunc =>
    (args) => {
      const { a, b } = args.inputs as { a: Info; b: Info };
      const wasm = args.backend as unknown as WasmBackend;
      const simd = simdOrFallback(wasm.wasm);
      if (!simd || a.dtype !== 'float32' || b.dtype !== 'float32' || !tf.util.arraysEqual(a.shape, b.shape)) return original(args);
      const out = wasm.makeOutput([...a.shape], 'float32');
      const n = size(a.shape);
      if (n > 0) simd.sameShapeBinary(offset(wasm, a), offset(wasm, b), offset(wasm, out), n, op);
      return out;
    };
}

/** Puts the SIMD pass in front of wasm's Add and Multiply (once; only with WebAssembly SIMD). */
export function registerSameShapeBinary(): void {
  if (!simdKernelsSupported()) return;
  replaceKernel('Add', 'wasm', 'sameShape', sameShapeKernel(0));
  replaceKernel('Multiply', 'wasm', 'sameShape', sameShapeKernel(1));
}
