/**
 * Kernel calls and counted FLOPs of one training step per method, with the fused WebGPU
 * kernels on and off (issue 10's table). Runs WebGPU in Node through Dawn, on SwiftShader
 * here or on the system's Vulkan driver with FLOPLAB_HARDWARE_VULKAN=1.
 *
 *   npx tsx scripts/kernel-counts.ts                         # every method, toy-B, batch 32
 *   npx tsx scripts/kernel-counts.ts --methods=supervised,mae --model=tiny --batch=8
 *
 * Prints a markdown table; `--json=FILE` also writes the rows.
 */
import './help';
import { writeFileSync } from 'node:fs';
import { useNodeWebgpu } from '../tooling/nodeWebgpu';
import { resolveConfig } from '../src/train/config';
import { profileStep } from '../src/train/profile';
import { METHOD_IDS } from '../src/methods/catalog';
import { cliFlags, methodList } from '../tooling/args';

const { values: flags } = cliFlags({
  methods: { type: 'string', default: METHOD_IDS.join(',') },
  model: { type: 'string', default: 'toy-B' },
  batch: { type: 'string', default: '32' },
  json: { type: 'string' },
});
const methods = methodList(flags.methods);
const model = flags.model;
const batchSize = Number(flags.batch);

await useNodeWebgpu('kernel counts');
const calls = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
const rows = [];
for (const method of methods) {
  const profiles = [];
  for (const fused of [false, true]) {
    const p = await profileStep(resolveConfig({ method, model, batchSize, backend: 'webgpu', engine: { fused } }));
    profiles.push({ calls: calls(p.calls), flops: p.totalFlops, byPhase: p.byPhase, uncounted: Object.keys(p.uncounted) });
  }
  const [off, on] = profiles;
  const row = {
    method,
    callsUnfused: off.calls,
    callsFused: on.calls,
    fewer: +(off.calls / on.calls).toFixed(2),
    flopsUnfused: off.flops,
    flopsFused: on.flops,
    flopsDiffPct: +((100 * (on.flops - off.flops)) / off.flops).toFixed(3),
    phaseDiffPct: Object.fromEntries(
      (['forward', 'backward', 'optimizer'] as const).map((k) => [k, +((100 * (on.byPhase[k] - off.byPhase[k])) / Math.max(1, off.byPhase[k])).toFixed(2)]),
    ),
    uncounted: on.uncounted,
  };
  rows.push(row);
  console.error(JSON.stringify(row));
}
console.log(`\nOne training step, ${model}, batch ${batchSize}, WebGPU (Dawn in Node), ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| method | kernels unfused | kernels fused | fewer | counted FLOPs unfused | fused | diff % (fwd / bwd / opt) |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.method} | ${r.callsUnfused} | ${r.callsFused} | ${r.fewer}x | ${r.flopsUnfused.toExponential(4)} | ${r.flopsFused.toExponential(4)} | ${r.flopsDiffPct} (${r.phaseDiffPct.forward} / ${r.phaseDiffPct.backward} / ${r.phaseDiffPct.optimizer}) |`,
  );
const json = flags.json;
if (json) writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), model, batchSize, rows }, null, 2));
