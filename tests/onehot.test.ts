/**
 * One-hot targets are built on the host because tfjs-wasm's OneHot kernel with
 * dtype float32 returns 1.4e-45 instead of 1: on wasm the segmentation loss was
 * silently 0 and fine-tuning learned nothing. This runs the loss on wasm itself.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { oneHotRows } from '../src/engine/oneHot';
import { segLoss } from '../src/transfer/finetune';

describe('one-hot targets', () => {
  it('are exact rows, zero for ignored (-1), and name a bad label', () => {
    expect(Array.from(oneHotRows([2, -1, 0], 3))).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0]);
    expect(() => oneHotRows([3], 3)).toThrow('oneHotRows: label 3 at 0 is not a class in 0..2 (or -1 for ignored)');
  });

  it('give the segmentation loss its value on the wasm backend: uniform logits cost ln K per labelled pixel', async () => {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    tf.env().set('IS_TEST', true);
    await tf.setBackend('wasm');
    await tf.ready();
    const labels = [0, 3, -1, 10];
    const oneHot = tf.tensor2d(oneHotRows(labels, 11), [4, 11]);
    const logits = tf.zeros([1, 2, 2, 11]) as tf.Tensor4D;
    const loss = segLoss(logits, oneHot, 3);
    expect((await loss.data())[0]).toBeCloseTo(Math.log(11), 5);
    tf.dispose([oneHot, logits, loss]);
  });
});
