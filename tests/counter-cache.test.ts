/**
 * The FLOP counter's replay (counting that costs nothing): steps it replays must
 * report exactly the counts of counting every kernel call in full, and a step
 * whose shapes or kernels change must be counted afresh.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlopCounter, shapeSignature, type FlopCounts } from '../src/engine/flops/counter';
import { defaultConfig } from '../src/train/config';
import { createTrainer, type Trainer } from '../src/train/trainer';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const tinyRun = (method: string) =>
  defaultConfig({ model: 'tiny', batchSize: 4, steps: 20, backend: 'cpu', method, dataset: { size: 64 }, probe: { trainSize: 16, testSize: 8, dense: false } });

/** Runs `steps` steps; `full` sets the trace, which makes the counter count every call in full. */
async function stepCounts(trainer: Trainer, steps: number, full: boolean): Promise<FlopCounts[]> {
  const out: FlopCounts[] = [];
  for (let s = 0; s < steps; s++) {
    if (full) trainer.counter.trace = [];
    const { loss, counts } = trainer.step(s);
    await loss.data();
    loss.dispose();
    out.push(counts);
  }
  return out;
}

describe('replayed step counts', () => {
  for (const method of ['supervised', 'mae', 'simclr']) {
    it(`${method}: every step's counts equal those of counting every call`, async () => {
      const replayed = await createTrainer(tinyRun(method));
      const full = await createTrainer(tinyRun(method));
      const a = await stepCounts(replayed, 5, false);
      const b = await stepCounts(full, 5, true);
      // Two steps counted in full (the second confirms the first), then replayed.
      expect(replayed.counter.stats).toEqual({ counted: 2, replayed: 3, diverged: 0 });
      expect(full.counter.stats.replayed).toBe(0);
      for (let s = 0; s < 5; s++) {
        expect(a[s]).toEqual(b[s]);
        // Same keys in the same order too (the UI lists them as they come).
        expect(JSON.stringify(a[s])).toBe(JSON.stringify(b[s]));
      }
      expect(a[4].total).toBeGreaterThan(0);
      expect(Object.values(a[4].calls).reduce((x, y) => x + y, 0)).toBeGreaterThan(100);
      // A replayed step returns its own copy: changing it changes no later step.
      a[4].byKernel.BatchMatMul = -1;
      a[4].calls.Add = -1;
      const [again] = await stepCounts(replayed, 1, false);
      expect(again).toEqual(b[4]);
      replayed.dispose();
      full.dispose();
    });
  }
});

/** A small step: linear -> relu -> linear -> mean, forward and backward, as the trainer phases them. */
function toyStep(counter: FlopCounter, x: tf.Tensor2D, w1: tf.Variable, w2: tf.Variable, signature?: string, extra = false): FlopCounts {
  counter.begin('forward', signature);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const h = counter.scope('encoder', () => tf.relu(tf.matMul(x, w1)));
      const y = counter.scope('head', () => tf.matMul(extra ? tf.tanh(h) : h, w2));
      counter.phase = 'backward';
      return tf.mean(tf.square(y)) as tf.Scalar;
    }, [w1, w2]);
    counter.phase = 'optimizer';
    counter.component = 'optimizer';
    tf.tidy(() => {
      w1.assign(tf.sub(w1, tf.mul(grads[w1.name], 0.01)));
      w2.assign(tf.sub(w2, tf.mul(grads[w2.name], 0.01)));
    });
    value.dispose();
    tf.dispose(grads);
    return counter.end();
  } finally {
    if (counter.recording) counter.end();
  }
}

