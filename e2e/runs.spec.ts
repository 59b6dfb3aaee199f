import { expect, test } from './test';
import { LabPage, TINY } from './lab.page';

/** A run long enough to reload in the middle of: checkpoints every 4 steps, no probe until the end. */
const LONG = { ...TINY, steps: 40, logEvery: 2, evalEvery: 40, checkpointEvery: 4 };

const recordsSoFar = (page: import('@playwright/test').Page) => page.evaluate(() => window.floplab.state().records.length);

test('a reload mid-run keeps the records; the run comes back interrupted and resumes to the end', async ({ page }) => {
  const lab = new LabPage(page);
  // Longer on wasm: 40 tiny steps end there before a reload can land in the middle (400 ended first
  // once a step no longer idled 4 ms in a clamped setTimeout: src/lib/nextTask.ts).
  const steps = 1500;
  await lab.open({ ...LONG, steps, evalEvery: steps, backend: 'wasm' });
  await lab.run();
  // Held once it has logged a few records, so that the reload lands mid-run however fast the steps
  // are: 1500 steps once ended before the store below had caught up (CI, 2026-12-07). A held run is
  // mid-run too: a run left running or paused comes back interrupted (src/store/runsDb.ts).
  await expect.poll(() => recordsSoFar(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(8);
  await page.getByTestId('pause-button').click();
  await lab.waitForStatus('paused');
  // Records are written every half second or so: reload once six of them and a checkpoint are stored.
  const stored = () =>
    page.evaluate(async () => (await window.floplab.runs()).map((r) => ({ records: r.records.length, checkpoint: r.checkpointStep ?? 0 }))[0]);
  await expect.poll(stored, { timeout: 120_000 }).toMatchObject({ records: expect.any(Number) });
  await expect
    .poll(
      async () => {
        const s = await stored();
        return s.records >= 6 && s.checkpoint >= 4;
      },
      { timeout: 120_000 },
    )
    .toBe(true);
  expect(await recordsSoFar(page)).toBeGreaterThanOrEqual(6);
  await page.reload();
  await expect(lab.backendName()).not.toBeEmpty();
  const [run] = await page.evaluate(() => window.floplab.runs());
  expect(run.status).toBe('interrupted');
  // The checkpoint at step 4 at least is stored (a later one may have been mid-write when the page went).
  expect(run.checkpointStep).toBeGreaterThanOrEqual(4);
  const kept = run.records.length;
  expect(kept).toBeGreaterThanOrEqual(6);
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-status', 'interrupted');
  await row.getByTestId('resume-run').click();
  await lab.waitForStatus('done');
  const records = await page.evaluate(() => window.floplab.state().records);
  expect(records.at(-1)!.step).toBe(steps);
  // Steps strictly increase across the reload: the records before it are kept, none is logged twice.
  expect(records.every((r, i) => i === 0 || r.step > records[i - 1].step)).toBe(true);
  const [after] = await page.evaluate(() => window.floplab.runs());
  expect(after.status).toBe('done');
});

test('a lost WebGPU device ends the run with a message; it resumes from its checkpoint on wasm', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const lab = new LabPage(page);
  await lab.open(LONG);
  await expect(lab.backendName()).toHaveText('webgpu');
  await lab.run();
  await expect.poll(() => page.evaluate(async () => (await window.floplab.runs())[0]?.checkpointStep ?? 0), { timeout: 180_000 }).toBeGreaterThanOrEqual(4);
  expect(await page.evaluate(() => window.floplab.debug.loseDevice())).toBe(true);
  await lab.waitForStatus('error');
  await expect(page.getByTestId('notice')).toContainText(/training worker failed .*lost.*restarted; every record so far is kept/i);
  await page.getByTestId('run-row').first().getByTestId('resume-run-wasm').click();
  await lab.waitForStatus('done');
  await expect(lab.backendName()).toHaveText('wasm');
  const records = await page.evaluate(() => window.floplab.state().records);
  expect(records.at(-1)!.step).toBe(40);
  expect(errors).toEqual([]);
});

test('export a run, delete it, import the file: the same records come back; a broken file is refused by name', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open({ ...TINY, backend: 'wasm' });
  await lab.run();
  await lab.waitForStatus('done');
  // The charts save as SVG (and PNG) files.
  const svg = page.waitForEvent('download');
  await page.getByTestId('accuracy-chart-svg').click();
  const saved = await (await svg).path();
  expect((await import('node:fs')).readFileSync(saved, 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const png = page.waitForEvent('download');
  await page.getByTestId('loss-chart-png').click();
  expect((await png).suggestedFilename()).toBe('loss.png');
  const json = await page.evaluate(async () => {
    const [run] = await window.floplab.runs();
    const text = await window.floplab.exportRun(run.id);
    await window.floplab.deleteRun(run.id);
    return text;
  });
  await expect(page.getByTestId('runs-table')).toHaveAttribute('data-rows', '0');
  const broken = await page.evaluate(
    (text) =>
      window.floplab.importRun(text.slice(0, 200)).then(
        () => 'accepted',
        (e: Error) => e.message,
      ),
    json,
  );
  expect(broken).toMatch(/JSON/);
  await expect(page.getByTestId('runs-table')).toHaveAttribute('data-rows', '0');
  const back = await page.evaluate(async (text) => (await window.floplab.importRun(text)).records.length, json);
  expect(back).toBe(JSON.parse(json).run.records.length);
  await expect(page.getByTestId('runs-table')).toHaveAttribute('data-rows', '1');
});

test('a config that cannot fit is refused before it runs, naming the field; the lab keeps working', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open({ ...TINY, backend: 'wasm' });
  const huge = { model: { imageSize: 512, patchSize: 4, dim: 2048, depth: 48, heads: 32, mlpDim: 8192 }, batchSize: 4096, backend: 'wasm' };
  const refused = await page.evaluate(
    (cfg) =>
      window.floplab.profileStep(cfg).then(
        () => 'ran',
        (e: Error) => e.message,
      ),
    huge,
  );
  expect(refused).toMatch(/^model: this run needs about .* more than the wasm heap/);
  const tiny = await page.evaluate((cfg) => window.floplab.profileStep(cfg), { ...TINY, backend: 'wasm' });
  expect(tiny.totalFlops).toBeGreaterThan(0);
  await expect(page.getByTestId('memory-estimate')).toBeVisible();
});

test('a two-run sweep with tiny budgets stores both runs; comparing them draws both curves and lists the Pareto frontier', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open({ ...TINY, backend: 'wasm' });
  const { steps: _steps, ...base } = { ...TINY, backend: 'wasm', evalEvery: 2 };
  const progress = await page.evaluate(
    (b) => window.floplab.sweep({ base: b, methods: ['supervised', 'clip'], budgets: [2e8], models: ['tiny'] }, { name: 'e2e' }),
    base,
  );
  expect(progress.results.map((r) => r.status)).toEqual(['done', 'done']);
  expect(progress.results.every((r) => r.accuracy !== undefined && r.flops > 0)).toBe(true);
  await expect(page.getByTestId('sweep-progress')).toContainText('2 / 2 runs');
  await expect(page.getByTestId('runs-table')).toHaveAttribute('data-rows', '2');
  for (const box of await page.locator('[data-testid="run-row"] input[type="checkbox"]').all()) await box.check();
  await expect(page.getByTestId('runs-compare')).toHaveAttribute('data-runs', '2');
  const frontier = Number(await page.getByTestId('pareto-frontier').getAttribute('data-runs'));
  expect(frontier).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('pareto-frontier')).toContainText('e2e ·');
});

