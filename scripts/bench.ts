/**
 * Benchmark: ms per training step and FLOPs per step, per backend and config,
 * with the FLOP hooks on and off (the instrumentation overhead). Runs the built
 * app in headless Chromium through `window.floplab.benchmark`.
 *
 *   npm run bench                      # all backends, tiny + default config, supervised
 *   npm run bench -- --backends=wasm --configs=default --steps=20
 *   npm run bench -- --backends=wasm --configs=default --methods=supervised,mae,simclr,byol,dino,clip
 *
 * Prints a table and writes bench-results/bench.json. Build first (`npx vite build`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { withLabPage } from './labPage';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const backends = arg('backends', 'webgpu,wasm,cpu').split(',');
const configs: Record<string, object> = {
  tiny: { model: 'tiny', batchSize: 8 },
  default: {},
};
const configNames = arg('configs', 'tiny,default').split(',');
const methods = arg('methods', 'supervised').split(',');
const steps = Number(arg('steps', '10'));
const warmup = Number(arg('warmup', '3'));

const rows: Record<string, unknown>[] = [];
await withLabPage(4180, async (page) => {
  for (const backend of backends) {
    for (const name of configNames) for (const method of methods) {
      const config = { ...configs[name], method, backend };
      // Off first, then on, twice, so warm caches favour neither side.
      const results: Record<string, number[]> = { off: [], on: [] };
      let info: unknown = null;
      let flopsPerStep = 0;
      for (const hooks of [false, true, false, true]) {
        const r = await page.evaluate(([c, o]) => window.floplab.benchmark(c, o), [config, { steps, warmup, hooks }] as const);
        results[hooks ? 'on' : 'off'].push(r.msPerStep);
        if (hooks) flopsPerStep = r.flopsPerStep;
        info = r.backend;
      }
      const best = (xs: number[]) => Math.min(...xs);
      const row = {
        backend,
        config: name,
        method,
        adapter: (info as { adapter?: { description?: string; architecture?: string } }).adapter?.description || (info as { adapter?: { architecture?: string } }).adapter?.architecture || '-',
        msPerStep: +best(results.on).toFixed(2),
        msPerStepNoHooks: +best(results.off).toFixed(2),
        overheadPct: +((100 * (best(results.on) - best(results.off))) / best(results.off)).toFixed(1),
        flopsPerStep,
        gflopPerS: +(flopsPerStep / best(results.on) / 1e6).toFixed(3),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
});
console.table(rows);
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/bench.json', JSON.stringify({ date: new Date().toISOString(), steps, warmup, rows }, null, 2));
