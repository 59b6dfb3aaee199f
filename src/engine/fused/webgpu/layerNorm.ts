/**
 * LayerNorm over the last axis as one WebGPU kernel forward and three backward (row stats,
 * dx, dgamma; dbeta is a plain Sum), instead of about 10 kernels forward and 25 backward
 * for the composed moments -> normalise -> affine. One invocation per row (or per column for
 * dgamma): rows are short (D <= 1024 in every preset), so a serial loop is cheap and needs no
 * workgroup reduction.
 *
 * FLOPs, counted from what each kernel computes (1 per add/mul/sub/div, rsqrt 1):
 * forward 8 per element + 4 per row (the composed path counts 8 per element + 2 per row);
 * stats 4 per element + 4 per row; dx 13 per element + 2 per row; dgamma 4 per element.
 */
import * as tf from '@tensorflow/tfjs';
import type { Formula, KernelCall } from '../../flops/formulas';
import { runProgram, size, type FusedProgramSpec } from './program';
import type { FusedModule } from '../module';

export const LAYER_NORM = 'FlopLabLayerNorm';
export const LAYER_NORM_STATS = 'FlopLabLayerNormStats';
export const LAYER_NORM_GRAD_X = 'FlopLabLayerNormGradX';
export const LAYER_NORM_GRAD_GAMMA = 'FlopLabLayerNormGradGamma';

type Info = tf.TensorInfo;
const lastDim = (s: readonly number[]) => s[s.length - 1];

/** mean and 1/sqrt(var + eps) of row `index`, into `mean` and `rstd` (shared WGSL). */
const ROW_STATS = `
  let base = index * d;
  var mean = 0.0;
  for (var j = 0; j < d; j++) { mean += x[base + j]; }
  mean = mean / f32(d);
  var variance = 0.0;
  for (var j = 0; j < d; j++) { let c = x[base + j] - mean; variance += c * c; }
  variance = variance / f32(d);
  let rstd = inverseSqrt(variance + uniforms.eps);`;

const forward = (rows: number, shape: number[]): FusedProgramSpec => ({
  key: 'ln_fwd',
  inputs: ['x', 'gamma', 'beta'],
  outputShape: shape,
  threads: rows,
  uniforms: 'd : i32, eps : f32,',
  body: `let d = uniforms.d; ${ROW_STATS}
    for (var j = 0; j < d; j++) { result[base + j] = (x[base + j] - mean) * rstd * gamma[j] + beta[j]; }`,
});

const stats = (rows: number): FusedProgramSpec => ({
  key: 'ln_stats',
  inputs: ['x'],
  outputShape: [rows, 2],
  threads: rows,
  uniforms: 'd : i32, eps : f32,',
  body: `let d = uniforms.d; ${ROW_STATS}
    result[index * 2] = mean;
    result[index * 2 + 1] = rstd;`,
});

const gradX = (rows: number, shape: number[]): FusedProgramSpec => ({
  key: 'ln_dx',
  inputs: ['dy', 'x', 'gamma', 'stats'],
  outputShape: shape,
  threads: rows,
  uniforms: 'd : i32,',
  body: `let d = uniforms.d;
    let base = index * d;
    let mean = stats[index * 2];
    let rstd = stats[index * 2 + 1];
    var a = 0.0;
    var b = 0.0;
    for (var j = 0; j < d; j++) {
      let g = dy[base + j] * gamma[j];
      a += g;
      b += g * (x[base + j] - mean) * rstd;
    }
    a = a / f32(d);
    b = b / f32(d);
    for (var j = 0; j < d; j++) {
      let xhat = (x[base + j] - mean) * rstd;
      result[base + j] = rstd * (dy[base + j] * gamma[j] - a - xhat * b);
    }`,
});

const gradGamma = (d: number): FusedProgramSpec => ({
  key: 'ln_dgamma',
  inputs: ['dy', 'x', 'stats'],
  outputShape: [d],
  threads: d,
  uniforms: 'd : i32, rows : i32,',
  body: `let d = uniforms.d;
    var acc = 0.0;
    for (var r = 0; r < uniforms.rows; r++) {
      acc += dy[r * d + index] * (x[r * d + index] - stats[r * 2]) * stats[r * 2 + 1];
    }
    result[index] = acc;`,
});

