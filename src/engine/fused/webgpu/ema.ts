/**
 * The EMA teacher update t <- m*t + (1-m)*s as one in-place WebGPU kernel per tensor (issue 10),
 * instead of mul, mul, add and an assign. In place as the AdamW kernels are (see adamw.ts:
 * refCount 1, else a new tensor the caller assigns). FLOPs: 3 per element (2 mul, add), as the
 * composed ops count.
 */
import * as tf from '@tensorflow/tfjs';
import type { Formula, KernelCall } from '../../flops/formulas';
import { size, type FusedProgramSpec } from './program';
import type { FusedModule } from '../module';
import { runInPlace, writeBack } from './adamw';

export const EMA = 'FlopLabEma';

type Info = tf.TensorInfo;

const emaSpec =
  (shape: number[]) =>
  (read: string): FusedProgramSpec => ({
    key: 'ema',
    inputs: ['s'],
    outputShape: shape,
    threads: size(shape),
    uniforms: 'm : f32, c : f32,',
    body: `result[index] = ${read}[index] * uniforms.m + s[index] * uniforms.c;`,
  });

export const emaModule: FusedModule = {
  kernels: [
    {
      kernelName: EMA,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { t, s } = inputs as { t: Info; s: Info };
        const { momentum } = attrs as unknown as { momentum: number };
        const n = size(t.shape);
        if (size(s.shape) !== n) throw new Error(`${EMA}: target of ${n} elements, source of ${size(s.shape)}`);
        return runInPlace(
          backend,
          emaSpec([...t.shape]),
          t,
          [s],
          [
            { type: 'float32', data: [momentum] },
            { type: 'float32', data: [1 - momentum] },
          ],
        );
      },
    },
  ],
  gradients: [],
  formulas: new Map<string, Formula>([[EMA, (c: KernelCall) => 3 * size(c.inputs.t)]]),
};

/** target <- momentum * target + (1 - momentum) * source, in place on WebGPU. */
export function fusedEma(target: tf.Variable, source: tf.Tensor, momentum: number): void {
  writeBack(target, tf.engine().runKernel(EMA, { t: target, s: source }, { momentum }) as tf.Tensor);
}
