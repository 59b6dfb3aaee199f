/**
 * The global gradient norm's reduction as few WebGPU kernels (issue 10): FlopLabSumSquares sums
 * the squares of up to 7 tensors in one dispatch (WebGPU guarantees 8 storage buffers per stage:
 * 7 inputs and the result), one workgroup of 256 threads striding over each input and a
 * shared-memory tree reduction. Given `acc` (a 1-element tensor), it adds its sum into it in
 * place, so a chain of dispatches accumulates the whole sum with no AddN (tfjs-webgpu's AddN
 * binds all its inputs at once: past 7 the pipeline is invalid). FlopLabClipScale turns the norm
 * into the clip scale min(1, clip / (norm + 1e-6)) on the device.
 *
 * FLOPs: SumSquares 2 per input element (square, add), plus 1 when it accumulates into `acc`
 * (the composed path counts Square + Sum per element, then AddN: tensors - 1 adds; the fused
 * one counts dispatches - 1 accumulating adds instead, a few FLOPs fewer per step); the 255
 * adds of the in-workgroup tree are not counted (the composed Sum's tree is not either).
 * ClipScale 3 (add, div, min), as the composed add, div, minimum on a scalar.
 */
import * as tf from '@tensorflow/tfjs';
import type { Formula, KernelCall } from '../../flops/formulas';
import { makeProgram, runProgram, size, type FusedProgramSpec, type ProgramUniform, type WebGPUBackendLike } from './program';
import type { FusedModule } from '../module';
import { runInPlace } from './adamw';

export const SUM_SQUARES = 'FlopLabSumSquares';
export const CLIP_SCALE = 'FlopLabClipScale';
/** Tensors one SumSquares dispatch reads (8 storage buffers with its result). */
const SUM_SQUARES_MAX_INPUTS = 7;
const WG = 256;

type Info = tf.TensorInfo;

function sumSquaresSpec(k: number, read: 'result' | 'prev' | null): FusedProgramSpec {
  const names = Array.from({ length: k }, (_, i) => `x${i}`);
  const loops = names.map((x, i) => `for (var i = t; i < uniforms.n${i}; i = i + ${WG}) { let a = ${x}[i]; s = s + a * a; }`).join('\n    ');
  return {
    key: `sumsq${k}${read === null ? '' : '_acc'}`,
    inputs: names,
    outputShape: [],
    threads: WG,
    workgroup: WG,
    uniforms: names.map((_, i) => `n${i} : i32,`).join(' '),
    prelude: `var<workgroup> partial : array<f32, ${WG}>;`,
    body: `let t = i32(localId.x);
    var s = 0.0;
    ${loops}
    partial[t] = s;
    workgroupBarrier();
    for (var w = ${WG / 2}; w > 0; w = w / 2) {
      if (t < w) { partial[t] = partial[t] + partial[t + w]; }
      workgroupBarrier();
    }
    if (t == 0) { result[0] = ${read === null ? '' : `${read}[0] + `}partial[0]; }`,
  };
}

/**
 * Runs a one-workgroup spec. makeProgram's `main` returns early past `threads`, and a return in
 * non-uniform control flow before workgroupBarrier fails WGSL's uniformity analysis, so this
 * body is placed without that guard (all 256 invocations run it).
 */
function runWorkgroupProgram(backend: unknown, spec: FusedProgramSpec, inputs: Info[], uniforms: ProgramUniform = [], output?: Info): Info {
  const program = makeProgram(spec);
  program.getUserCode = () => `
      ${spec.prelude ?? ''}
      fn main(index : i32) {
        ${spec.body}
      }`;
  return (backend as WebGPUBackendLike).runWebGPUProgram(program, inputs, 'float32', [{ type: 'int32', data: [spec.threads] }, ...uniforms], output);
}

const clipScaleSpec: FusedProgramSpec = {
  key: 'clipscale',
  inputs: ['norm'],
  outputShape: [],
  threads: 1,
  uniforms: 'clip : f32,',
  // A NaN norm gives a NaN scale (as tfjs's Minimum does), so a diverged step shows.
  body: 'let q = uniforms.clip / (norm[0] + 1e-6); result[0] = select(min(1.0, q), q, q != q);',
};

export const sumSquaresModule: FusedModule = {
  kernels: [
    {
      kernelName: SUM_SQUARES,
      kernelFunc: ({ inputs, backend }) => {
        const named = inputs as Record<string, Info>;
        const xs: Info[] = [];
        for (let i = 0; named[`x${i}`]; i++) xs.push(named[`x${i}`]);
        if (xs.length < 1 || xs.length > SUM_SQUARES_MAX_INPUTS)
          throw new Error(`${SUM_SQUARES} takes 1 to ${SUM_SQUARES_MAX_INPUTS} tensors, got ${xs.length}`);
        const uniforms: ProgramUniform = xs.map((x) => ({ type: 'int32' as const, data: [size(x.shape)] }));
        const acc = named.acc;
        if (!acc) return runWorkgroupProgram(backend, sumSquaresSpec(xs.length, null), xs, uniforms);
        // Accumulate: in place when acc is ours alone, else into a new tensor reading acc as `prev`.
        return runInPlace(backend, (read) => sumSquaresSpec(xs.length, read), acc, xs, uniforms, runWorkgroupProgram);
      },
    },
    {
      kernelName: CLIP_SCALE,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { norm } = inputs as { norm: Info };
        const { clip } = attrs as unknown as { clip: number };
        return runProgram(backend, clipScaleSpec, [norm], [{ type: 'float32', data: [clip] }]);
      },
    },
  ],
  gradients: [],
  formulas: new Map<string, Formula>([
    [
      SUM_SQUARES,
      (c: KernelCall) => {
        let n = 0;
        for (const k in c.inputs) if (k !== 'acc') n += 2 * size(c.inputs[k]);
        return n + (c.inputs.acc ? 1 : 0);
      },
    ],
    [CLIP_SCALE, () => 3],
  ]),
};

/**
 * The sum of the squares of every element of `xs`, as a scalar tensor, in ceil(n/7) dispatches
 * that accumulate in place into the first one's result.
 */
export function fusedSumSquares(xs: readonly tf.Tensor[]): tf.Scalar {
  let acc: tf.Tensor | null = null;
  for (let k = 0; k < xs.length; k += SUM_SQUARES_MAX_INPUTS) {
    const inputs: Record<string, tf.Tensor> = {};
    xs.slice(k, k + SUM_SQUARES_MAX_INPUTS).forEach((x, i) => (inputs[`x${i}`] = x));
    if (acc) inputs.acc = acc;
    const out = tf.engine().runKernel(SUM_SQUARES, inputs, {}) as tf.Tensor;
    if (acc) {
      // In place: `out` shares acc's buffer; else acc is replaced by the new sum.
      if (out.dataId === acc.dataId) out.dispose();
      else {
        acc.dispose();
        acc = out;
      }
    } else acc = out;
  }
  if (!acc) return tf.scalar(0);
  return acc as tf.Scalar;
}

/** min(1, clip / (norm + 1e-6)) of a scalar norm, on the device. */
export function fusedClipScale(norm: tf.Tensor, clip: number): tf.Scalar {
  return tf.engine().runKernel(CLIP_SCALE, { norm }, { clip }) as tf.Scalar;
}
