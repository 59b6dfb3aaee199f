import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATA_MOVEMENT, ELEMENTWISE, FORMULAS, kernelFlops, REDUCTIONS } from '../src/engine/flops/formulas';
import { FlopCounter } from '../src/engine/flops/counter';
import { useCpuBackend } from '../tooling/tfjsBackends';

const call = (inputs: Record<string, number[]>, outputs: number[][], attrs: Record<string, unknown> = {}) => ({ inputs, outputs, attrs });

describe('kernel FLOP formulas', () => {
  it('matmul is 2*M*N*K, batched and transposed', () => {
    expect(kernelFlops('BatchMatMul', call({ a: [3, 5], b: [5, 7] }, [[3, 7]]))).toBe(2 * 3 * 7 * 5);
    expect(kernelFlops('BatchMatMul', call({ a: [4, 3, 5], b: [4, 5, 7] }, [[4, 3, 7]]))).toBe(2 * 4 * 3 * 7 * 5);
    // a transposed: a is [K, M]
    expect(kernelFlops('BatchMatMul', call({ a: [5, 3], b: [5, 7] }, [[3, 7]], { transposeA: true }))).toBe(2 * 3 * 7 * 5);
    expect(kernelFlops('BatchMatMul', call({ a: [3, 5], b: [7, 5] }, [[3, 7]], { transposeB: true }))).toBe(2 * 3 * 7 * 5);
  });

  it('fused matmul adds one FLOP per output for the bias and for the activation', () => {
    const base = 2 * 3 * 7 * 5;
    expect(kernelFlops('_FusedMatMul', call({ a: [3, 5], b: [5, 7] }, [[3, 7]]))).toBe(base);
    expect(kernelFlops('_FusedMatMul', call({ a: [3, 5], b: [5, 7], bias: [7] }, [[3, 7]]))).toBe(base + 21);
    expect(kernelFlops('_FusedMatMul', call({ a: [3, 5], b: [5, 7], bias: [7] }, [[3, 7]], { activation: 'relu' }))).toBe(base + 42);
    expect(kernelFlops('_FusedMatMul', call({ a: [3, 5], b: [5, 7] }, [[3, 7]], { activation: 'linear' }))).toBe(base);
  });

  it('conv2d and its gradients follow 2 * outputs * taps', () => {
    // x [1,8,8,3], filter [3,3,3,4], same padding, stride 1 -> out [1,8,8,4]
    expect(kernelFlops('Conv2D', call({ x: [1, 8, 8, 3], filter: [3, 3, 3, 4] }, [[1, 8, 8, 4]]))).toBe(2 * 256 * 27);
    expect(kernelFlops('Conv2DBackpropInput', call({ dy: [1, 8, 8, 4], filter: [3, 3, 3, 4] }, [[1, 8, 8, 3]]))).toBe(2 * 256 * 27);
    expect(kernelFlops('Conv2DBackpropFilter', call({ x: [1, 8, 8, 3], dy: [1, 8, 8, 4] }, [[3, 3, 3, 4]], { filterShape: [3, 3, 3, 4] }))).toBe(2 * 256 * 27);
  });

  it('elementwise 1 per output, reductions 1 per input, data movement 0, softmax 5, AddN n-1', () => {
    expect(kernelFlops('Add', call({ a: [2, 3], b: [3] }, [[2, 3]]))).toBe(6);
    expect(kernelFlops('Exp', call({ x: [4, 5] }, [[4, 5]]))).toBe(20);
    expect(kernelFlops('Erf', call({ x: [10] }, [[10]]))).toBe(10);
    expect(kernelFlops('Sum', call({ x: [4, 5] }, [[4]]))).toBe(20);
    expect(kernelFlops('Mean', call({ x: [2, 3, 4] }, [[2, 3, 1]]))).toBe(24);
    expect(kernelFlops('Reshape', call({ x: [4, 5] }, [[20]]))).toBe(0);
    expect(kernelFlops('Transpose', call({ x: [4, 5] }, [[5, 4]]))).toBe(0);
    expect(kernelFlops('Softmax', call({ logits: [3, 4] }, [[3, 4]]))).toBe(60);
    expect(kernelFlops('AddN', call({ t0: [5], t1: [5], t2: [5] }, [[5]]))).toBe(10);
  });

  it('every elementwise kernel is 1 per output, every reduction 1 per input, every data-movement kernel 0', () => {
    for (const name of ELEMENTWISE) expect(kernelFlops(name, call({ a: [2, 3, 4], b: [4] }, [[2, 3, 4]])), name).toBe(24);
    for (const name of REDUCTIONS) expect(kernelFlops(name, call({ x: [2, 3, 4] }, [[2, 3]])), name).toBe(24);
    for (const name of DATA_MOVEMENT) expect(kernelFlops(name, call({ x: [2, 3, 4] }, [[6, 4]])), name).toBe(0);
    expect(kernelFlops('LogSoftmax', call({ logits: [3, 4] }, [[3, 4]]))).toBe(72);
    expect(kernelFlops('ResizeBilinear', call({ images: [1, 4, 4, 3] }, [[1, 8, 8, 3]]))).toBe(8 * 192);
    expect(kernelFlops('ResizeBilinearGrad', call({ dy: [1, 8, 8, 3], images: [1, 4, 4, 3] }, [[1, 4, 4, 3]]))).toBe(8 * 192);
    expect(kernelFlops('DepthwiseConv2dNative', call({ x: [1, 8, 8, 3], filter: [3, 3, 3, 1] }, [[1, 8, 8, 3]]))).toBe(2 * 192 * 9);
    // every formula is covered by one of the checks in this file
    const covered = new Set([
      ...ELEMENTWISE,
      ...REDUCTIONS,
      ...DATA_MOVEMENT,
      'LogSoftmax',
      'ResizeBilinear',
      'ResizeBilinearGrad',
      'DepthwiseConv2dNative',
      'BatchMatMul',
      '_FusedMatMul',
      'Conv2D',
      'Conv2DBackpropInput',
      'Conv2DBackpropFilter',
      'Softmax',
      'AddN',
    ]);
    expect([...FORMULAS.keys()].filter((k) => !covered.has(k))).toEqual(['FusedConv2D', 'FusedDepthwiseConv2D', 'CropAndResize']);
    expect(kernelFlops('FusedConv2D', call({ x: [1, 8, 8, 3], filter: [3, 3, 3, 4], bias: [4] }, [[1, 8, 8, 4]]))).toBe(2 * 256 * 27 + 256);
    expect(kernelFlops('FusedDepthwiseConv2D', call({ x: [1, 8, 8, 3], filter: [3, 3, 3, 1] }, [[1, 8, 8, 3]]))).toBe(2 * 192 * 9);
    expect(kernelFlops('CropAndResize', call({ image: [1, 8, 8, 3] }, [[2, 4, 4, 3]]))).toBe(8 * 96);
  });

  it('unknown kernels have no formula', () => {
    expect(kernelFlops('NoSuchKernel', call({ x: [3] }, [[3]]))).toBeUndefined();
    expect(kernelFlops('LinSpace', call({}, [[3]]))).toBeUndefined();
  });

  it('every formula is named after a real tfjs kernel', () => {
    const real = new Set(tf.getKernelsForBackend('cpu').map((k) => k.kernelName));
    for (const extra of ['LogSoftmax', 'LogicalXor', 'BroadcastTo']) real.add(extra); // real kernel names, not on cpu
    for (const name of FORMULAS.keys()) expect(real.has(name), name).toBe(true);
  });
});

