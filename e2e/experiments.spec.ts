/**
 * The Experiments card: a sweep started from `window.floplab` is drawn with
 * its frontier, on all three x axes, exports as a results file that parses,
 * and a broken results file is refused by name without changing what is shown.
 * The card's own Run and Stop drive the smoke preset.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from './test';
import { LabPage } from './lab.page';

/** Two methods x two tiny budgets on the tiny model, no dense probe: four short runs on wasm. */
const SPEC = {
  base: { backend: 'wasm', probe: { trainSize: 64, testSize: 32, dense: false }, batchSize: 8, evalEvery: 1_000_000 },
  methods: ['supervised', 'mae'],
  models: ['tiny'],
  budgets: [2e8, 4e8],
};

async function downloaded(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const download = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  const d = await download;
  return { name: d.suggestedFilename(), text: readFileSync(await d.path(), 'utf8') };
}

test('a sweep from window.floplab: every point, the frontier, hours and CO2 axes, export, and a bad results file refused', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open({ method: 'supervised', model: 'tiny', backend: 'wasm' });
  const card = page.getByTestId('experiments-card');
  const chart = card.getByTestId('sweep-chart');
  await expect(chart).toHaveAttribute('data-points', '0');

  const progress = await page.evaluate((spec) => window.floplab.sweep(spec, { name: 'e2e sweep' }), SPEC);
  expect(progress.results.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done']);

  await expect(card.getByTestId('experiments-progress')).toHaveAttribute('data-status', 'done');
  await expect(card.getByTestId('experiments-progress')).toContainText('4 / 4 runs');
  // Two curves (supervised, MAE) of two budgets: four markers, one per point.
  await expect(chart).toHaveAttribute('data-points', '4');
  await expect(chart).toHaveAttribute('data-series', '2');
  await expect(chart.locator('.sweep-marker')).toHaveCount(4);
  const frontier = card.getByTestId('sweep-frontier');
  expect(Number(await frontier.getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
  await expect(frontier).toContainText(/Pareto frontier .*(supervised|mae) at \d+ MFLOP \(\d+\.\d%\)/);

  await card.getByTestId('sweep-x-hours').click();
  await expect(chart).toHaveAttribute('data-x', 'hours');
  await card.getByTestId('sweep-device').selectOption('h100');
  await expect(chart).toContainText('time on NVIDIA H100 SXM5 at 40 %');
  await card.getByTestId('sweep-x-co2').click();
  await expect(chart).toHaveAttribute('data-x', 'co2');
  await card.getByTestId('sweep-region').selectOption('europe-north1');
  await expect(chart).toContainText('europe-north1 (Finland), PUE 1.1');
  await expect(chart.locator('.sweep-marker')).toHaveCount(4);

  // A point pinned by a click carries a link that reopens its run's config.
  await chart.locator('.sweep-marker').first().click();
  await expect(card.getByTestId('sweep-point-link').first()).toHaveAttribute('href', /^#config=%7B/);

  const json = await downloaded(page, 'sweep-export-json');
  expect(json.name).toBe('e2e-sweep.json');
  const file = JSON.parse(json.text);
  expect(file).toMatchObject({ format: 'floplab-sweep', version: 1, name: 'e2e sweep' });
  expect(file.points).toHaveLength(4);
  const csv = await downloaded(page, 'sweep-export-csv');
  expect(csv.name).toBe('e2e-sweep.csv');
  expect(csv.text.trim().split('\n')).toHaveLength(5);

  // A hand-made file with a broken point is refused, naming the field; the chart keeps the sweep.
  const bad = { ...file, points: [{ ...file.points[0], status: 'finished' }] };
  await card.getByTestId('sweep-open-file').setInputFiles({ name: 'bad-results.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  await expect(card.getByTestId('experiments-message')).toContainText(
    /bad-results\.json: not a valid sweep results file: points\.0\.status: .*Nothing was changed/,
  );
  await expect(chart).toHaveAttribute('data-points', '4');
  // The exported file opens again, to view without running.
  await card.getByTestId('sweep-open-file').setInputFiles({ name: 'results.json', mimeType: 'application/json', buffer: Buffer.from(json.text) });
  await expect(card.getByTestId('experiments-message')).toContainText('Showing results.json: “e2e sweep”, 4 runs');
  await expect(chart).toHaveAttribute('data-points', '4');
});

test("the card's Run starts the smoke preset and Stop ends it", async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open({ method: 'supervised', model: 'tiny', backend: 'wasm' });
  const card = page.getByTestId('experiments-card');
  await card.getByTestId('experiment-preset').selectOption('smoke');
  await expect(card.getByTestId('experiment-about')).toContainText('4 runs');
  await card.getByTestId('experiment-run').click();
  await expect(card.getByTestId('experiments-progress')).toHaveAttribute('data-status', 'running');
  await expect(card.getByTestId('experiments-progress')).toContainText('“Smoke”');
  // One ETA: once the first record is in, the Experiments card and the Runs card say the same time left (±1 s of ticking).
  await expect(card.getByTestId('sweep-eta')).toContainText('left', { timeout: 120_000 });
  const seconds = (text: string) => {
    const m = /about (?:(\d+)m )?([\d.]+) ?(ms|s) left/.exec(text);
    if (!m) throw new Error(`no ETA in "${text}"`);
    return Number(m[1] ?? 0) * 60 + Number(m[2]) / (m[3] === 'ms' ? 1000 : 1);
  };
  // Both read in one task of the page, so a record arriving between two reads cannot move one of them.
  const [inCard, inRuns] = await page.evaluate(() =>
    ['[data-testid="experiments-card"] [data-testid="sweep-eta"]', '[data-testid="sweep-progress"]'].map((q) => document.querySelector(q)?.textContent ?? ''),
  );
  expect(Math.abs(seconds(inCard!) - seconds(inRuns!))).toBeLessThanOrEqual(1.5);
  await card.getByTestId('experiment-stop').click();
  await expect(card.getByTestId('experiments-progress')).toHaveAttribute('data-status', 'stopped');
  expect(await page.evaluate(() => window.floplab.sweepProgress().results.length)).toBeLessThan(4);
});
