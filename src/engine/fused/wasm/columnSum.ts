/**
 * wasm's Sum over leading axes, e.g. a linear layer's bias gradient (the sum of dy over every
 * row), as one pass of the SIMD kernel `columnSum` (simd/optimizer.wat). tfjs-wasm 4.22 reduces
 * only innermost axes, so it first transposes [rows, cols] to [cols, rows], a full copy, then
 * sums each row of the copy: toy-B supervised spent 1.6 ms of a 30 ms step there (27 calls).
 * The kernel sums each column in row order from 0, as that path does, so the floats are the
 * same (tests/wasm-simd-reductions.test.ts); every other Sum goes to tfjs-wasm's own kernel.
 *
 * Still the kernel `Sum` to tfjs and to the FLOP counter (same name, inputs, attributes and
 * output), so counts and gradients are unchanged. Registered by ./index.ts in place of wasm's Sum
 * when the engine has WebAssembly SIMD, before the FLOP hooks wrap the backend.
 */
import * as tf from '@tensorflow/tfjs';
import { leadingReduction } from '../leadingAxes';
import { offset, type Info, type WasmBackend } from './heap';
import { simdKernelsSupported, simdOrFallback } from './simd/instance';
import { replaceKernel } from '../../replaceKernel';

function columnSumKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const wasm = args.backend as unknown as WasmBackend;
    const simd = simdOrFallback(wasm.wasm);
    const sums = x.dtype === 'float32' ? leadingReduction(x.shape, axis, keepDims) : null;
    if (!simd || !sums) return original(args);
    const out = wasm.makeOutput(sums.outShape, 'float32');
    simd.columnSum(offset(wasm, x), offset(wasm, out), sums.rows, sums.cols);
    return out;
  };
}

/** Puts the column sum in front of wasm's Sum (once; only with WebAssembly SIMD). */
export function registerColumnSum(): void {
  if (simdKernelsSupported()) replaceKernel('Sum', 'wasm', 'columnSum', columnSumKernel);
}
