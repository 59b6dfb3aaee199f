import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlopCounter } from '../src/engine/flops/counter';
import { Rng } from '../src/engine/rng';
import { VitEncoder, type VitConfig } from '../src/models/vit';
import { bilinearMatrix, conv3x3, patchTokens, SegHead, type SegHeadConfig } from '../src/transfer/segHead';
import { segHeadFlops } from '../src/transfer/segFlops';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const randn = (shape: number[], seed: number) => {
  const rng = new Rng(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );
};

const headCfg: SegHeadConfig = { dim: 16, grid: 4, imageSize: 16, width: 8, numClasses: 11 };

describe('segmentation head', () => {
  it('conv3x3 (im2col + matmul) equals tf.conv2d with same padding, bias and ReLU, gradients included', () => {
    const x = randn([2, 5, 5, 3], 1) as tf.Tensor4D;
    const filter = randn([3, 3, 3, 4], 2) as tf.Tensor4D;
    const bias = randn([4], 3) as tf.Tensor1D;
    const up = randn([2, 5, 5, 4], 4); // a fixed upstream gradient
    // conv3x3 works on spatial-major grids [y, x, B, C].
    type Conv = (xx: tf.Tensor4D, f: tf.Tensor4D, bb: tf.Tensor1D) => tf.Tensor;
    const mine: Conv = (xx, f, bb) => tf.transpose(conv3x3(tf.transpose(xx, [1, 2, 0, 3]), f.reshape([27, 4]), bb, true), [2, 0, 1, 3]);
    const ref: Conv = (xx, f, bb) => tf.relu(tf.add(tf.conv2d(xx, f, 1, 'same'), bb));
    const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    expect(mine(x, filter, bias).shape).toEqual([2, 5, 5, 4]);
    expect(maxDiff(mine(x, filter, bias), ref(x, filter, bias))).toBeLessThan(1e-5);
    const loss = (f: Conv) => (xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(f(xx as tf.Tensor4D, ff as tf.Tensor4D, bb as tf.Tensor1D), up)) as tf.Scalar;
    const gMine = tf.grads(loss(mine))([x, filter, bias]);
    const gRef = tf.grads(loss(ref))([x, filter, bias]);
    gMine.forEach((g, i) => expect(maxDiff(g, gRef[i]), `gradient ${i}`).toBeLessThan(1e-4));
    tf.dispose([x, filter, bias, up, ...gMine, ...gRef]);
  });

  it('the interpolation matrix is bilinear with half-pixel centres (tf.image.resizeBilinear, halfPixelCenters)', () => {
    // 2 -> 4: outputs sit at input coordinates -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
    expect(Array.from(bilinearMatrix(2, 4))).toEqual([1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
    const head = new SegHead(headCfg, new Rng(0));
    const logits = randn([2, 4, 4, 11], 4) as tf.Tensor4D;
    const up = head.upsample(tf.transpose(logits, [1, 2, 0, 3])); // spatial-major in, [B, S, S, K] out
    const ref = tf.image.resizeBilinear(logits, [16, 16], false, true);
    expect(up.shape).toEqual([2, 16, 16, 11]);
    expect(tf.max(tf.abs(tf.sub(up, ref))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([logits, up, ref]);
    head.dispose();
  });

  it('gives [B, S, S, 11] logits and its counted forward FLOPs equal the analytic formula exactly', () => {
    const head = new SegHead(headCfg, new Rng(0));
    const tokens = randn([3, 16, 16], 5) as tf.Tensor3D;
    const counter = new FlopCounter();
    counter.begin('forward');
    const logits = head.apply(tokens);
    const counts = counter.end();
    expect(logits.shape).toEqual([3, 16, 16, 11]);
    expect(counts.uncounted).toEqual({});
    expect(counts.total).toBe(segHeadFlops(headCfg, 3).forward);
    tf.dispose([tokens, logits]);
    head.dispose();
  });

  it('forward + backward (head weights and input tokens) is within 2% of the analytic formula', () => {
    const head = new SegHead(headCfg, new Rng(0));
    const tokens = tf.variable(randn([3, 16, 16], 6));
    const counter = new FlopCounter();
    counter.begin('forward');
    const { value, grads } = tf.variableGrads(() => {
      const out = tf.sum(head.apply(tokens as unknown as tf.Tensor3D)) as tf.Scalar;
      counter.phase = 'backward';
      return out;
    }, [...head.variables, tokens]);
    const counts = counter.end();
    // The stand-in loss, a Sum over the logits (and its gradient, a Multiply), is not part of the head.
    const lossFlops = 3 * 16 * 16 * 11;
    const expected = segHeadFlops(headCfg, 3);
    const headTotal = counts.total - 2 * lossFlops;
    expect(Math.abs(headTotal - expected.total) / expected.total).toBeLessThan(0.02);
    // On the cpu backend the formula matches tfjs's gradient kernels exactly.
    expect(counts.byPhase.forward - lossFlops).toBe(expected.forward);
    expect(counts.byPhase.backward - lossFlops).toBe(expected.backward);
    expect(Object.keys(grads).length).toBe(head.variables.length + 1);
    tf.dispose([value, tokens]);
    tf.dispose(grads);
    head.dispose();
  });

  it('counts its parameters as the formula says', () => {
    const head = new SegHead(headCfg, new Rng(0));
    const n = head.variables.reduce((s, v) => s + v.size, 0);
    expect(n).toBe(segHeadFlops(headCfg, 1).params);
    head.dispose();
  });

  it('patchTokens are the final-layer tokens without the class token', () => {
    for (const pool of ['cls', 'mean'] as const) {
      const cfg: VitConfig = { imageSize: 16, patchSize: 4, dim: 16, depth: 1, heads: 2, mlpDim: 32, pool };
      const enc = new VitEncoder(cfg, new Rng(1));
      const x = randn([2, 16, 16, 3], 7) as tf.Tensor4D;
      const all = enc.tokens(x);
      const patches = patchTokens(enc, x);
      expect(patches.shape).toEqual([2, 16, 16]);
      const ref = pool === 'cls' ? tf.slice(all, [0, 1, 0], [2, 16, 16]) : all;
      expect(tf.max(tf.abs(tf.sub(patches, ref))).dataSync()[0]).toBe(0);
      tf.dispose([x, all, patches, ref]);
      enc.dispose();
    }
  });

  it('rejects bad configs and token shapes, naming them', () => {
    expect(() => new SegHead({ ...headCfg, width: 0 }, new Rng(0))).toThrow(/SegHeadConfig.width/);
    const head = new SegHead(headCfg, new Rng(0));
    const wrong = tf.zeros([1, 9, 16]) as tf.Tensor3D;
    expect(() => head.apply(wrong)).toThrow(/expects tokens \[B, 16, 16\]/);
    wrong.dispose();
    head.dispose();
  });
});
