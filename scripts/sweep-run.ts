/**
 * One run of the recipe sweep (docs/recipes.md) in Node on wasm: prints the probe at each probe
 * point (and the random-init baseline) as it goes, then one summary line, which is also appended
 * to bench-results/sweep.log.
 *
 *   npx tsx scripts/sweep-run.ts '<config JSON>' [label]
 *   npx tsx scripts/sweep-run.ts '{"method":"simclr","budgetSupSteps":1000}' simclr-default
 *
 * budgetSupSteps: the run's length as a FLOP budget, this many steps of supervised training on the
 * same model and batch (counted); without it, the config's steps. evalEvery defaults to a quarter run.
 */
import './help';
import { appendFileSync, mkdirSync } from 'node:fs';
import { resolveConfig } from '../src/train/config';
import { runExperiment } from '../src/train/runner';
import { useNodeWasm } from '../tooling/nodeWasm';
import { flopsPerStep, supervisedBudget } from './budget';
import { cliFlags } from '../tooling/args';

const backend = await useNodeWasm('recipe sweep (Node)');
const { positionals } = cliFlags({}, true);
const input = JSON.parse(positionals[0] ?? '{}');
const label = positionals[1] ?? JSON.stringify(input);
const pct = (x: number | undefined) => (x === undefined ? '-' : (100 * x).toFixed(1));
const { budgetSupSteps, ...rest } = input;
let steps: number = rest.steps ?? resolveConfig({}).steps;
if (budgetSupSteps) {
  steps = Math.max(1, Math.round((await supervisedBudget({ backend: 'wasm', ...rest }, budgetSupSteps)) / (await flopsPerStep({ backend: 'wasm', ...rest }))));
}
const evalEvery = rest.evalEvery ?? Math.max(1, Math.round(steps / 4));
const config = resolveConfig({ backend: 'wasm', logEvery: Math.max(1, Math.round(steps / 20)), ...rest, steps, evalEvery });
const t0 = performance.now();
const result = await runExperiment(config, backend, {
  onBaseline: (b) => console.error(`${label} random init probe ${pct(b.accuracy)} patch ${pct(b.patchMiou)}`),
  onRecord: (r) =>
    r.probeAccuracy !== undefined &&
    console.error(
      `${label} step ${r.step}/${steps} probe ${pct(r.probeAccuracy)} patch ${pct(r.patchMiou)} loss ${r.loss.toFixed(3)} ${(r.wallMs / 1000).toFixed(0)} s`,
    ),
});
const secs = (performance.now() - t0) / 1000;
const probes = result.records.filter((r) => r.probeAccuracy !== undefined).map((r) => `${r.step}:${(100 * r.probeAccuracy!).toFixed(1)}`);
const losses = result.records.map((r) => r.loss);
const monitors = result.records.at(-1)!.monitors;
const line =
  `${label} | probe ${probes.join(' ')} | raw pixels ${pct(result.baseline?.rawPixels?.accuracy)} | loss ${losses[0].toFixed(3)} -> ${losses[losses.length - 1].toFixed(3)} | ${secs.toFixed(0)} s | ${result.records.at(-1)!.flops.toExponential(2)} FLOPs` +
  (monitors
    ? ` | ${Object.entries(monitors)
        .map(([k, v]) => `${k} ${v.toPrecision(3)}`)
        .join(', ')}`
    : '') +
  (result.collapse ? ` | COLLAPSED at ${result.collapse.step}: ${result.collapse.reason}` : '');
console.log(line);
mkdirSync('bench-results', { recursive: true });
appendFileSync('bench-results/sweep.log', line + '\n');
