import { expect, test } from './test';
import { expectedComparisonRows } from '../src/features/comparison/comparisonRows';
import { LabPage, TINY } from './lab.page';

test('compare methods (wasm, tiny): every variant profiled, and the A.1 power-law time fit shown', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open({ ...TINY, backend: 'wasm' });
  await page.getByTestId('compare-button').click();
  const rows = expectedComparisonRows();
  await expect(page.locator(`[data-testid="comparison-chart"][data-rows="${rows}"]`)).toBeVisible({ timeout: 180_000 });
  const fit = page.getByTestId('time-fit');
  await expect(fit).toContainText(`${rows} profiled`);
  const b = Number(await fit.getAttribute('data-b'));
  const r2 = Number(await fit.getAttribute('data-r2'));
  // The exponent is the device's property (on tiny wasm models, launch-bound, it can be near 0 or below): only finite.
  expect(Number.isFinite(b)).toBe(true);
  expect(r2).toBeGreaterThanOrEqual(0);
  expect(r2).toBeLessThanOrEqual(1);
});
