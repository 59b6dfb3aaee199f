/**
 * AdamW as two WebGPU kernels per parameter, both writing in place (issue 10): the composed
 * update is 15-17 elementwise kernels per tensor.
 * - FlopLabAdamWMoments updates the packed moments `mv` ([2, n]: m in row 0, v in row 1) from
 *   the gradient and the clip scale (a 1-element tensor computed on the device: no readback).
 * - FlopLabAdamWParam updates the parameter from the new moments: bias-corrected
 *   m/(sqrt(v/bc2)+eps) times lr, then the decoupled decay p -= lr*wd*p (for `decay` params).
 * Both follow the composed ops' order of float32 operations (see src/engine/optimizer.ts).
 *
 * In place: the target (mv, or the parameter) is a kernel input; when the backend holds it only
 * once (refCount 1: no other tensor shares its buffer) the program's `result` binding is the
 * target's own buffer, the kernel returns the target's dataId (incRef'd: the caller disposes the
 * returned tensor and the target keeps its data). Otherwise the target is read as an input
 * (`prev`) and a new tensor is returned, which the caller assigns (`writeBack`).
 *
 * FLOPs, counted from what each kernel computes, 1 per add/mul/sub/div/sqrt per element, equal
 * to what the composed ops count: moments 7 per element (m: 2 mul + add; v: square, 2 mul, add)
 * plus 1 for the clip scale multiply when clipping; param 7 per element (2 div, div, sqrt, add
 * for the step; mul, sub for lr) plus 2 with decay (mul, sub).
 */
import * as tf from '@tensorflow/tfjs';
import type { Formula, KernelCall } from '../../flops/formulas';
import { runProgram, size, type FusedProgramSpec, type ProgramUniform } from './program';
import type { FusedModule } from '../module';

export const ADAMW_MOMENTS = 'FlopLabAdamWMoments';
export const ADAMW_PARAM = 'FlopLabAdamWParam';

type Info = tf.TensorInfo;

interface InPlaceBackend {
  refCount(dataId: object): number;
  incRef(dataId: object): void;
  tensorMap?: { get(dataId: object): { values?: unknown } | undefined };
}

/**
 * Runs `spec(read)` writing into `target`: in place when nothing else shares its buffer (`read`
 * is 'result'), else into a new tensor with the target bound as the last input `prev`. A body
 * reads the target's old element j as `${read}[j]`. `run` runs a spec (runProgram's signature). Shared by the in-place fused kernels
 * (AdamW, EMA, the sum-of-squares accumulator).
 */
export function runInPlace(
  backend: unknown,
  spec: (read: 'result' | 'prev') => FusedProgramSpec,
  target: Info,
  inputs: Info[],
  uniforms: ProgramUniform,
  run: typeof runProgram = runProgram,
): Info {
  const gpu = backend as InPlaceBackend;
  if (typeof gpu.refCount === 'function' && gpu.refCount(target.dataId) === 1) {
    const s = spec('result');
    run(backend, { ...s, key: `${s.key}_ip` }, inputs, uniforms, target);
    // A value read back earlier is cached on the CPU (tfjs-webgpu read()): it is stale now.
    const data = gpu.tensorMap?.get(target.dataId);
    if (data && 'values' in data) data.values = null;
    gpu.incRef(target.dataId);
    return { dataId: target.dataId, shape: target.shape, dtype: target.dtype };
  }
  const s = spec('prev');
  return run(backend, { ...s, key: `${s.key}_cp`, inputs: [...s.inputs, 'prev'] }, [...inputs, target], uniforms);
}

/** Puts an in-place kernel's result into `target` (assigning only when it was not written in place) and frees the returned handle. */
export function writeBack(target: tf.Variable, out: tf.Tensor): void {
  if (out.dataId !== target.dataId) target.assign(out);
  out.dispose();
}

