import { expect, test } from './test';
import { expectedComparisonRows } from '../src/features/comparison/comparisonRows';
import { fitPowerLaw } from '../src/carbon/timeModel';
import { LabPage, TINY } from './lab.page';

test('compare methods (wasm, tiny): every variant profiled, and the A.1 power-law time fit shown', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open({ ...TINY, backend: 'wasm' });
  await page.getByTestId('compare-button').click();
  const rows = expectedComparisonRows();
  await expect(page.locator(`[data-testid="comparison-chart"][data-rows="${rows}"]`)).toBeVisible({ timeout: 180_000 });
  const fit = page.getByTestId('time-fit');
  await expect(fit).toContainText(`${rows} profiled`);
  // The fit shown is the least-squares fit of the rows the chart draws (recomputed here), and those
  // rows are real: every variant has counted FLOPs and measured kernel time, and MAE's cheapest
  // variant (85 % masked, tiny decoder) counts fewer FLOPs than its 55 %-masked standard one.
  const chart = page.getByTestId('comparison-chart');
  const flops = (await chart.getAttribute('data-flops'))!.split(',').map(Number);
  const ms = (await chart.getAttribute('data-kernel-ms'))!.split(',').map(Number);
  expect(flops).toHaveLength(rows);
  for (const x of [...flops, ...ms]) expect(x).toBeGreaterThan(0);
  const expected = fitPowerLaw(flops.map((f, i) => ({ flops: f, ms: ms[i] })))!;
  expect(Number(await fit.getAttribute('data-b'))).toBeCloseTo(expected.b, 10);
  expect(Number(await fit.getAttribute('data-r2'))).toBeCloseTo(expected.r2, 10);
  const keys = (await chart.getAttribute('data-keys'))!.split(',');
  expect(flops[keys.indexOf('mae-0.85-tiny')]).toBeLessThan(flops[keys.indexOf('mae-0.55-standard')]);
});
