/**
 * The lab against jax-js on wasm, in Node (issue 21's peer): for each config, the lab's
 * supervised step on tfjs-wasm (src/train/trainer.ts, batch maker included) and the same step
 * written in jax-js (tooling/jaxPeer.ts, jitted: traced once, fused into jax-js's own wasm
 * kernels), alternating `--rounds` times, `--steps` steps each; prints the medians, their ranges
 * and the ratio lab / jax-js. Both run on one thread: tfjs-wasm in Node has none other, and
 * jax-js starts worker threads only where `navigator` and `Worker` exist (a browser).
 *
 *   npx tsx scripts/jax-peer.ts                                   # toy-B and toy-B-64
 *   npx tsx scripts/jax-peer.ts --configs=default --rounds=5 --steps=10
 */
import './help';
import { loadavg } from 'node:os';
import { defaultDevice, init } from '@jax-js/jax';
import { createTrainer } from '../src/train/trainer';
import { useNodeWasm } from '../tooling/nodeWasm';
import { configFor } from '../tooling/benchTable';
import { peerTrainer } from '../tooling/jaxPeer';
import { median } from '../src/lib/stats';
import { cliFlags, intFlag, list } from '../tooling/args';

const { values } = cliFlags({
  configs: { type: 'string', default: 'default,toy-B-64' },
  rounds: { type: 'string', default: '5' },
  steps: { type: 'string', default: '10' },
});
const rounds = intFlag('rounds', values.rounds, 1);
const steps = intFlag('steps', values.steps, 1);

await useNodeWasm('jax-js peer (Node)');
const devices = await init('wasm');
if (!devices.includes('wasm')) throw new Error(`jax-js started no wasm device (got ${devices.join(', ') || 'none'})`);
defaultDevice('wasm');

console.log(`load average before: ${loadavg()[0].toFixed(2)}; ${rounds} rounds of ${steps} steps, lab and jax-js alternating`);
console.log('| config | tokens | lab ms/step | range | jax-js ms/step | range | lab / jax-js |');
console.log('|---|---|---|---|---|---|---|');
for (const name of list(values.configs)) {
  const trainer = await createTrainer({ ...configFor(name), method: 'supervised', backend: 'wasm' });
  const { model, batchSize } = trainer.config;
  const peer = peerTrainer({ ...model, numClasses: trainer.dataset.numClasses, batchSize });
  const lab: number[] = [];
  const jax: number[] = [];
  for (let s = 0; s < 3; s++) trainer.step(s).loss.dispose();
  for (let s = 0; s < 3; s++) await peer.step().data(); // the first call traces and compiles
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const { loss } = trainer.step(10 + s);
      if (s === steps - 1) await loss.data();
      loss.dispose();
    }
    lab.push((performance.now() - t0) / steps);
    t0 = performance.now();
    // Each step's loss is read: jax-js evaluates lazily, and a chain of unread steps ran slower.
    for (let s = 0; s < steps; s++) await peer.step().data();
    jax.push((performance.now() - t0) / steps);
  }
  const tokens = (model.imageSize / model.patchSize) ** 2;
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;
  console.log(
    `| ${name} | ${tokens} | ${median(lab).toFixed(1)} | ${range(lab)} | ${median(jax).toFixed(1)} | ${range(jax)} | ${(median(lab) / median(jax)).toFixed(2)}x |`,
  );
  trainer.dispose();
  peer.dispose();
}
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
