/**
 * Whole training steps on WebGPU (Dawn + SwiftShader) with the fused kernels on and off:
 * the same loss trajectory over 6 steps, the same counted FLOPs per step within 1 %, far
 * fewer kernel calls, and no tensor leak. The composed path is the reference. Six steps, not
 * twenty: a real bug differs at step 0, and on a software adapter each step of each path costs
 * about a second, which made this file a third of CI and time out with other work running.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrainer } from '../src/train/trainer';
import { METHOD_IDS } from '../src/methods/catalog';
import { webgpuInNode } from './fusedHarness';

beforeAll(webgpuInNode);

const STEPS = 6;
const calls = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

async function trajectory(method: string, fused: boolean) {
  const trainer = await createTrainer({ method, model: 'tiny', batchSize: 8, steps: 100, backend: 'webgpu', engine: { fused }, seed: 3 });
  const losses: number[] = [];
  let flops = 0;
  let kernels = 0;
  let tensorsAfterFirst = 0;
  try {
    for (let s = 0; s < STEPS; s++) {
      const { loss, counts } = trainer.step(s);
      losses.push((await loss.data())[0]);
      loss.dispose();
      flops = counts.total;
      kernels = calls(counts.calls);
      if (s === 1) tensorsAfterFirst = tf.memory().numTensors;
    }
    return { losses, flops, kernels, leaked: tf.memory().numTensors - tensorsAfterFirst };
  } finally {
    trainer.dispose();
  }
}

describe('a training step with fused kernels on WebGPU', () => {
  for (const method of METHOD_IDS) {
    // Generous: a software adapter shares the CPU with whatever else runs.
    it(`${method}: same losses over ${STEPS} steps and counted FLOPs as the composed ops, fewer kernels`, { timeout: 600_000 }, async () => {
      const off = await trajectory(method, false);
      const on = await trajectory(method, true);
      expect(on.leaked).toBe(0);
      expect(off.leaked).toBe(0);
      for (const l of on.losses) expect(Number.isFinite(l)).toBe(true);
      // float32 sums in another order drift a little over the AdamW steps; a real bug differs at step 0.
      expect(Math.abs(on.losses[0] - off.losses[0])).toBeLessThan(1e-4 * Math.max(1, Math.abs(off.losses[0])));
      on.losses.forEach((l, i) => expect(Math.abs(l - off.losses[i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(off.losses[i]))));
      expect(Math.abs(on.flops - off.flops) / off.flops).toBeLessThan(0.01);
      expect(on.kernels).toBeLessThan(off.kernels);
    });
  }
});
