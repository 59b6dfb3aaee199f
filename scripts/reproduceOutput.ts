/** What `npm run reproduce` and `npm run merge` share: chart images from the page, run lines, failure exits. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { SweepPoint } from '../src/train/sweepResults';

/** Thrown to end the command (after the browser and server are closed) with a message and exit code 1. */
export function fail(message: string): never {
  throw new Error(message);
}

const pct = (x: number | undefined) => (x === undefined ? '  -  ' : `${(100 * x).toFixed(1)} %`);

/** One line per finished run: status, key, probe, patch mIoU, wall time (and the reason of a failure). */
export const formatPoint = (p: SweepPoint) =>
  `${p.status.padEnd(8)} ${p.key}  probe ${pct(p.accuracy)}  patch mIoU ${pct(p.patchMiou)}  ${(p.flops / 1e9).toFixed(1)} GFLOPs  ${(p.wallMs / 1000).toFixed(0)} s${p.reason ? `  (${p.reason})` : ''}`;

/**
 * Saves each recharts chart inside `[data-testid=<id>]` as <id>.svg and <id>.png (floplab.chartImage), and each
 * HTML element in `elements` as a PNG screenshot. A chart missing from the page is an error: the files would lie.
 */
export async function saveCharts(page: Page, dir: string, charts: string[], elements: string[] = []): Promise<void> {
  for (const id of charts) {
    const target = page.getByTestId(id).first();
    await target.scrollIntoViewIfNeeded();
    await page.waitForTimeout(500); // let recharts lay out at its final size
    const svg = await page.evaluate((t) => window.floplab.chartImage(t, 'svg'), id);
    const png = await page.evaluate((t) => window.floplab.chartImage(t, 'png'), id);
    if (!svg || !png) fail(`the chart '${id}' is not on the page`);
    writeFileSync(join(dir, `${id}.svg`), svg);
    writeFileSync(join(dir, `${id}.png`), Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64'));
  }
  for (const id of elements) {
    const target = page.getByTestId(id).first();
    await target.scrollIntoViewIfNeeded();
    await target.screenshot({ path: join(dir, `${id}.png`) });
  }
}
