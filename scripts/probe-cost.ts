/**
 * Where a probe's time goes (issue 21): one default trainer on Node wasm, timing training steps
 * and each part of an evaluation: the kNN probe, the dense patch probe, the linear readout, the preview.
 *
 *   npx tsx scripts/probe-cost.ts [--method=supervised] [--steps=20]
 */
import './help';
import * as tf from '@tensorflow/tfjs';
import { createTrainer } from '../src/train/trainer';
import { useNodeWasm } from '../tooling/nodeWasm';
import { cliFlags, intFlag } from '../tooling/args';

await useNodeWasm('probe cost (Node)');
const { values } = cliFlags({ method: { type: 'string', default: 'supervised' }, steps: { type: 'string', default: '20' } });
const steps = intFlag('steps', values.steps, 1);
const trainer = await createTrainer({ method: values.method as 'supervised', backend: 'wasm' });
const time = async (label: string, f: () => unknown) => {
  const t0 = performance.now();
  await f();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(28)} ${ms.toFixed(0).padStart(7)} ms`);
  return ms;
};
await time('first probe (sets built)', () => trainer.probe());
for (let s = 0; s < 3; s++) trainer.step(s).loss.dispose();
const stepMs =
  (await time(`${steps} steps`, async () => {
    for (let s = 3; s < 3 + steps; s++) {
      const { loss } = trainer.step(s);
      if (s === 2 + steps) await loss.data();
      loss.dispose();
    }
  })) / steps;
const probeMs = await time('probe (kNN + dense)', () => trainer.probe());
const linearMs = await time('linear readout', () => trainer.linearReadout());
const previewMs = await time('preview', () => trainer.preview(10));
const cfg = trainer.config;
const evals = Math.ceil(cfg.steps / cfg.evalEvery);
const trainS = (cfg.steps * stepMs) / 1000;
const evalS = (evals * (probeMs + previewMs) + probeMs + linearMs) / 1000;
console.log(
  `step ${stepMs.toFixed(1)} ms; a default run: ${cfg.steps} steps ${trainS.toFixed(0)} s, ${evals + 1} probes + linear ${evalS.toFixed(0)} s: probe share ${((100 * evalS) / (trainS + evalS)).toFixed(1)} %`,
);
console.log(`tensors ${tf.memory().numTensors}`);
trainer.dispose();