test('runs from the keyboard: focus follows the controls, a stop before step 1 is no error, names are unique, and the Runs table fits 1,280 px', async ({
  page,
}) => {
  const lab = new LabPage(page);
  // A probe of 600 images in the training thread makes the random-init baseline (before step 1) last long enough to stop in
  // (on a second worker, probe.offThread's default in the page, training would start at once).
  const slowStart = {
    ...TINY,
    backend: 'wasm',
    steps: 200,
    evalEvery: 100,
    probe: { trainSize: 512, testSize: 88, k: 5, dense: false, offThread: 'off' },
  };
  await lab.open(slowStart);
  await page.getByTestId('run-button').focus();
  await page.keyboard.press('Enter');
  // Run disabled itself: the focus moved on to the control that now acts (Pause), not to the page body.
  await expect(page.getByTestId('pause-button')).toBeFocused();
  await expect(page.getByTestId('next-checkpoint')).toContainText('Next checkpoint (what Resume continues from) at step 50');
  await page.keyboard.press('Tab'); // past Resume (disabled) to Stop
  await expect(page.getByTestId('stop-button')).toBeFocused();
  await page.keyboard.press('Enter'); // Stop, before the first step
  await lab.waitForStatus('stopped');
  await expect(page.getByTestId('run-error')).toHaveCount(0);
  await expect(page.getByTestId('stop-note')).toContainText('Stopped before its first step');
  await expect(page.getByTestId('run-button')).toBeFocused();

  // Two runs of one config get two names, each saying method, dataset, model, budget and seed.
  const quick = { ...TINY, backend: 'wasm', steps: 2, evalEvery: 2 };
  await page.evaluate((c) => window.floplab.run(c), quick);
  await page.evaluate((c) => window.floplab.run(c), quick);
  const names = (await page.evaluate(() => window.floplab.runs())).map((r) => r.name);
  expect(names.slice(0, 2)).toEqual([
    'Supervised classification · imagenet-1k · tiny · 2 steps · seed 3 (2)',
    'Supervised classification · imagenet-1k · tiny · 2 steps · seed 3',
  ]);
  const stopped = (await page.evaluate(() => window.floplab.runs())).find((r) => r.status === 'stopped');
  expect(stopped?.reason).toBe('stopped before its first step: nothing was trained or recorded');

  // An opened run shows its preset model by name, not as "custom".
  await page.getByTestId('open-run').first().click();
  await expect(page.getByTestId('model-select')).toHaveValue('tiny');

  // Every action is on screen without scrolling sideways, at 1,280 px.
  await page.setViewportSize({ width: 1280, height: 900 });
  const box = page.getByTestId('runs-table').locator('xpath=..');
  const { scrollWidth, clientWidth } = await box.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
});

