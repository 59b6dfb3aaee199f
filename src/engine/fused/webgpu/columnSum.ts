/**
 * WebGPU's Sum over leading axes, e.g. a linear layer's bias gradient (dy summed over every
 * row), as a column sum: each invocation sums one column over a chunk of 64 rows, and a second
 * dispatch (only when there is more than one chunk) adds a column's chunks. tfjs-webgpu 4.22
 * reduces innermost axes only, so it transposes [rows, cols] first, a full copy: on SwiftShader
 * the 27 bias gradients of a 64-token toy-B supervised step took 2.7 s of its 14.7 s of kernel
 * time (scripts/kernel-profile.ts). Sums run in another order than tfjs's tree reduction: equal
 * to float32 rounding (tests/webgpu-column-sum.test.ts).
 *
 * Still the kernel `Sum` to tfjs and to the FLOP counter (same name, inputs, attributes and
 * output), so counts and gradients are unchanged. Registered in place of webgpu's Sum by
 * ../index.ts, before the FLOP hooks wrap the backend; with the fused kernels switched off
 * (`engine.fused: false`), every Sum is tfjs's own.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedKernelsWanted } from '../enabled';
import { leadingReduction } from '../leadingAxes';
import { ints, runProgram, type FusedProgramSpec } from './program';
import { replaceKernel } from '../../replaceKernel';

/** Rows one invocation of the first pass sums. */
const COLUMN_SUM_CHUNK = 64;

type Info = tf.TensorInfo;

/** Sums rows [s * chunk, (s + 1) * chunk) of column c into result[s * cols + c], in row order. */
const partialSpec = (chunks: number, cols: number, outputShape: number[]): FusedProgramSpec => ({
  key: 'colsum_partial',
  inputs: ['x'],
  outputShape,
  threads: chunks * cols,
  uniforms: 'rows : i32, cols : i32,',
  body: `let c = index % uniforms.cols;
    let r0 = (index / uniforms.cols) * ${COLUMN_SUM_CHUNK};
    let r1 = min(r0 + ${COLUMN_SUM_CHUNK}, uniforms.rows);
    var acc = 0.0;
    for (var r = r0; r < r1; r = r + 1) { acc = acc + x[r * uniforms.cols + c]; }
    result[index] = acc;`,
});

/** Adds column c's chunk sums: result[c] = sum over s of partial[s * cols + c]. */
const totalSpec = (cols: number, outputShape: number[]): FusedProgramSpec => ({
  key: 'colsum_total',
  inputs: ['partial'],
  outputShape,
  threads: cols,
  uniforms: 'chunks : i32, cols : i32,',
  body: `var acc = 0.0;
    for (var s = 0; s < uniforms.chunks; s = s + 1) { acc = acc + partial[s * uniforms.cols + index]; }
    result[index] = acc;`,
});

function columnSumKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const sums = fusedKernelsWanted() && x.dtype === 'float32' ? leadingReduction(x.shape, axis, keepDims) : null;
    if (!sums) return original(args);
    const { rows, cols, outShape } = sums;
    const chunks = Math.ceil(rows / COLUMN_SUM_CHUNK);
    if (chunks === 1) return runProgram(args.backend, partialSpec(1, cols, outShape), [x], ints(rows, cols));
    const partial = runProgram(args.backend, partialSpec(chunks, cols, [chunks, cols]), [x], ints(rows, cols));
    const out = runProgram(args.backend, totalSpec(cols, outShape), [partial], ints(chunks, cols));
    (args.backend as { disposeData(dataId: object): void }).disposeData(partial.dataId);
    return out;
  };
}

/** Puts the column sum in front of webgpu's Sum (once). */
export function registerWebgpuColumnSum(): void {
  replaceKernel('Sum', 'webgpu', 'columnSum', columnSumKernel);
}
