/**
 * How much of a default run in the page goes to probing (issue 21: at most 10 %). Builds nothing:
 * run `npx vite build` first. Opens the built page headless, runs the default experiment of each
 * method through `window.floplab.run` on one backend, once per `--where`, and prints:
 * - wall s: the last record's `wallMs` (the run ends when its last probe scores are in);
 * - thread s: probe time on the training thread (`evalMs`: the baseline, probes, the end-of-run
 *   linear probe and previews, or with probes on the second worker the weights' hand-over, the
 *   previews and any wait for scores), as the run view's "Probe time" shows, and its share;
 * - worker s: the probes' own time on the second worker (`probeWorkerMs`), beside training;
 * - run s: the whole `floplab.run` call as the page awaits it.
 * `--where=none` runs without a probe: its run s against a probed run's is what probing costs.
 *
 *   npx tsx scripts/probe-share.ts                       # supervised, wasm, the default run, probes on the second worker
 *   npx tsx scripts/probe-share.ts --methods=supervised,clip --where=worker,thread,none --steps=250
 */
import './help';
import { loadavg } from 'node:os';
import { PROBE_PLACES, probeConfigFor, withLabPage } from './labPage';
import { cliFlags, intFlag, listFlag, methodList } from '../tooling/args';

const { values } = cliFlags({
  methods: { type: 'string', default: 'supervised' },
  backend: { type: 'string', default: 'wasm' },
  steps: { type: 'string' },
  where: { type: 'string', default: 'worker' },
});
const methods = methodList(values.methods);
const places = listFlag('where', values.where, PROBE_PLACES);
const steps = values.steps === undefined ? undefined : intFlag('steps', values.steps, 1);

console.log(`load average before: ${loadavg()[0].toFixed(2)}`);
console.log('| method | backend | where | steps | probes | wall s | thread s | share | worker s | run s |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
await withLabPage(4181, async (page) => {
  for (const method of methods) {
    for (const where of places) {
      const row = await page.evaluate(
        async ({ method, backend, steps, probe }) => {
          const lab = window.floplab;
          await lab.ready;
          const config = lab.defaultConfig({ method, backend, probe, ...(steps === undefined ? {} : { steps }) });
          const t0 = performance.now();
          const result = await lab.run(config);
          const runMs = performance.now() - t0;
          const last = result.records[result.records.length - 1];
          const probes = result.records.filter((r) => r.probeAccuracy !== undefined).length + (result.baseline ? 1 : 0);
          return { backend: result.backend.name, steps: last.step, probes, wallMs: last.wallMs, evalMs: last.evalMs, workerMs: last.probeWorkerMs, runMs };
        },
        { method, backend: values.backend, steps, probe: probeConfigFor(where) },
      );
      const s = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(1));
      const share = where === 'none' ? '-' : `${((100 * row.evalMs) / row.wallMs).toFixed(1)} %`;
      console.log(
        `| ${method} | ${row.backend} | ${where} | ${row.steps} | ${row.probes} | ${s(row.wallMs)} | ${s(row.evalMs)} | ${share} | ${s(row.workerMs)} | ${s(row.runMs)} |`,
      );
    }
  }
});
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
