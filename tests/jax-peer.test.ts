/**
 * The jax-js peer step (tooling/jaxPeer.ts, the model scripts/jax-peer*.ts time against the lab)
 * is the lab's model: the same number of trainable parameters as the lab's supervised trainer at
 * the same sizes, and a step that learns (the loss on its fixed batch falls).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultDevice, init } from '@jax-js/jax';
import { peerTrainer } from '../tooling/jaxPeer';
import { createTrainer } from '../src/train/trainer';
import { useWasmBackend } from '../tooling/tfjsBackends';
import * as tf from '@tensorflow/tfjs';

describe('jax-js peer step', () => {
  beforeAll(async () => {
    await useWasmBackend();
    await tf.setBackend('wasm');
    await init('wasm');
    defaultDevice('wasm');
  });

  it("has the lab's parameter count and learns its batch", async () => {
    const trainer = await createTrainer({ method: 'supervised', backend: 'wasm', model: 'tiny', batchSize: 8 });
    const { model, batchSize } = trainer.config;
    const labParams = trainer.state.trainable.reduce((n, v) => n + v.size, 0);
    const peer = peerTrainer({ ...model, numClasses: trainer.dataset.numClasses, batchSize });
    trainer.dispose();
    expect(peer.paramCount).toBe(labParams);
    const losses: number[] = [];
    for (let s = 0; s < 6; s++) losses.push((await peer.step().data())[0]);
    peer.dispose();
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5]).toBeLessThan(0.8 * losses[0]);
  });
});