describe('kernel counter', () => {
  beforeAll(useCpuBackend);

  it('counts what ran, by phase and component, and lists uncounted kernels', () => {
    const counter = new FlopCounter();
    const a = tf.variable(tf.ones([4, 6]));
    const b = tf.ones([6, 3]);
    counter.begin('forward');
    const { value, grads } = tf.variableGrads(() => {
      const y = counter.scope('head', () => tf.matMul(a, b));
      const loss = tf.sum(y) as tf.Scalar;
      counter.phase = 'backward';
      return loss;
    }, [a]);
    counter.phase = 'optimizer';
    tf.linspace(0, 1, 5).dispose(); // LinSpace has no formula
    const counts = counter.end();
    // forward: matmul 2*4*3*6 = 144, sum over 12 elements = 12.
    expect(counts.byPhase.forward).toBe(144 + 12);
    // backward of the matmul w.r.t. a: dy [4,3] x b^T [3,6] = 2*4*6*3 = 144, attributed to 'head'.
    expect(counts.byKernel.BatchMatMul).toBe(288);
    expect(counts.byComponent.head).toBeGreaterThanOrEqual(288);
    expect(counts.uncounted).toEqual({ LinSpace: 1 });
    expect(counts.total).toBe(counts.byPhase.forward + counts.byPhase.backward + counts.byPhase.optimizer);
    // nothing is counted after end()
    tf.matMul(b, tf.ones([3, 2])).dispose();
    expect(counter.end().total).toBe(counts.total);
    tf.dispose([value, grads, a, b]);
  });
});
