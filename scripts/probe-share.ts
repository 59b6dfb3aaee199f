/**
 * How much of a default run in the page goes to probing (issue 21: at most 10 %). Builds nothing:
 * run `npx vite build` first (`npm run probe-share` does). Opens the built page headless, runs
 * the default experiment of each method through `window.floplab.run` on one backend, and prints
 * the last record's probe time (`evalMs`: the random-init baseline, every probe, the end-of-run
 * linear readout and previews; the baseline's part apart) against its wall time (`wallMs`), as the run view's "Probe time" shows.
 *
 *   npx tsx scripts/probe-share.ts                       # supervised, wasm, the default run (1,000 steps)
 *   npx tsx scripts/probe-share.ts --methods=supervised,simclr --steps=250 --backend=wasm
 */
import './help';
import { loadavg } from 'node:os';
import { withLabPage } from './labPage';
import { cliFlags, intFlag, methodList } from '../tooling/args';

const { values } = cliFlags({
  methods: { type: 'string', default: 'supervised' },
  backend: { type: 'string', default: 'wasm' },
  steps: { type: 'string' },
});
const methods = methodList(values.methods);
const steps = values.steps === undefined ? undefined : intFlag('steps', values.steps, 1);

console.log(`load average before: ${loadavg()[0].toFixed(2)}`);
console.log('| method | backend | steps | probes | wall s | probe s | of which baseline s | probe share |');
console.log('|---|---|---|---|---|---|---|---|');
await withLabPage(4181, async (page) => {
  for (const method of methods) {
    const row = await page.evaluate(
      async ({ method, backend, steps }) => {
        const lab = window.floplab;
        await lab.ready;
        const config = lab.defaultConfig({ method, backend, ...(steps === undefined ? {} : { steps }) });
        const result = await lab.run(config);
        const last = result.records[result.records.length - 1];
        const probes = result.records.filter((r) => r.probeAccuracy !== undefined).length + (result.baseline ? 1 : 0);
        return { backend: result.backend.name, steps: last.step, probes, wallMs: last.wallMs, evalMs: last.evalMs, baselineMs: result.baseline?.ms ?? 0 };
      },
      { method, backend: values.backend, steps },
    );
    const share = (100 * row.evalMs) / row.wallMs;
    console.log(
      `| ${method} | ${row.backend} | ${row.steps} | ${row.probes} | ${(row.wallMs / 1000).toFixed(1)} | ${(row.evalMs / 1000).toFixed(1)} | ${(row.baselineMs / 1000).toFixed(1)} | ${share.toFixed(1)} % |`,
    );
  }
});
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
