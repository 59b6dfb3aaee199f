/** What `npm run reproduce` and `npm run merge` share: chart images from the page, run lines, failure exits. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { SweepPoint } from '../src/experiments/sweepResults';

/** Thrown to end the command (after the browser and server are closed) with a message and exit code 1. */
export function fail(message: string): never {
  throw new Error(message);
}

const pct = (x: number | undefined) => (x === undefined ? '  -  ' : `${(100 * x).toFixed(1)} %`);

/** One line per finished run: status, key, probe, patch mIoU, wall time (and the reason of a failure). */
export const formatPoint = (p: SweepPoint) =>
  `${p.status.padEnd(8)} ${p.key}  probe ${pct(p.accuracy)}  patch mIoU ${pct(p.patchMiou)}  ${(p.flops / 1e9).toFixed(1)} GFLOPs  ${(p.wallMs / 1000).toFixed(0)} s${p.reason ? `  (${p.reason})` : ''}`;

/** Saves the recharts chart inside `[data-testid=<id>]` as <name>.svg and <name>.png (floplab.chartImage: what the export buttons save). */
async function saveChart(page: Page, dir: string, id: string, name: string): Promise<void> {
  await page.getByTestId(id).first().scrollIntoViewIfNeeded();
  await page.waitForTimeout(500); // let recharts lay out at its final size
  const svg = await page.evaluate((t) => window.floplab.chartImage(t, 'svg'), id);
  const png = await page.evaluate((t) => window.floplab.chartImage(t, 'png'), id);
  if (!svg || !png) fail(`the chart '${id}' is not on the page`);
  writeFileSync(join(dir, `${name}.svg`), svg);
  writeFileSync(join(dir, `${name}.png`), Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64'));
}

/** The method comparison's chart (Figure 3). */
export const saveComparisonChart = (page: Page, dir: string) => saveChart(page, dir, 'comparison-chart', 'comparison-chart');

/**
 * The Experiments card's charts of the sweep it shows: against FLOPs (sweep-chart), hours on its default
 * reference device (sweep-chart-hours) and kg CO2 (sweep-chart-co2), and the method x dataset grid as a
 * PNG (sweep-grid) when `grid`. A chart missing from the page is an error: the files would lie.
 */
export async function saveSweepCharts(page: Page, dir: string, grid: boolean): Promise<void> {
  await page.getByTestId('sweep-view-chart').click();
  for (const axis of ['flops', 'hours', 'co2'] as const) {
    await page.getByTestId(`sweep-x-${axis}`).click();
    await saveChart(page, dir, 'sweep-chart', axis === 'flops' ? 'sweep-chart' : `sweep-chart-${axis}`);
  }
  await page.getByTestId('sweep-x-flops').click();
  if (grid) {
    await page.getByTestId('sweep-view-grid').click();
    const target = page.getByTestId('sweep-grid').first();
    await target.scrollIntoViewIfNeeded();
    await target.screenshot({ path: join(dir, 'sweep-grid.png') });
  }
}
