/**
 * Where one training step's kernel time goes, by kernel: `tf.profile` of a step on wasm or on
 * WebGPU (Dawn in Node; here SwiftShader, software), after warm-up steps; prints the step's wall
 * time, the kernel total and the kernels by time with their calls. For finding what to fuse next:
 * a table of one step, not a benchmark (`npm run bench` alternates and repeats).
 *
 *   npx tsx scripts/kernel-profile.ts                                  # wasm, toy-B, supervised
 *   npx tsx scripts/kernel-profile.ts --backend=webgpu --config=toy-B-64 --top=12
 */
import './help';
import * as tf from '@tensorflow/tfjs';
import { createTrainer } from '../src/train/trainer';
import { useNodeWasm } from '../tooling/nodeWasm';
import { useNodeWebgpu } from '../tooling/nodeWebgpu';
import { configFor } from '../tooling/benchTable';
import { cliFlags, intFlag, methodList } from '../tooling/args';

const { values } = cliFlags({
  backend: { type: 'string', default: 'wasm' },
  config: { type: 'string', default: 'default' },
  method: { type: 'string', default: 'supervised' },
  top: { type: 'string', default: '20' },
});
const backend = values.backend;
if (backend !== 'wasm' && backend !== 'webgpu') throw new Error(`--backend=${backend}: expected wasm or webgpu`);
const [method] = methodList(values.method);
if (backend === 'wasm') await useNodeWasm('kernel profile (Node)');
else await useNodeWebgpu('kernel profile (Node)');
await tf.setBackend(backend);

const trainer = await createTrainer({ ...configFor(values.config), method, backend });
const step = async (s: number) => {
  const { loss } = trainer.step(s);
  await loss.data();
  loss.dispose();
};
for (let s = 0; s < 3; s++) await step(s);
const t0 = performance.now();
await step(3);
const wall = performance.now() - t0;
const info = await tf.profile(() => step(4));
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const ms = await k.kernelTimeMs; // a promise on WebGPU
  const row = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  row.ms += typeof ms === 'number' ? ms : 0;
  row.calls++;
  byKernel.set(k.name, row);
}
const total = [...byKernel.values()].reduce((a, r) => a + r.ms, 0);
console.log(`${backend} ${values.config} ${method}: step ${wall.toFixed(1)} ms wall, ${total.toFixed(1)} ms of kernels in ${info.kernels.length} calls`);
console.log('| kernel | ms | share | calls |');
console.log('|---|---|---|---|');
for (const [name, r] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, intFlag('top', values.top, 1)))
  console.log(`| ${name} | ${r.ms.toFixed(2)} | ${((100 * r.ms) / total).toFixed(1)} % | ${r.calls} |`);
trainer.dispose();
