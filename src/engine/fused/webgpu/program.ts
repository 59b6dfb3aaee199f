/**
 * The one doorway to tfjs-backend-webgpu's program interface for the lab's fused kernels.
 * A fused kernel here is a WGSL body run by `backend.runWebGPUProgram`: tfjs generates the
 * bindings (`result` read-write, one read-only `array<f32>` per input, named as in `inputs`)
 * and the `uniforms` struct; our bodies index those arrays directly (row-major, flat), which
 * is simpler and faster than the generated coordinate helpers. Every program here runs
 * `threads` invocations in a flat 1-D dispatch and gets `uniforms.threads` to bound them.
 *
 * Only types come from the package's dist/ internals (pinned tfjs 4.22); the running code is
 * the backend's public `runWebGPUProgram`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program';

export type ProgramUniform = { type: 'int32' | 'float32' | 'uint32'; data: number[] }[];

export interface WebGPUBackendLike {
  runWebGPUProgram(program: WebGPUProgram, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: ProgramUniform, output?: tf.TensorInfo): tf.TensorInfo;
  /** tfjs-backend-webgpu's reference count of a data id (in-place updates need it to be 1). */
  refCount?(dataId: object): number;
  incRef?(dataId: object): void;
}

export interface FusedProgramSpec {
  /** Names the shader in tfjs's pipeline cache: must change whenever the generated WGSL does. */
  key: string;
  /** Input names, in the order `inputs` are passed; each becomes an `array<f32>` binding. */
  inputs: string[];
  outputShape: number[];
  /** Invocations to run; the body returns early at `index >= uniforms.threads`. */
  threads: number;
  /** Extra uniforms as WGSL struct members, e.g. `eps : f32, d : i32,` (after `threads`). */
  uniforms?: string;
  /** WGSL placed before `main` (workgroup arrays, helper functions). */
  prelude?: string;
  /** The body of `fn main(index: i32)`. */
  body: string;
  workgroup?: number;
}

const WORKGROUP = 64;

/** A WebGPUProgram from a spec: flat dispatch of ceil(threads / workgroup) workgroups. */
export function makeProgram(spec: FusedProgramSpec): WebGPUProgram {
  const workgroup = spec.workgroup ?? WORKGROUP;
  return {
    variableNames: spec.inputs,
    outputShape: spec.outputShape,
    shaderKey: `floplab_${spec.key}`,
    dispatchLayout: { x: spec.outputShape.map((_, i) => i) },
    dispatch: [Math.max(1, Math.ceil(spec.threads / workgroup)), 1, 1],
    workgroupSize: [workgroup, 1, 1],
    uniforms: `threads : i32, ${spec.uniforms ?? ''}`,
    getUserCode: () => `
      ${spec.prelude ?? ''}
      fn main(index : i32) {
        if (index >= uniforms.threads) { return; }
        ${spec.body}
      }`,
  };
}

/**
 * Runs a spec on the backend. `uniforms` carries the values of `spec.uniforms` in order
 * (threads is added first), one entry per scalar member: tfjs packs an entry of two or more
 * values as a vector with vector alignment, which would shift every member after it. `output`, when given, is written in place: its buffer is the
 * `result` binding, so a body may read `result[i]` before writing it.
 */
export function runProgram(
  backend: unknown,
  spec: FusedProgramSpec,
  inputs: tf.TensorInfo[],
  uniforms: ProgramUniform = [],
  output?: tf.TensorInfo,
): tf.TensorInfo {
  const gpu = backend as WebGPUBackendLike;
  return gpu.runWebGPUProgram(makeProgram(spec), inputs, 'float32', [{ type: 'int32', data: [spec.threads] }, ...uniforms], output);
}

/** Integer uniforms, one entry per value (see `runProgram`: never one entry of several). */
export const ints = (...xs: number[]): ProgramUniform => xs.map((x) => ({ type: 'int32' as const, data: [x] }));

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
