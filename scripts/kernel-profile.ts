/**
 * Where one training step's kernel time goes, by kernel: `tf.profile` of five steps after warm-up
 * steps (each kernel's median time a step), on wasm or WebGPU, in Node (Dawn for WebGPU; here SwiftShader, software) or in the built
 * app's page (`--where=page`: headless Chromium through `window.floplab.benchmark`, whose engine
 * is the one the bench times; Node 20's V8 is an older one, and kernels' times differ). Prints the
 * median step's wall time, the kernel total and the kernels by time with their calls. For finding
 * what to fuse next: a table of a step, not a benchmark (`npm run bench` alternates and repeats).
 *
 *   npx tsx scripts/kernel-profile.ts                                  # wasm, toy-B, supervised, Node
 *   npx vite build && npx tsx scripts/kernel-profile.ts --where=page --config=toy-B-64
 *   npx tsx scripts/kernel-profile.ts --backend=webgpu --config=toy-B-64 --top=12
 */
import './help';
import * as tf from '@tensorflow/tfjs';
import { benchSteps, type KernelTime } from '../src/train/bench';
import { resolveConfig } from '../src/train/config';
import { useNodeWasm } from '../tooling/nodeWasm';
import { useNodeWebgpu } from '../tooling/nodeWebgpu';
import { configFor } from '../tooling/benchTable';
import { cliFlags, intFlag, methodList } from '../tooling/args';

const { values } = cliFlags({
  backend: { type: 'string', default: 'wasm' },
  config: { type: 'string', default: 'default' },
  method: { type: 'string', default: 'supervised' },
  where: { type: 'string', default: 'node' },
  top: { type: 'string', default: '20' },
});
const backend = values.backend;
if (backend !== 'wasm' && backend !== 'webgpu') throw new Error(`--backend=${backend}: expected wasm or webgpu`);
if (values.where !== 'node' && values.where !== 'page') throw new Error(`--where=${values.where}: expected node or page`);
const [method] = methodList(values.method);
const top = intFlag('top', values.top, 1);
const config = { ...configFor(values.config), method, backend };
const opts = { steps: 2, warmup: 3, profile: true };

let result: { kernelTimes?: KernelTime[]; profiledStepMs?: number };
if (values.where === 'page') {
  const { withLabPage } = await import('./labPage');
  result = await withLabPage(4181, (page) => page.evaluate(([c, o]) => window.floplab.benchmark(c, o), [config, { ...opts, hooks: true }] as const));
} else {
  if (backend === 'wasm') await useNodeWasm('kernel profile (Node)');
  else await useNodeWebgpu('kernel profile (Node)');
  await tf.setBackend(backend);
  result = await benchSteps(resolveConfig(config), opts);
}
const kernels = result.kernelTimes ?? [];
const total = kernels.reduce((a, r) => a + r.ms, 0);
const calls = kernels.reduce((a, r) => a + r.calls, 0);
console.log(
  `${backend} ${values.config} ${method} (${values.where}): median step ${(result.profiledStepMs ?? NaN).toFixed(1)} ms wall under the profiler, ${total.toFixed(1)} ms of kernels in ${calls} calls`,
);
console.log('| kernel | ms | share | calls |');
console.log('|---|---|---|---|');
for (const r of kernels.slice(0, top)) console.log(`| ${r.kernel} | ${r.ms.toFixed(2)} | ${((100 * r.ms) / total).toFixed(1)} % | ${r.calls} |`);
