/**
 * What making the batches on a second worker saves (engine.batchWorker, docs/api.md#records): in
 * one page, `window.floplab.benchmark` of each method on wasm alternates batches made in the
 * training thread (`off`) and on the batch worker (`on`), `--rounds` times, and prints the medians
 * and ranges of ms/step, of ms/step on batches made before timing (the floor the worker can reach)
 * and of the batch maker alone, with how many timed steps took the worker's batch. Builds
 * nothing: run `npx vite build` first.
 *
 *   npx tsx scripts/batch-worker.ts                               # supervised, 3 rounds of 20 steps
 *   npx tsx scripts/batch-worker.ts --methods=supervised,simclr,dino --rounds=4
 */
import './help';
import { loadavg } from 'node:os';
import { withLabPage } from './labPage';
import { median } from '../src/lib/stats';
import { cliFlags, intFlag, methodList } from '../tooling/args';

const { values } = cliFlags({
  methods: { type: 'string', default: 'supervised' },
  rounds: { type: 'string', default: '3' },
  steps: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '5' },
});
const methods = methodList(values.methods);
const rounds = intFlag('rounds', values.rounds, 1);
const steps = intFlag('steps', values.steps, 1);
const warmup = intFlag('warmup', values.warmup, 0);
const PLACES = ['off', 'on'] as const;

const cell = (xs: number[]) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;

console.log(`load average before: ${loadavg()[0].toFixed(2)}; ${rounds} rounds, ${steps} steps after ${warmup} warm-up, off and on alternating`);
console.log('| method | batchWorker | ms/step | ms/step, ready batches | batch maker ms | steps fed |');
console.log('|---|---|---|---|---|---|');
await withLabPage(4185, async (page) => {
  for (const method of methods) {
    // One untimed benchmark first: the page's first one of a method runs cold (about 1.5x slower here).
    await page.evaluate((method) => window.floplab.benchmark({ method, backend: 'wasm' }, { steps: 3, warmup: 2 }), method);
    const seen = new Map<string, { ms: number[]; ready: number[]; batch: number[]; fed: number[] }>(
      PLACES.map((p) => [p, { ms: [], ready: [], batch: [], fed: [] }]),
    );
    for (let r = 0; r < rounds; r++)
      for (const place of PLACES) {
        const res = await page.evaluate(
          ({ method, place, steps, warmup }) => window.floplab.benchmark({ method, backend: 'wasm', engine: { batchWorker: place } }, { steps, warmup }),
          { method, place, steps, warmup },
        );
        const row = seen.get(place)!;
        row.ms.push(res.msPerStep);
        row.ready.push(res.readyMsPerStep);
        row.batch.push(res.batchMsPerStep);
        row.fed.push(res.fedSteps);
      }
    for (const place of PLACES) {
      const row = seen.get(place)!;
      console.log(
        `| ${method} | ${place} | ${cell(row.ms)} | ${cell(row.ready)} | ${cell(row.batch)} | ${Math.min(...row.fed)}-${Math.max(...row.fed)} of ${steps} |`,
      );
    }
  }
});
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