function dims(x: Info): { d: number; rows: number } {
  const d = lastDim(x.shape);
  return { d, rows: size(x.shape) / d };
}

export const layerNormModule: FusedModule = {
  kernels: [
    {
      kernelName: LAYER_NORM,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, gamma, beta } = inputs as { x: Info; gamma: Info; beta: Info };
        const { d, rows } = dims(x);
        const eps = (attrs as unknown as { eps: number }).eps;
        return runProgram(
          backend,
          forward(rows, x.shape),
          [x, gamma, beta],
          [
            { type: 'int32', data: [d] },
            { type: 'float32', data: [eps] },
          ],
        );
      },
    },
    {
      kernelName: LAYER_NORM_STATS,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x } = inputs as { x: Info };
        const { d, rows } = dims(x);
        const eps = (attrs as unknown as { eps: number }).eps;
        return runProgram(
          backend,
          stats(rows),
          [x],
          [
            { type: 'int32', data: [d] },
            { type: 'float32', data: [eps] },
          ],
        );
      },
    },
    {
      kernelName: LAYER_NORM_GRAD_X,
      kernelFunc: ({ inputs, backend }) => {
        const { dy, x, gamma, stats: s } = inputs as { dy: Info; x: Info; gamma: Info; stats: Info };
        const { d, rows } = dims(x);
        return runProgram(backend, gradX(rows, x.shape), [dy, x, gamma, s], [{ type: 'int32', data: [d] }]);
      },
    },
    {
      kernelName: LAYER_NORM_GRAD_GAMMA,
      kernelFunc: ({ inputs, backend }) => {
        const { dy, x, stats: s } = inputs as { dy: Info; x: Info; stats: Info };
        const { d, rows } = dims(x);
        return runProgram(
          backend,
          gradGamma(d),
          [dy, x, s],
          [
            { type: 'int32', data: [d] },
            { type: 'int32', data: [rows] },
          ],
        );
      },
    },
  ],
  gradients: [
    {
      kernelName: LAYER_NORM,
      inputsToSave: ['x', 'gamma'],
      gradFunc: (dy, saved, attrs) => {
        const [x, gamma] = saved;
        const g = dy as tf.Tensor;
        const eps = (attrs as unknown as { eps: number }).eps;
        const engine = tf.engine();
        const s = engine.runKernel(LAYER_NORM_STATS, { x }, { eps }) as tf.Tensor;
        return {
          x: () => engine.runKernel(LAYER_NORM_GRAD_X, { dy: g, x, gamma, stats: s }, {}) as tf.Tensor,
          gamma: () => engine.runKernel(LAYER_NORM_GRAD_GAMMA, { dy: g, x, stats: s }, {}) as tf.Tensor,
          beta: () => tf.sum(tf.reshape(g, [-1, lastDim(g.shape)]), 0),
        };
      },
    },
  ],
  formulas: new Map<string, Formula>([
    [LAYER_NORM, (c: KernelCall) => 8 * size(c.inputs.x) + 4 * (size(c.inputs.x) / lastDim(c.inputs.x))],
    [LAYER_NORM_STATS, (c: KernelCall) => 4 * size(c.inputs.x) + 4 * (size(c.inputs.x) / lastDim(c.inputs.x))],
    [LAYER_NORM_GRAD_X, (c: KernelCall) => 13 * size(c.inputs.x) + 2 * (size(c.inputs.x) / lastDim(c.inputs.x))],
    [LAYER_NORM_GRAD_GAMMA, (c: KernelCall) => 4 * size(c.inputs.x)],
  ]),
};

/** LayerNorm of `x` over its last axis as the fused kernel (WebGPU's WGSL or wasm's loops; callers check `useFused('layerNorm')`). */
export function fusedLayerNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor, beta: tf.Tensor, eps: number): T {
  return tf.engine().runKernel(LAYER_NORM, { x, gamma, beta }, { eps }) as T;
}
