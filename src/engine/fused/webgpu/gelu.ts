/**
 * Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), as one WebGPU kernel forward and one backward,
 * instead of 5 elementwise kernels forward and about 10 backward for the composed ops
 * (src/models/layers.ts `gelu`). The bias stays in the preceding tf.fused.matMul: moving it
 * here would save no kernel (its gradient is a column Sum either way), so the op is GELU alone
 * and every caller of `gelu` (ViT MLP, MLP heads) takes it unchanged.
 *
 * WGSL has no erf. We evaluate 1 + erf(x / sqrt 2) = 2 Phi(x) through erfc of |x| / sqrt 2 with
 * the Chebyshev-fitted erfc of Numerical Recipes (2nd ed., section 6.2, `erfcc`), whose
 * fractional error is below 1.2e-7 everywhere: for x < 0, 2 Phi(x) = erfc(|x| / sqrt 2) keeps
 * its relative accuracy deep in the tail (no 1 - erf cancellation), for x >= 0 it is
 * 2 - erfc(.). tfjs's own Erf (the composed reference) is Abramowitz-Stegun 7.1.26, absolute
 * error 1.5e-7; the two differ by < 2e-7 in erf, far inside the tests' 1e-4. The derivative
 * uses the exact density: d/dx gelu = Phi(x) + x exp(-x^2 / 2) / sqrt(2 pi).
 *
 * FLOPs (the lab's convention: 1 per add/mul/sub, 1 per transcendental, erf and exp included,
 * so the erfc polynomial counts as one erf, as tfjs's Erf kernel does):
 * forward 5 per element (x / sqrt 2, erf, + 1, * x, * 0.5), exactly the composed path's 5;
 * backward 11 per element (x / sqrt 2, erf, + 1, * 0.5; x^2, * -0.5, exp, * 1/sqrt(2 pi), * x;
 * the sum; * dy), where the composed backward counts 10 (2 for the product's two factors,
 * 5 for Erf's gradient, 2 for the two scalings, 1 for the AddN of x's two paths). So a fused
 * GELU counts 16 per element against 15 composed: +1/15 of GELU's FLOPs, about 0.1 % of a
 * training step (measured, toy-B supervised: +313,344 of 329 M; the matmuls around it dominate).
 * Kernel calls: 2 per GELU forward+backward instead of ~28 (Multiply, Erf, Add, Cast, Square,
 * Neg, Exp, Reshape, Identity).
 */
import * as tf from '@tensorflow/tfjs';
import type { Formula, KernelCall } from '../../flops/formulas';
import { runProgram, size, type FusedProgramSpec } from './program';
import type { FusedModule } from '../module';

export const GELU = 'FlopLabGelu';
export const GELU_GRAD = 'FlopLabGeluGrad';

type Info = tf.TensorInfo;

/** WGSL: 2 Phi(x) = 1 + erf(x / sqrt 2), from erfc(|x| / sqrt 2) (Numerical Recipes erfcc). */
const PHI2 = `
  fn floplabErfc(z : f32) -> f32 {
    let t = 1.0 / (1.0 + 0.5 * z);
    let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
      t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    return t * exp(p - z * z);
  }
  fn floplabPhi2(x : f32) -> f32 {
    let c = floplabErfc(abs(x) * 0.70710678118654752);
    return select(c, 2.0 - c, x >= 0.0);
  }`;

const forward = (shape: number[]): FusedProgramSpec => ({
  key: 'gelu_fwd',
  inputs: ['x'],
  outputShape: shape,
  threads: size(shape),
  prelude: PHI2,
  body: `let v = x[index];
    result[index] = 0.5 * v * floplabPhi2(v);`,
});

const backward = (shape: number[]): FusedProgramSpec => ({
  key: 'gelu_bwd',
  inputs: ['dy', 'x'],
  outputShape: shape,
  threads: size(shape),
  prelude: PHI2,
  body: `let v = x[index];
    // Phi(x) + x phi(x), phi the standard normal density (1 / sqrt(2 pi) = 0.3989...).
    let d = 0.5 * floplabPhi2(v) + v * 0.39894228040143268 * exp(-0.5 * v * v);
    result[index] = dy[index] * d;`,
});

export const geluModule: FusedModule = {
  kernels: [
    {
      kernelName: GELU,
      kernelFunc: ({ inputs, backend }) => {
        const { x } = inputs as { x: Info };
        return runProgram(backend, forward(x.shape), [x]);
      },
    },
    {
      kernelName: GELU_GRAD,
      kernelFunc: ({ inputs, backend }) => {
        const { dy, x } = inputs as { dy: Info; x: Info };
        return runProgram(backend, backward(x.shape), [dy, x]);
      },
    },
  ],
  gradients: [
    {
      kernelName: GELU,
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => {
        const [x] = saved;
        return { x: () => tf.engine().runKernel(GELU_GRAD, { dy: dy as tf.Tensor, x }, {}) as tf.Tensor };
      },
    },
  ],
  formulas: new Map<string, Formula>([
    [GELU, (c: KernelCall) => 5 * size(c.inputs.x)],
    [GELU_GRAD, (c: KernelCall) => 11 * size(c.inputs.x)],
  ]),
};

/** Exact GELU of `x`, elementwise, as the fused kernel (on webgpu, and on wasm through ../wasm/gelu.ts: callers check useFused('gelu')). */
export function fusedGelu<T extends tf.Tensor>(x: T): T {
  return tf.engine().runKernel(GELU, { x }, {}) as T;
}
