/**
 * Where the page's CPU goes during a run: each Chromium thread's CPU seconds (from /proc, Linux
 * only) over one run of the built app, beside the run's wall time. It showed the page's main thread
 * redrawing the charts for 8.2 s of a 21 s run on a 2-core machine (docs/results.md). Builds
 * nothing: run `npx vite build` first. Threads that end before the run does (the probe worker's)
 * are not in /proc afterwards, so their time is missing.
 *
 *   npx tsx scripts/page-cpu.ts                                    # supervised, wasm, 500 steps, no probe
 *   npx tsx scripts/page-cpu.ts --method=clip --steps=250 --probe=thread
 */
import './help';
import { readdirSync, readFileSync } from 'node:fs';
import { PROBE_PLACES, probeConfigFor, withLabPage } from './labPage';
import { cliFlags, intFlag, listFlag, methodList } from '../tooling/args';

const { values } = cliFlags({
  method: { type: 'string', default: 'supervised' },
  backend: { type: 'string', default: 'wasm' },
  steps: { type: 'string', default: '500' },
  probe: { type: 'string', default: 'none' },
});
const [method] = methodList(values.method);
const steps = intFlag('steps', values.steps, 1);
const [probe] = listFlag('probe', values.probe, PROBE_PLACES);
const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU seconds so far of every Chromium thread, keyed by process type and thread name. */
function chromiumThreads(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chrom')) continue;
      const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser';
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const key = `${type}: ${name}`;
        out.set(key, (out.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S);
      }
    } catch {
      // The process or thread ended while it was read.
    }
  }
  return out;
}

await withLabPage(4184, async (page) => {
  await page.evaluate(() => window.floplab.ready);
  const before = chromiumThreads();
  const wallMs = await page.evaluate(
    async ({ method, backend, steps, probe }) => {
      const lab = window.floplab;
      const t0 = performance.now();
      await lab.run(lab.defaultConfig({ method, backend, steps, probe }));
      return performance.now() - t0;
    },
    { method, backend: values.backend, steps, probe: probeConfigFor(probe) },
  );
  const rows = [...chromiumThreads()].map(([k, s]) => [k, s - (before.get(k) ?? 0)] as const).filter(([, s]) => s >= 0.1);
  console.log(`${method} on ${values.backend}, ${steps} steps, probe ${probe}: ${(wallMs / 1000).toFixed(1)} s wall`);
  console.log('| CPU s | process: thread |');
  console.log('|---|---|');
  for (const [k, s] of rows.sort((a, b) => b[1] - a[1])) console.log(`| ${s.toFixed(1)} | ${k} |`);
});
