/**
 * Reference learning curves, step 1 of 2 (by hand; scripts/reference-curves/run.ts does both for
 * every seed): exports the lab's initial weights, every step's views and the probe sets of one run.
 *
 *   npx tsx scripts/reference-curves/export.ts <byol|dino> [--seed=0] [--steps=N] [--out=DIR]
 *   /usr/bin/python3 scripts/reference-curves/train.py DIR [--out=curve.json]
 *
 * Without --steps the run has the signal report's budget (scripts/reference-curves/config.ts).
 * DIR defaults to bench-results/reference-curves/<method>-seed<seed> (git ignores bench-results/).
 */
import '../help';
import { useNodeWasm } from '../../tooling/nodeWasm';
import { referenceConfig } from './config';
import { exportReference, REFERENCE_METHODS } from '../../tooling/referenceCurves';
import { cliFlags } from '../../tooling/args';

const { values: flags, positionals } = cliFlags({ seed: { type: 'string', default: '0' }, steps: { type: 'string' }, out: { type: 'string' } }, true);
const arg = (name: keyof typeof flags) => flags[name];
const method = positionals[0];
if (!(REFERENCE_METHODS as readonly string[]).includes(method)) {
  console.error(`usage: npx tsx scripts/reference-curves/export.ts <${REFERENCE_METHODS.join('|')}> [--seed=0] [--steps=N] [--out=DIR]`);
  process.exit(2);
}
const seed = Number(arg('seed') ?? 0);
const steps = arg('steps') === undefined ? undefined : Number(arg('steps'));
const out = arg('out') ?? `bench-results/reference-curves/${method}-seed${seed}`;
await useNodeWasm('reference-curve export (Node)');
const config = await referenceConfig(method, seed, { steps });
const t0 = performance.now();
const manifest = await exportReference(config, out);
console.log(
  `${method} seed ${seed}: ${config.steps} steps, views ${manifest.views.layout.map((l) => `[${l.shape.join(',')}]`).join(' ')}, ` +
    `probe ${manifest.probe.train.shape[0]} / ${manifest.probe.test.shape[0]} at steps ${manifest.probe.steps.join(',')}, ` +
    `${((performance.now() - t0) / 1000).toFixed(1)} s -> ${out}`,
);
