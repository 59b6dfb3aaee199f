/**
 * Prepending the class token as one WebGPU kernel. Composed, `concat([tile(cls, [B,1,1]), x], 1)`
 * is cheap forward but its backward is a loop in tfjs: Tile's gradient slices and adds once per
 * image (2B + 5 kernel calls, 69 at batch 32, per encoder pass). Fused: one kernel forward, two
 * backward (the patch tokens' gradient, a copy; the class token's, a sum over the batch).
 *
 * FLOPs: forward and dx move data (0); dcls sums B rows of D, B*D, which is what the composed
 * backward counts too (B adds of a [1,1,D] slice).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelCall } from '../../flops/formulas';
import type { FusedModule } from '../module';
import { ints, runProgram, size, type FusedProgramSpec } from './program';

export const PREPEND_TOKEN = 'FlopLabPrependToken';
export const PREPEND_TOKEN_GRAD_X = 'FlopLabPrependTokenGradX';
export const PREPEND_TOKEN_GRAD_TOKEN = 'FlopLabPrependTokenGradToken';

type Info = tf.TensorInfo;

/** out[b, t, :] = t == 0 ? token : x[b, t - 1, :], for x [B, N, D]. */
const prepend = (b: number, n: number, d: number): FusedProgramSpec => ({
  key: 'prepend_token',
  inputs: ['token', 'x'],
  outputShape: [b, n + 1, d],
  threads: b * (n + 1) * d,
  uniforms: 'n : i32, d : i32,',
  body: `let d = uniforms.d;
    let c = index % d;
    let row = index / d;
    let t = row % (uniforms.n + 1);
    let img = row / (uniforms.n + 1);
    if (t == 0) { result[index] = token[c]; } else { result[index] = x[(img * uniforms.n + t - 1) * d + c]; }`,
});

/** dx[b, t, :] = dy[b, t + 1, :]. */
const dropFirst = (b: number, n: number, d: number): FusedProgramSpec => ({
  key: 'prepend_token_dx',
  inputs: ['dy'],
  outputShape: [b, n, d],
  threads: b * n * d,
  uniforms: 'n : i32, d : i32,',
  body: `let d = uniforms.d;
    let c = index % d;
    let row = index / d;
    let t = row % uniforms.n;
    let img = row / uniforms.n;
    result[index] = dy[(img * (uniforms.n + 1) + t + 1) * d + c];`,
});

/** dtoken[c] = sum over b of dy[b, 0, c]. */
const firstTokenSum = (d: number): FusedProgramSpec => ({
  key: 'prepend_token_dtoken',
  inputs: ['dy'],
  outputShape: [1, 1, d],
  threads: d,
  uniforms: 'b : i32, n1 : i32, d : i32,',
  body: `var acc = 0.0;
    for (var img = 0; img < uniforms.b; img++) { acc += dy[img * uniforms.n1 * uniforms.d + index]; }
    result[index] = acc;`,
});

export const tokensModule: FusedModule = {
  kernels: [
    {
      kernelName: PREPEND_TOKEN,
      kernelFunc: ({ inputs, backend }) => {
        const { token, x } = inputs as { token: Info; x: Info };
        const [b, n, d] = x.shape;
        return runProgram(backend, prepend(b, n, d), [token, x], ints(n, d));
      },
    },
    {
      kernelName: PREPEND_TOKEN_GRAD_X,
      kernelFunc: ({ inputs, backend }) => {
        const { dy } = inputs as { dy: Info };
        const [b, n1, d] = dy.shape;
        return runProgram(backend, dropFirst(b, n1 - 1, d), [dy], ints(n1 - 1, d));
      },
    },
    {
      kernelName: PREPEND_TOKEN_GRAD_TOKEN,
      kernelFunc: ({ inputs, backend }) => {
        const { dy } = inputs as { dy: Info };
        const [b, n1, d] = dy.shape;
        return runProgram(backend, firstTokenSum(d), [dy], ints(b, n1, d));
      },
    },
  ],
  gradients: [
    {
      kernelName: PREPEND_TOKEN,
      gradFunc: (dy) => {
        const g = dy as tf.Tensor;
        const engine = tf.engine();
        return {
          token: () => engine.runKernel(PREPEND_TOKEN_GRAD_TOKEN, { dy: g }, {}) as tf.Tensor,
          x: () => engine.runKernel(PREPEND_TOKEN_GRAD_X, { dy: g }, {}) as tf.Tensor,
        };
      },
    },
  ],
  formulas: new Map([
    [PREPEND_TOKEN, () => 0],
    [PREPEND_TOKEN_GRAD_X, () => 0],
    [PREPEND_TOKEN_GRAD_TOKEN, (c: KernelCall) => size(c.inputs.dy) / c.inputs.dy[1]],
  ]),
};

/** [token; x] along the token axis: token [1, 1, D], x [B, N, D] -> [B, N + 1, D]. */
export function fusedPrependToken(token: tf.Tensor, x: tf.Tensor3D): tf.Tensor3D {
  return tf.engine().runKernel(PREPEND_TOKEN, { token, x }, {}) as tf.Tensor3D;
}
