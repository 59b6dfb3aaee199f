import { expect, test, type Page } from './test';

const talk = (page: Page) => ({
  view: page.getByTestId('talk-mode'),
  title: page.getByTestId('talk-title'),
  status: page.getByTestId('talk-status'),
  chart: page.getByTestId('sweep-chart'),
  config: page.getByTestId('talk-config'),
});

const fontPx = (page: Page, testId: string) => page.getByTestId(testId).evaluate((el) => parseFloat(getComputedStyle(el).fontSize));

test('talk mode opens and runs: the smoke sweep on wasm, from the keyboard, to four points on the chart', async ({ page, baseURL }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto('/#demo=smoke&backend=wasm');
  const t = talk(page);

  // A presenter view: a large title, the chart, a status line, no lab controls and no configuration.
  await expect(t.title).toHaveText('Smoke');
  expect(await fontPx(page, 'talk-title')).toBeGreaterThanOrEqual(30);
  await expect(t.chart).toBeVisible();
  await expect(t.status).toHaveAttribute('data-status', 'ready');
  await expect(t.status).toContainText('4 runs ready: press Space to start');
  await expect(page.getByTestId('talk-keys')).toContainText('Space');
  await expect(page.getByTestId('run-button')).toHaveCount(0);
  await expect(page.locator('.experiment-panel')).toHaveCount(0);
  await expect(t.config).toHaveCount(0);

  await page.keyboard.press('Space');
  // Space again as soon as the first run trains pauses it; the step stands still; Space resumes.
  await page.waitForFunction(() => window.floplab.state().status === 'running', undefined, { polling: 10 });
  await page.keyboard.press('Space');
  await expect(t.status).toHaveAttribute('data-status', 'paused');
  await expect(t.status).toContainText('Paused');
  // Held at a step boundary, as the worker confirms: no step runs until Space again (no sleeping to check).
  await expect.poll(() => page.evaluate(() => window.floplab.state().heldAt), { timeout: 30_000 }).not.toBeNull();
  await page.keyboard.press('Space');
  await expect(t.status).toHaveAttribute('data-status', /running|done/);
  await expect(t.status).toHaveAttribute('data-status', 'done', { timeout: 150_000 });
  await expect(t.status).toContainText('Done');
  await expect(t.status).toContainText('4 of 4 runs');

  // Two methods x two budgets: four points on the chart, each a finished wasm run with a probe.
  await expect(t.chart).toHaveAttribute('data-points', '4');
  await expect(t.chart).toHaveAttribute('data-series', '2');
  await expect(page.locator('[data-testid=sweep-chart] .sweep-marker')).toHaveCount(4);
  const points = await page.evaluate(() => window.floplab.sweepResults().points);
  expect(points.map((p) => `${p.method}@${p.budget}`)).toEqual(['supervised@200000000', 'supervised@400000000', 'mae@200000000', 'mae@400000000']);
  for (const p of points) {
    expect(p).toMatchObject({ status: 'done', backend: 'wasm' });
    expect(p.accuracy).toBeGreaterThanOrEqual(0);
    // Each run spent its budget: round(budget / FLOPs per step) steps, so within half a step of it.
    expect(p.flops / p.budget).toBeGreaterThan(0.5);
    expect(p.flops / p.budget).toBeLessThan(1.5);
  }

  // X cycles the x axis; C shows the configuration as text.
  await page.keyboard.press('x');
  await expect(t.chart).toHaveAttribute('data-x', 'hours');
  await page.keyboard.press('x');
  await expect(t.chart).toHaveAttribute('data-x', 'co2');
  await page.keyboard.press('c');
  await expect(t.config).toBeVisible();
  await expect(t.config).toContainText('supervised, mae');
  await expect(t.config).toContainText('200 MFLOP, 400 MFLOP');
  await expect(t.config).toContainText('wasm (from the URL)');
  await page.keyboard.press('c');
  await expect(t.config).toHaveCount(0);

  // Esc leaves for the lab, without a reload, and clears the hash.
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('run-button')).toBeVisible();
  await expect(t.view).toHaveCount(0);
  expect(new URL(page.url()).hash).toBe('');
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  // The four runs are ordinary stored runs.
  expect((await page.evaluate(() => window.floplab.runs())).filter((r) => r.name.startsWith('Smoke · '))).toHaveLength(4);
  // blob: URLs of this origin are the threaded wasm build's pthread workers, made in the page: no request.
  expect(requests.filter((url) => !url.startsWith(baseURL!) && !url.startsWith(`blob:${baseURL!.replace(/\/$/, '')}`))).toEqual([]);
});

test('a hash change switches between the lab and talk mode; a bad demo link says what is valid', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('run-button')).toBeVisible();
  await page.evaluate(() => (location.hash = '#demo=figure1'));
  await expect(page.getByTestId('talk-title')).toHaveText('Talk demo: four methods, two budgets');
  await expect(page.getByTestId('talk-status')).toContainText('8 runs ready');
  await page.evaluate(() => (location.hash = '#demo=nope'));
  await expect(page.getByTestId('demo-error')).toContainText(
    "Unknown demo 'nope'. Valid demos: smoke, figure2, table1, a5, talk, figure1 (= talk), figure1-full (= figure1).",
  );
  await page.getByRole('link', { name: 'Open the lab instead' }).click();
  await expect(page.getByTestId('run-button')).toBeVisible();
});
