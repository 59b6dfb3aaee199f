/**
 * Training-mode BatchNorm over axis 0 of [N, C] (batch statistics; the SimCLR and BYOL heads)
 * as one WebGPU kernel forward and two backward (dx, dgamma; dbeta is a plain Sum), instead of
 * about 10 composed kernels forward and 25 backward. One invocation per channel: it owns the
 * channel's column, so the statistics need no cross-invocation reduction, and the backward
 * recomputes them (N is a batch, at most a few hundred rows).
 *
 * FLOPs, counted from what each kernel computes: forward 7 per element (8 with the offset)
 * + 4 per channel (composed: 7 or 8 per element + 2 per channel); dx 14 per element + 2 per
 * channel; dgamma 8 per element.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelCall } from '../../flops/formulas';
import type { FusedModule } from '../module';
import { runProgram, size, type FusedProgramSpec } from './program';

const BATCH_NORM = 'FlopLabBatchNorm';
const BATCH_NORM_GRAD_X = 'FlopLabBatchNormGradX';
const BATCH_NORM_GRAD_GAMMA = 'FlopLabBatchNormGradGamma';

type Info = tf.TensorInfo;
type Attrs = { eps: number };

/** Column `index`'s mean and 1/sqrt(var + eps) over the N rows (shared WGSL). */
const COLUMN_STATS = `
  let n = uniforms.n;
  let c = uniforms.c;
  var mean = 0.0;
  for (var r = 0; r < n; r++) { mean += x[r * c + index]; }
  mean = mean / f32(n);
  var variance = 0.0;
  for (var r = 0; r < n; r++) { let dev = x[r * c + index] - mean; variance += dev * dev; }
  variance = variance / f32(n);
  let rstd = inverseSqrt(variance + uniforms.eps);`;

const UNIFORMS = 'n : i32, c : i32, eps : f32,';

const forward = (n: number, c: number, offset: boolean): FusedProgramSpec => ({
  key: `bn_fwd_${offset}`,
  inputs: offset ? ['x', 'gamma', 'beta'] : ['x', 'gamma'],
  outputShape: [n, c],
  threads: c,
  uniforms: UNIFORMS,
  body: `${COLUMN_STATS}
    for (var r = 0; r < n; r++) {
      let i = r * c + index;
      result[i] = (x[i] - mean) * rstd * gamma[index]${offset ? ' + beta[index]' : ''};
    }`,
});

const gradX = (n: number, c: number): FusedProgramSpec => ({
  key: 'bn_dx',
  inputs: ['dy', 'x', 'gamma'],
  outputShape: [n, c],
  threads: c,
  uniforms: UNIFORMS,
  body: `${COLUMN_STATS}
    var a = 0.0;
    var b = 0.0;
    for (var r = 0; r < n; r++) {
      let g = dy[r * c + index] * gamma[index];
      a += g;
      b += g * (x[r * c + index] - mean) * rstd;
    }
    a = a / f32(n);
    b = b / f32(n);
    for (var r = 0; r < n; r++) {
      let i = r * c + index;
      result[i] = rstd * (dy[i] * gamma[index] - a - (x[i] - mean) * rstd * b);
    }`,
});

const gradGamma = (c: number): FusedProgramSpec => ({
  key: 'bn_dgamma',
  inputs: ['dy', 'x'],
  outputShape: [c],
  threads: c,
  uniforms: UNIFORMS,
  body: `${COLUMN_STATS}
    var acc = 0.0;
    for (var r = 0; r < n; r++) { acc += dy[r * c + index] * (x[r * c + index] - mean) * rstd; }
    result[index] = acc;`,
});

const uniformsOf = (x: Info, eps: number) => [
  { type: 'int32' as const, data: [x.shape[0]] },
  { type: 'int32' as const, data: [x.shape[1]] },
  { type: 'float32' as const, data: [eps] },
];

const perChannel = (c: KernelCall) => c.inputs.x[1];

export const batchNormModule: FusedModule = {
  kernels: [
    {
      kernelName: BATCH_NORM,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, gamma, beta } = inputs as { x: Info; gamma: Info; beta?: Info };
        const [n, c] = x.shape;
        return runProgram(backend, forward(n, c, Boolean(beta)), beta ? [x, gamma, beta] : [x, gamma], uniformsOf(x, (attrs as unknown as Attrs).eps));
      },
    },
    {
      kernelName: BATCH_NORM_GRAD_X,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, x, gamma } = inputs as { dy: Info; x: Info; gamma: Info };
        return runProgram(backend, gradX(x.shape[0], x.shape[1]), [dy, x, gamma], uniformsOf(x, (attrs as unknown as Attrs).eps));
      },
    },
    {
      kernelName: BATCH_NORM_GRAD_GAMMA,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, x } = inputs as { dy: Info; x: Info };
        return runProgram(backend, gradGamma(x.shape[1]), [dy, x], uniformsOf(x, (attrs as unknown as Attrs).eps));
      },
    },
  ],
  gradients: [
    {
      kernelName: BATCH_NORM,
      inputsToSave: ['x', 'gamma'],
      gradFunc: (dy, saved, attrs) => {
        const [x, gamma] = saved;
        const g = dy as tf.Tensor;
        const { eps } = attrs as unknown as Attrs;
        const engine = tf.engine();
        return {
          x: () => engine.runKernel(BATCH_NORM_GRAD_X, { dy: g, x, gamma }, { eps }) as tf.Tensor,
          gamma: () => engine.runKernel(BATCH_NORM_GRAD_GAMMA, { dy: g, x }, { eps }) as tf.Tensor,
          beta: () => tf.sum(g, 0),
        };
      },
    },
  ],
  formulas: new Map([
    [BATCH_NORM, (c: KernelCall) => (c.inputs.beta ? 8 : 7) * size(c.inputs.x) + 4 * perChannel(c)],
    [BATCH_NORM_GRAD_X, (c: KernelCall) => 14 * size(c.inputs.x) + 2 * perChannel(c)],
    [BATCH_NORM_GRAD_GAMMA, (c: KernelCall) => 8 * size(c.inputs.x)],
  ]),
};

/** Batch-statistics BatchNorm of x [N, C]; `beta` null: scale only. */
export function fusedBatchNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor | null, eps: number): tf.Tensor2D {
  const inputs: tf.NamedTensorMap = beta ? { x, gamma, beta } : { x, gamma };
  return tf.engine().runKernel(BATCH_NORM, inputs, { eps }) as tf.Tensor2D;
}
