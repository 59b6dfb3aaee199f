/**
 * The jax-js peer step for a page (bundled by scripts/jax-peer-webgpu.ts and loaded into the lab's
 * page as a script from its own origin; nothing imports it, so knip.json names it an entry):
 * `window.jaxPeer.time(sizes, steps, warmup)` runs the peer step (./jaxPeer.ts) on jax-js's WebGPU
 * device and resolves to its mean ms per step.
 */
import { defaultDevice, init } from '@jax-js/jax';
import { peerTrainer, type PeerSizes } from './jaxPeer';

let trainer: ReturnType<typeof peerTrainer> | null = null;
let trainerKey = '';

/** Mean ms per step over `steps` steps (each loss read), after `warmup` untimed ones; the trainer is kept per sizes, so its compiled step is reused. */
async function time(sizes: PeerSizes, steps: number, warmup: number): Promise<{ msPerStep: number; loss: number }> {
  const devices = await init('webgpu');
  if (!devices.includes('webgpu')) throw new Error('jax-js found no WebGPU device in this page');
  defaultDevice('webgpu');
  const key = JSON.stringify(sizes);
  if (key !== trainerKey) {
    trainer?.dispose();
    trainer = peerTrainer(sizes);
    trainerKey = key;
  }
  const t = trainer!;
  for (let s = 0; s < warmup; s++) await t.step().data();
  const t0 = performance.now();
  let loss = NaN;
  // Each step's loss is read: jax-js evaluates lazily, and a chain of unread steps ran slower (on wasm).
  for (let s = 0; s < steps; s++) loss = (await t.step().data())[0];
  return { msPerStep: (performance.now() - t0) / steps, loss };
}

(globalThis as unknown as { jaxPeer: { time: typeof time } }).jaxPeer = { time };
