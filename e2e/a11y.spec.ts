/**
 * Accessibility (issue 19): axe-core's WCAG 2 A and AA rules find nothing on the lab page, with
 * the Runs, Experiments and comparison cards filled, nor in talk mode.
 */
import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from './test';
import { LabPage, TINY } from './lab.page';

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  return result.violations.map(
    (v) =>
      `${v.id} (${v.nodes.length}): ${v.help} — ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join(' | ')}`,
  );
}

test('axe: no WCAG 2 A/AA violation on the first screen, with the cards filled, and in talk mode', async ({ page }) => {
  test.setTimeout(240_000);
  const lab = new LabPage(page);
  await lab.open({ ...TINY, backend: 'wasm' });
  await page.evaluate(() => window.floplab.ready);
  expect(await violations(page)).toEqual([]);

  // Filled: a finished run (Runs, charts, figures), a comparison, and a results file in the Experiments card.
  await lab.run();
  await lab.waitForStatus('done');
  await page.evaluate((c) => window.floplab.compareMethods(c), { ...TINY, backend: 'wasm' });
  const results = readFileSync('docs/results/talk/results.json', 'utf8');
  await page.evaluate((json) => window.floplab.openSweepResults(json), results);
  await expect(page.getByTestId('run-row').first()).toBeVisible();
  expect(await violations(page)).toEqual([]);

  // Every file picker is reached with Tab (buttons, not labels around hidden inputs).
  const pickers = ['import-folder-button', 'import-zip-button', 'import-run-button', 'sweep-open-file-button', 'run-button'];
  const reached = new Set<string>();
  for (let i = 0; i < 400 && !pickers.every((id) => reached.has(id)); i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
    if (id) reached.add(id);
  }
  for (const id of pickers) expect([...reached]).toContain(id);

  await page.goto('/#demo=smoke&backend=wasm');
  await expect(page.getByTestId('talk-title')).toHaveText('Smoke');
  expect(await violations(page)).toEqual([]);
  await page.keyboard.press('c'); // the configuration panel
  await expect(page.getByTestId('talk-config')).toBeVisible();
  expect(await violations(page)).toEqual([]);
});
