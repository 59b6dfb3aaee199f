/**
 * Headless reproduction of a named experiment (src/experiments/presets.ts):
 * builds and serves the app, drives it in headless Chromium through
 * `window.floplab`, prints each run as it ends, and writes to --out:
 * results.json (the sweep results file, src/experiments/sweepResults.ts),
 * results.csv, and the charts as PNG and SVG (the same images the page's
 * export buttons save). Exits non-zero, saying why, when the arguments are bad,
 * the page fails, or a run fails (a diverged run is a result, not a failure).
 *
 *   npm run reproduce -- --preset smoke --out out/smoke --backend wasm
 *   npm run reproduce -- --preset figure1 --out out/f1-3 --shard 3/8   # one task of a job array
 */
import './help';
import { etaLeftMs } from '../src/experiments/sweepEta';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { withLabPage } from './labPage';
import { REPRODUCE_USAGE, parseReproduceArgs, type ReproduceArgs } from '../tooling/reproduceArgs';
import { experimentPreset } from '../src/experiments/presets';
import { sweepCsv, type SweepFile } from '../src/experiments/sweepResults';
import type { ComparisonRow } from '../src/train/records';
import { fail, formatPoint, saveComparisonChart, saveSweepCharts } from './reproduceOutput';
import { csvText } from '../src/lib/csv';

let args: ReproduceArgs;
try {
  args = parseReproduceArgs(process.argv.slice(2));
} catch (e) {
  console.error(`reproduce: ${(e as Error).message}\n${REPRODUCE_USAGE}`);
  process.exit(2);
}
const preset = experimentPreset(args.preset);
mkdirSync(args.out, { recursive: true });
if (args.build) {
  console.error('reproduce: building the app (vite build) ...');
  const built = spawnSync('npx', ['vite', 'build', '--logLevel', 'error'], { stdio: 'inherit' });
  if (built.status !== 0) {
    console.error('reproduce: the build failed (see above)');
    process.exit(1);
  }
}

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;

async function reproduceSweep(page: Page): Promise<SweepFile> {
  await page.evaluate(
    (o) => {
      const w = window as unknown as { __reproduce: Promise<unknown>; __reproduceError?: string };
      w.__reproduce = window.floplab.runPreset(o.preset, { backend: o.backend, seeds: o.seeds, shard: o.shard }).catch((e: Error) => {
        w.__reproduceError = e.message;
      });
    },
    { preset: args.preset, backend: args.backend, seeds: args.seeds, shard: args.shard },
  );
  let shown = 0;
  for (;;) {
    await page.waitForTimeout(1000);
    const p = await page.evaluate(() => ({ ...window.floplab.sweepProgress(), error: (window as unknown as { __reproduceError?: string }).__reproduceError }));
    if (p.error) fail(`the sweep did not start: ${p.error}`);
    for (const r of p.results.slice(shown))
      console.error(
        `[${String(++shown).padStart(3)}/${p.total}] ${formatPoint(r)}${etaLeftMs(p, Date.now()) ? `  ETA ${Math.round(etaLeftMs(p, Date.now())! / 60000)} min` : ''}`,
      );
    if (p.status === 'done' || p.status === 'stopped') break;
  }
  return page.evaluate(() => window.floplab.sweepResults());
}

async function reproduceProfile(page: Page): Promise<ComparisonRow[]> {
  const r = await page.evaluate((o) => window.floplab.runPreset(o.preset, { backend: o.backend }), { preset: args.preset, backend: args.backend });
  if (r.kind !== 'profile') fail(`preset ${args.preset} did not profile`);
  return r.rows;
}

const profileCsv = (rows: ComparisonRow[], batch: number) =>
  csvText([
    ['key', 'method', 'label', 'flops_per_step', 'flops_per_image', 'kernel_ms', 'components'],
    ...rows.map((r) => [r.key, r.method, r.label, r.totalFlops, r.totalFlops / batch, r.kernelMs.toFixed(2), r.byComponent]),
  ]);

try {
  await withLabPage(
    args.port,
    async (page) => {
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      console.error(`reproduce: ${preset.title} (${preset.mirrors})${args.shard ? `, shard ${args.shard[0]}/${args.shard[1]}` : ''}`);
      // Which adapter ran it: a software adapter on a GPU machine means the hardware flags did not take.
      const printBackend = async () => {
        const b = (await page.evaluate(() => window.floplab.state().backend)) as {
          name?: string;
          isSoftware?: boolean;
          adapter?: { vendor?: string; description?: string };
        } | null;
        if (b?.name)
          console.error(
            `reproduce: ran on ${b.name}${b.adapter ? ` (${[b.adapter.vendor, b.adapter.description].filter(Boolean).join(' ')}${b.isSoftware ? ', a software adapter' : ''})` : ''}`,
          );
      };
      if (preset.kind === 'profile') {
        const rows = await reproduceProfile(page);
        const batch = Number(preset.profile?.batchSize ?? 32);
        writeFileSync(
          join(args.out, 'results.json'),
          JSON.stringify(
            {
              format: 'floplab-profile',
              version: 1,
              preset: preset.id,
              createdAt: new Date().toISOString(),
              config: preset.profile,
              backend: args.backend ?? 'auto',
              rows,
            },
            null,
            2,
          ),
        );
        writeFileSync(join(args.out, 'results.csv'), profileCsv(rows, batch));
        for (const r of rows)
          console.error(
            `${r.label.padEnd(28)} ${(r.totalFlops / 1e9).toFixed(3)} GFLOP/step  ${(r.totalFlops / batch / 1e6).toFixed(2)} MFLOP/image  ${r.kernelMs.toFixed(1)} ms kernels`,
          );
        await saveComparisonChart(page, args.out);
        return;
      }
      const file = await reproduceSweep(page);
      await printBackend();
      writeFileSync(join(args.out, 'results.json'), JSON.stringify(file, null, 2));
      writeFileSync(join(args.out, 'results.csv'), sweepCsv(file));
      await saveSweepCharts(page, args.out, preset.view === 'grid');
      const failed = file.points.filter((p) => p.status === 'error');
      const diverged = file.points.filter((p) => p.status === 'diverged');
      if (diverged.length) console.error(`reproduce: ${diverged.length} run(s) diverged (kept as results): ${diverged.map((p) => p.key).join(', ')}`);
      if (failed.length)
        fail(
          `${failed.length} of ${file.points.length} run(s) failed: ${failed.map((p) => `${p.key}: ${p.reason}`).join('; ')} (results so far are in ${args.out})`,
        );
    },
    { width: 1400, height: 1000 },
  );
} catch (e) {
  console.error(`reproduce: ${(e as Error).message}`);
  process.exit(1);
}
console.error(`reproduce: done in ${elapsed()}; results in ${args.out} (results.json, results.csv, charts)`);