test('probes on a second worker score what the training thread scores, and the run view says where they ran', async ({ page }) => {
  const lab = new LabPage(page);
  const config = { ...TINY, backend: 'wasm', steps: 6, logEvery: 1, evalEvery: 3, probe: { ...TINY.probe, dense: true } };
  await lab.open(config);
  const runWith = (offThread: 'on' | 'off') =>
    page.evaluate(
      async ({ config, offThread }) => {
        const { records, baseline } = await window.floplab.run({ ...config, probe: { ...config.probe, offThread } });
        // The wall-clock fields differ from run to run; everything measured must not.
        return {
          records: records.map(({ wallMs: _w, stepMs: _s, evalMs: _e, probeWorkerMs, ...r }) => ({ ...r, onWorker: probeWorkerMs !== undefined })),
          baseline: { ...baseline, ms: 0 },
        };
      },
      { config, offThread },
    );
  const inThread = await runWith('off');
  const onWorker = await runWith('on');
  expect(onWorker.records.every((r) => r.onWorker)).toBe(true);
  expect(inThread.records.some((r) => r.onWorker)).toBe(false);
  const scores = (run: typeof inThread) => ({ baseline: run.baseline, records: run.records.map(({ onWorker: _o, ...r }) => r) });
  expect(scores(onWorker)).toEqual(scores(inThread));
  expect(onWorker.records.filter((r) => r.probeAccuracy !== undefined).map((r) => r.step)).toEqual([3, 6]);
  const note = page.locator('.figure', { has: page.getByTestId('probe-share') }).locator('.figure-note');
  await expect(note).toContainText('on 2nd worker');
  await expect(note).toHaveAttribute('title', /on the training thread; the probes took .* on a second worker beside training/);
});

test('batches made on a second worker train what the training thread trains, and the bench says it used them', async ({ page }) => {
  const lab = new LabPage(page);
  const config = { ...TINY, method: 'simclr', backend: 'wasm', steps: 40, logEvery: 4, evalEvery: 20 };
  await lab.open(config);
  const runWith = (batchWorker: 'on' | 'off') =>
    page.evaluate(
      async ({ config, batchWorker }) => {
        const { records, batchesMadeAhead } = await window.floplab.run({ ...config, engine: { batchWorker } });
        return { records: records.map(({ wallMs: _w, stepMs: _s, evalMs: _e, probeWorkerMs: _p, ...r }) => r), batchesMadeAhead };
      },
      { config, batchWorker },
    );
  const inThread = await runWith('off');
  const onWorker = await runWith('on');
  expect(inThread.batchesMadeAhead).toBeUndefined();
  // The first batches are made in the training thread while the worker starts; then the worker's.
  expect(onWorker.batchesMadeAhead).toBeGreaterThanOrEqual(20);
  expect(onWorker.records).toEqual(inThread.records);
  const bench = await page.evaluate((c) => window.floplab.benchmark({ ...c, engine: { batchWorker: 'on' } }, { steps: 3, warmup: 2 }), config);
  expect(bench.fedSteps).toBe(3);
});