describe('re-counting', () => {
  let w1: tf.Variable;
  let w2: tf.Variable;
  beforeAll(() => {
    w1 = tf.variable(tf.randomNormal([8, 16], 0, 0.1, 'float32', 1));
    w2 = tf.variable(tf.randomNormal([16, 4], 0, 0.1, 'float32', 2));
  });
  const reference = (x: tf.Tensor2D, extra = false) => toyStep(new FlopCounter(), x, w1, w2, undefined, extra);

  it('a changed batch shape is counted afresh, and each shape replays its own counts', () => {
    const counter = new FlopCounter();
    const small = tf.zeros([4, 8]) as tf.Tensor2D;
    const large = tf.zeros([6, 8]) as tf.Tensor2D;
    const sig = (x: tf.Tensor) => shapeSignature({ images: x });
    expect(sig(small)).not.toBe(sig(large));
    const refSmall = reference(small);
    const refLarge = reference(large);
    expect(refLarge.total).toBeGreaterThan(refSmall.total);
    for (let i = 0; i < 3; i++) expect(toyStep(counter, small, w1, w2, sig(small))).toEqual(refSmall);
    expect(counter.stats).toEqual({ counted: 2, replayed: 1, diverged: 0 });
    // The larger batch: counted in full twice, then replayed, never given the small batch's counts.
    for (let i = 0; i < 3; i++) expect(toyStep(counter, large, w1, w2, sig(large))).toEqual(refLarge);
    expect(counter.stats).toEqual({ counted: 4, replayed: 2, diverged: 0 });
    // Back to the small batch: its recording is kept.
    expect(toyStep(counter, small, w1, w2, sig(small))).toEqual(refSmall);
    expect(counter.stats.replayed).toBe(3);
    tf.dispose([small, large]);
  });

  it('a step that runs other kernels under the same signature is counted exactly, then re-learnt', () => {
    const counter = new FlopCounter();
    const x = tf.zeros([4, 8]) as tf.Tensor2D;
    const plain = reference(x);
    const withTanh = reference(x, true);
    expect(withTanh.calls.Tanh).toBe(1);
    toyStep(counter, x, w1, w2, 'same');
    toyStep(counter, x, w1, w2, 'same');
    expect(toyStep(counter, x, w1, w2, 'same')).toEqual(plain);
    expect(counter.stats.replayed).toBe(1);
    // One kernel more (a different call in the middle): the prefix comes from the log, the rest is counted.
    expect(toyStep(counter, x, w1, w2, 'same', true)).toEqual(withTanh);
    expect(counter.stats.diverged).toBe(1);
    expect(toyStep(counter, x, w1, w2, 'same', true)).toEqual(withTanh);
    expect(toyStep(counter, x, w1, w2, 'same', true)).toEqual(withTanh);
    expect(counter.stats.replayed).toBe(2);
    // Fewer calls than the recording: only those that ran are counted.
    expect(toyStep(counter, x, w1, w2, 'same')).toEqual(plain);
    expect(counter.stats.diverged).toBe(2);
    x.dispose();
  });

  it('a kernel that runs in another phase or component than recorded is not replayed', () => {
    const counter = new FlopCounter();
    const x = tf.zeros([4, 8]) as tf.Tensor2D;
    const run = (component: string) => {
      counter.begin('forward', 'sig');
      counter.scope(component, () => tf.dispose(tf.matMul(x, w1)));
      return counter.end();
    };
    run('encoder');
    run('encoder');
    expect(run('encoder').byComponent).toEqual({ encoder: 2 * 4 * 8 * 16 });
    expect(run('decoder').byComponent).toEqual({ decoder: 2 * 4 * 8 * 16 });
    expect(counter.stats.diverged).toBe(1);
    x.dispose();
  });

  it('with a trace every call is counted and traced, replay or not', () => {
    const counter = new FlopCounter();
    const x = tf.zeros([4, 8]) as tf.Tensor2D;
    for (let i = 0; i < 3; i++) toyStep(counter, x, w1, w2, 'sig');
    const trace: [string, string][] = [];
    counter.trace = trace;
    expect(toyStep(counter, x, w1, w2, 'sig')).toEqual(reference(x));
    counter.trace = null;
    const calls = Object.values(reference(x).calls).reduce((a, b) => a + b, 0);
    expect(trace.length).toBe(calls);
    expect(trace.some(([name, component]) => name === 'BatchMatMul' && component === 'head')).toBe(true);
    x.dispose();
  });

  it('shapeSignature sees every tensor of a batch and ignores values', () => {
    const a = {
      images: tf.zeros([2, 4, 4, 3]),
      views: [tf.zeros([2, 4, 4, 3]), tf.zeros([2, 2, 2, 3])],
      tokenIds: [
        [1, 2],
        [3, 4],
      ],
    };
    const b = {
      images: tf.ones([2, 4, 4, 3]),
      views: [tf.ones([2, 4, 4, 3]), tf.ones([2, 2, 2, 3])],
      tokenIds: [
        [5, 6],
        [7, 8],
      ],
    };
    const c = {
      images: tf.ones([2, 4, 4, 3]),
      views: [tf.ones([2, 4, 4, 3]), tf.ones([2, 3, 3, 3])],
      tokenIds: [
        [5, 6],
        [7, 8],
      ],
    };
    expect(shapeSignature(a)).toBe(shapeSignature(b));
    expect(shapeSignature(a)).not.toBe(shapeSignature(c));
    expect(shapeSignature({ images: tf.zeros([2, 1]) })).not.toBe(shapeSignature({ images: tf.zeros([2, 1], 'int32') }));
    tf.dispose([a, b, c]);
  });
});
