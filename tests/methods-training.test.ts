/**
 * Short training per method (the wasm backend, tiny config, fixed seed): the loss
 * falls over the first few dozen steps, and the embeddings do not collapse
 * (per-dimension std of L2-normalised features stays well above zero).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METHOD_IDS } from '../src/methods/catalog';
import { defaultConfig } from '../src/train/config';
import { createTrainer, type Trainer } from '../src/train/trainer';
import { useWasmBackend } from '../tooling/tfjsBackends';

beforeAll(useWasmBackend);

const STEPS = 40;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Mean over dimensions of the per-dimension std of row-normalised features; 0 = collapsed. */
function featureSpread(trainer: Trainer): number {
  return tf.tidy(() => {
    const images = trainer.makeBatch(10_000).images;
    const f = trainer.encoder.features(images);
    const n = tf.div(f, tf.norm(f, 'euclidean', 1, true));
    const { variance } = tf.moments(n, 0);
    return tf.mean(tf.sqrt(variance)).dataSync()[0];
  });
}

describe.each(METHOD_IDS)('short training: %s', (id) => {
  it(`loss falls over ${STEPS} steps and the embeddings do not collapse`, async () => {
    // CLIP sits at chance (ln B) for ~100 steps on fresh toy scenes before it falls (the
    // pseudo-captions carry only the class); on a small pool it learns within a few dozen.
    const size = id === 'clip' ? 32 : 2048;
    // SimCLR's lab-scale views (full hue rotation, grey with p 0.5) leave no colour to match: at
    // batch 16 its loss is flat for the first 40 steps (3.45 -> 3.52), at batch 32 it falls (4.19 -> 4.12).
    const batchSize = id === 'simclr' ? 32 : 16;
    const trainer = await createTrainer(
      defaultConfig({ method: id, model: 'tiny', batchSize, steps: STEPS, seed: 1, backend: 'wasm', dataset: { size }, optim: { lr: 2e-3, warmupSteps: 5 } }),
    );
    const losses: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      const { loss } = trainer.step(s);
      let value = (await loss.data())[0];
      loss.dispose();
      // DINO's loss is H(teacher, student) = H(teacher) + KL(teacher || student): the teacher's
      // entropy rises early as centring spreads it out, so the part that must fall is the KL.
      if (id === 'dino') {
        const { teacherEntropy, centerDrift } = trainer.state.monitors!();
        value -= (await teacherEntropy.data())[0];
        tf.dispose([teacherEntropy, centerDrift]);
      }
      losses.push(value);
    }
    const spread = featureSpread(trainer);
    expect(mean(losses.slice(-8))).toBeLessThan(mean(losses.slice(0, 8)));
    expect(spread).toBeGreaterThan(0.25 / Math.sqrt(trainer.config.model.dim));
    trainer.dispose();
  });
});
