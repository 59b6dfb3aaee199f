import { expect, test } from './test';
import { LabPage, TINY } from './lab.page';

test.describe('FLOP Lab foundation', () => {
  test('window.floplab exists when the load event fires, and floplab.ready resolves once the backend is up', async ({ page }) => {
    // Recorded by the page itself at its load event, as a script that evaluates then would see it.
    await page.addInitScript(() => addEventListener('load', () => ((window as unknown as { atLoad: string }).atLoad = typeof window.floplab)));
    await page.goto('/');
    await page.waitForFunction(() => (window as unknown as { atLoad?: string }).atLoad !== undefined);
    expect(await page.evaluate(() => (window as unknown as { atLoad: string }).atLoad)).toBe('object');
    const backend = await page.evaluate(async () => {
      await window.floplab.ready;
      return window.floplab.state().backend as { name?: string } | null;
    });
    expect(backend?.name).toMatch(/^(webgpu|wasm|cpu)$/);
  });

  test('loads with the WebGPU backend active and says which adapter runs', async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const lab = new LabPage(page);
    // Chosen explicitly: on a software adapter `auto` now runs wasm (src/engine/backend.ts chooseOrder).
    await lab.open({ backend: 'webgpu' });
    await expect(lab.backendName()).toHaveText('webgpu');
    const backend = await page.evaluate(() => window.floplab.state().backend as { adapter?: { features: string[] }; isSoftware: boolean });
    expect(backend.adapter).toBeDefined();
    // headless Chromium without a GPU exposes SwiftShader: the lab must flag it as software
    expect(backend.isSoftware).toBe(true);
    await expect(page.getByText(/software WebGPU adapter/i).first()).toBeVisible();
    expect(errors).toEqual([]);
  });

  test('a tiny supervised run started from the UI completes, plots accuracy vs FLOPs, and shows the profiled FLOPs; the wasm fallback counts the same FLOPs', async ({
    page,
  }) => {
    const lab = new LabPage(page);
    await lab.open(TINY);
    await expect(lab.backendName()).toHaveText('webgpu');
    await lab.run();
    await lab.waitForStatus('done');
    expect(await lab.accuracyPoints()).toBe(2); // evaluated at steps 3 and 6
    const shown = await lab.flopsPerStep();
    const profiled = await page.evaluate((cfg) => window.floplab.profileStep(cfg).then((p) => p.totalFlops), TINY);
    expect(shown).toBe(profiled);
    const records = await page.evaluate(() => window.floplab.state().records);
    expect(records.map((r) => r.step)).toEqual([2, 3, 4, 6]);
    expect(records[3].flops).toBe(6 * profiled);
    // each probe point carries its 95% interval; the same probe of the random init is the reference line
    const probed = records.filter((r) => r.probeAccuracy !== undefined);
    expect(probed.map((r) => r.probeTotal)).toEqual([16, 16]);
    for (const r of probed) expect(r.probeInterval![0]).toBeLessThanOrEqual(r.probeAccuracy!);
    const baseline = await page.evaluate(() => window.floplab.state().baseline);
    expect(baseline).toMatchObject({ step: 0, total: 16 });
    await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-baseline', String(baseline!.accuracy));
    await expect(page.getByTestId('accuracy-chart').locator('.recharts-errorBar')).toHaveCount(2);
    expect(records[3].evalMs).toBeLessThanOrEqual(records[3].wallMs);

    // The wasm fallback starts in the same page and counts the same FLOPs (one page: the software
    // adapter compiles its shaders once per page, most of such a test's time; docs/results.md, CI wall time).
    // The composed ops count the same FLOPs on both backends, exactly; the fused kernels (WebGPU's,
    // wasm's optimiser and LayerNorm) state what they compute, within 1 % of that.
    const composed = { ...TINY, engine: { fused: false } };
    const wasm = await page.evaluate((cfg) => window.floplab.benchmark({ ...cfg, backend: 'wasm' }, { steps: 1, warmup: 0 }), composed);
    expect(wasm.backend.name).toBe('wasm');
    const gpu = await page.evaluate((cfg) => window.floplab.profileStep(cfg), composed);
    expect(wasm.flopsPerStep).toBe(gpu.totalFlops);
    const wasmFused = await page.evaluate((cfg) => window.floplab.benchmark({ ...cfg, backend: 'wasm' }, { steps: 1, warmup: 0 }), TINY);
    const gpuFused = await page.evaluate((cfg) => window.floplab.profileStep(cfg), TINY);
    expect(Math.abs(wasmFused.flopsPerStep / gpu.totalFlops - 1)).toBeLessThan(0.01);
    expect(Math.abs(gpuFused.totalFlops / gpu.totalFlops - 1)).toBeLessThan(0.01);
  });

  test('the page stays interactive while training, and pause / resume / stop work', async ({ page }) => {
    const lab = new LabPage(page);
    // On wasm: pausing is the worker's, the same on every backend, and wasm needs no shader compiles.
    // Long enough never to end before the stop (a tiny step takes a few ms); a record every step.
    await lab.open({ ...TINY, backend: 'wasm', steps: 20_000, logEvery: 1, evalEvery: 100_000 });
    await lab.run();
    await expect.poll(() => page.evaluate(() => window.floplab.state().records.length), { timeout: 120_000 }).toBeGreaterThan(1);
    // The main thread renders frames while the worker trains (no time bound: the test's timeout is the limit).
    expect(await page.evaluate(() => new Promise<boolean>((r) => requestAnimationFrame(() => r(true))))).toBe(true);
    await page.getByTestId('pause-button').click();
    await lab.waitForStatus('paused', 30_000);
    // The worker confirms it is held at a step boundary; every record before the hold has arrived (one port, in order).
    await expect.poll(() => page.evaluate(() => window.floplab.state().heldAt), { timeout: 30_000 }).not.toBeNull();
    const { heldAt, records } = await page.evaluate(() => window.floplab.state());
    expect(records.at(-1)!.step).toBe(heldAt); // logEvery 1: the last step before the hold is logged, none after
    await page.getByTestId('resume-button').click();
    await lab.waitForStatus('running', 30_000);
    // Resumed exactly where it was held: the next step logged is the one after.
    await expect.poll(() => page.evaluate(() => window.floplab.state().records.length), { timeout: 60_000 }).toBeGreaterThan(records.length);
    expect((await page.evaluate(() => window.floplab.state().records))[records.length].step).toBe(heldAt! + 1);
    await page.getByTestId('stop-button').click();
    await lab.waitForStatus('stopped', 60_000);
  });

  test('invalid configs are rejected with the field named, in the API and in the UI', async ({ page }) => {
    const lab = new LabPage(page);
    await lab.open();
    const message = await page.evaluate(() =>
      window.floplab.run({ batchSize: 0 }).then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
    );
    expect(message).toMatch(/batchSize/);
    const profileMessage = await page.evaluate(() =>
      window.floplab.profileStep({ model: { imageSize: 30, patchSize: 4, dim: 32, depth: 1, heads: 2, mlpDim: 8 } }).then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
    );
    expect(profileMessage).toMatch(/model\.patchSize/);
    await expect(lab.status()).toHaveText('idle');
    await page.getByTestId('steps-input').fill('-5');
    // In people's words, beside the field it names, tied to it for screen readers; the summary up top too.
    const steps = page.getByTestId('steps-input');
    await expect(steps).toHaveAttribute('aria-invalid', 'true');
    const describedBy = await steps.getAttribute('aria-describedby');
    await expect(page.locator(`[id="${describedBy}"]`)).toHaveText('Steps must be a whole number of at least 1');
    await expect(page.getByTestId('config-error')).toContainText('Steps must be a whole number of at least 1');
    await expect(page.getByTestId('run-button')).toBeDisabled();
    await steps.fill('6');
    await expect(steps).not.toHaveAttribute('aria-invalid', 'true');
    // A method option: MAE's mask ratio, out of range.
    await page.getByTestId('method-select').selectOption('mae');
    const mask = page.getByTestId('option-maskRatio');
    await mask.fill('1.5');
    await expect(mask).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator(`[id="${await mask.getAttribute('aria-describedby')}"]`)).toHaveText('Mask ratio must be a number below 1');
  });

  test('the scene generator gives the same bytes in the browser as the committed Node digests', async ({ page }) => {
    await page.goto('/');
    await page.waitForFunction(() => Boolean(window.floplab));
    const digests = await page.evaluate(() =>
      [0, 1, 2]
        .map((i) => window.floplab.sceneDigest(0, i, { imageSize: 16, numClasses: 10, maxObjects: 1 }))
        .concat([0, 1, 2].map((i) => window.floplab.sceneDigest(0, i, { imageSize: 32, numClasses: 10, maxObjects: 4 }))),
    );
    // the same literals as tests/scenes.test.ts
    expect(digests).toEqual(['7e9fd69f', '21f3fa5e', 'a1707a0e', '5af6a73d', '82149d79', '8a0531bb']);
  });

  test('a malformed URL config is reported and the default experiment loads', async ({ page }) => {
    await page.goto('/#config=%7Bbroken');
    await expect(page.getByText(/not valid JSON/)).toBeVisible();
    await expect(page.getByTestId('run-button')).toBeEnabled();
  });
});