const moments =
  (n: number, scaled: boolean) =>
  (read: string): FusedProgramSpec => ({
    key: `adamw_mv${scaled ? '_s' : ''}`,
    inputs: scaled ? ['g', 'scale'] : ['g'],
    outputShape: [2, n],
    threads: n,
    uniforms: 'n : i32, b1 : f32, c1 : f32, b2 : f32, c2 : f32,',
    body: `let n = uniforms.n;
    let g = ${scaled ? 'g[index] * scale[0]' : 'g[index]'};
    let m = ${read}[index] * uniforms.b1 + g * uniforms.c1;
    let v = ${read}[n + index] * uniforms.b2 + (g * g) * uniforms.c2;
    result[index] = m;
    result[n + index] = v;`,
  });

const param =
  (shape: number[], decay: boolean) =>
  (read: string): FusedProgramSpec => ({
    key: `adamw_p${decay ? '_d' : ''}`,
    inputs: ['mv'],
    outputShape: shape,
    threads: size(shape),
    uniforms: 'n : i32, bc1 : f32, bc2 : f32, eps : f32, lr : f32, wdlr : f32,',
    body: `let n = uniforms.n;
    let p = ${read}[index];
    let step = (mv[index] / uniforms.bc1) / (sqrt(mv[n + index] / uniforms.bc2) + uniforms.eps);
    var next = p - step * uniforms.lr;
    ${decay ? 'next = next - p * uniforms.wdlr;' : ''}
    result[index] = next;`,
  });

export interface AdamWMomentsAttrs {
  beta1: number;
  beta2: number;
}
export interface AdamWParamAttrs {
  lr: number;
  bc1: number;
  bc2: number;
  eps: number;
  /** lr * weightDecay for decayed params, 0 for the others (no decay term runs). */
  wdLr: number;
}

const f32 = (data: number) => ({ type: 'float32' as const, data: [data] });
const i32 = (data: number) => ({ type: 'int32' as const, data: [data] });

export const adamwModule: FusedModule = {
  kernels: [
    {
      kernelName: ADAMW_MOMENTS,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { g, mv, scale } = inputs as { g: Info; mv: Info; scale?: Info };
        const { beta1, beta2 } = attrs as unknown as AdamWMomentsAttrs;
        const n = size(g.shape);
        if (size(mv.shape) !== 2 * n) throw new Error(`${ADAMW_MOMENTS}: moments [${mv.shape}] for a gradient of ${n}`);
        return runInPlace(backend, moments(n, Boolean(scale)), mv, scale ? [g, scale] : [g], [i32(n), f32(beta1), f32(1 - beta1), f32(beta2), f32(1 - beta2)]);
      },
    },
    {
      kernelName: ADAMW_PARAM,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { p, mv } = inputs as { p: Info; mv: Info };
        const { lr, bc1, bc2, eps, wdLr } = attrs as unknown as AdamWParamAttrs;
        const n = size(p.shape);
        return runInPlace(backend, param([...p.shape], wdLr !== 0), p, [mv], [i32(n), f32(bc1), f32(bc2), f32(eps), f32(lr), f32(wdLr)]);
      },
    },
  ],
  gradients: [],
  formulas: new Map<string, Formula>([
    [ADAMW_MOMENTS, (c: KernelCall) => (c.inputs.scale ? 8 : 7) * size(c.inputs.g)],
    [ADAMW_PARAM, (c: KernelCall) => ((c.attrs.wdLr as number) !== 0 ? 9 : 7) * size(c.inputs.p)],
  ]),
};

/** m, v <- AdamW moments of `g` (times `scale` when given), in `mv` ([2, n]) in place. */
export function adamwMoments(mv: tf.Variable, g: tf.Tensor, scale: tf.Tensor | null, attrs: AdamWMomentsAttrs): void {
  const inputs: Record<string, tf.Tensor> = { g, mv };
  if (scale) inputs.scale = scale;
  writeBack(mv, tf.engine().runKernel(ADAMW_MOMENTS, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor);
}

/** p <- p - lr * m^/(sqrt(v^)+eps) [- lr*wd*p], from the updated moments `mv`, in place. */
export function adamwParam(p: tf.Variable, mv: tf.Tensor, attrs: AdamWParamAttrs): void {
  writeBack(p, tf.engine().runKernel(ADAMW_PARAM, { p, mv }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor);
}
