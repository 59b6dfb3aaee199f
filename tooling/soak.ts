/**
 * Memory over a long run: steps a fresh trainer and samples tf.memory() after a
 * warm-up and at the end. Tensors and bytes must stay flat: a leak of one
 * tensor per step shows up as `steps - warmup` extra tensors. Shared by the
 * soak script (scripts/soak.ts, 1,000 steps per method) and its short CI
 * version (tests/soak.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentInput } from '../src/train/config';
import { createTrainer } from '../src/train/trainer';

export interface SoakResult {
  method: string;
  steps: number;
  warmup: number;
  tensorsAfterWarmup: number;
  tensorsAtEnd: number;
  bytesAfterWarmup: number;
  bytesAtEnd: number;
  msPerStep: number;
}

export async function soak(input: ExperimentInput, steps: number, warmup: number): Promise<SoakResult> {
  const trainer = await createTrainer({ ...input, steps });
  try {
    let after = tf.memory();
    const t0 = performance.now();
    let tStart = t0;
    for (let step = 0; step < steps; step++) {
      const { loss } = trainer.step(step);
      // Read back every few steps, as the runner does at log steps (keeps the backend's queue short).
      if (step % 5 === 4) await loss.data();
      loss.dispose();
      if (step === warmup - 1) {
        after = tf.memory();
        tStart = performance.now();
      }
    }
    const end = tf.memory();
    return {
      method: trainer.config.method,
      steps,
      warmup,
      tensorsAfterWarmup: after.numTensors,
      tensorsAtEnd: end.numTensors,
      bytesAfterWarmup: after.numBytes,
      bytesAtEnd: end.numBytes,
      msPerStep: (performance.now() - tStart) / (steps - warmup),
    };
  } finally {
    trainer.dispose();
  }
}
