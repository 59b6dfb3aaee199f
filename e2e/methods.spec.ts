import { expect, test } from './test';
import { METHOD_IDS } from '../src/methods/catalog';
import { LabPage, TINY } from './lab.page';

// One page for all six: a software adapter spends most of a page's first step compiling its shaders,
// and little per method after that, so one page costs a fraction of six (docs/results.md, CI wall time). Each
// method is its own step, so a failure names it. Fused against composed (calls, FLOPs, losses) is
// checked per method in tests/fused-training.test.ts; here: the fused kernels are what ran in the tab.
test('every method trains two steps in the tab on WebGPU, picked in the form; FLOPs per step shown = profileStep; the fused kernels ran', async ({ page }) => {
  test.setTimeout(900_000);
  const base = { ...TINY, steps: 2, logEvery: 1, evalEvery: 2 };
  const lab = new LabPage(page);
  await lab.open(base);
  await expect(lab.backendName()).toHaveText('webgpu');
  for (const method of METHOD_IDS) {
    await test.step(method, async () => {
      await page.getByTestId('method-select').selectOption(method);
      await lab.run();
      await lab.waitForStatus('done');
      const { records, profile } = await page.evaluate(() => window.floplab.state());
      expect(profile!.config.method).toBe(method);
      expect(records.map((r) => r.step)).toEqual([1, 2]);
      expect(records.every((r) => Number.isFinite(r.loss))).toBe(true);
      const shown = await lab.flopsPerStep();
      const on = await page.evaluate((cfg) => window.floplab.profileStep(cfg), { ...base, method });
      expect(shown).toBe(on.totalFlops);
      expect(on.byComponent.encoder).toBeGreaterThan(0);
      expect(Object.keys(on.calls).some((k) => k.startsWith('FlopLab'))).toBe(true);
    });
  }
});

test('a collapsed run says so: a DINO teacher at temperature 1 gives uniform targets; banner, record and the raw-pixel line', async ({ page }) => {
  // Teacher logits are cosines in [-1, 1]: at temperature 1 its targets are within a few % of uniform,
  // so the per-image entropy is past 90 % of ln K (the DINO rule) from the first step on.
  const config = {
    ...TINY,
    method: 'dino',
    backend: 'wasm',
    steps: 4,
    logEvery: 2,
    evalEvery: 4,
    methodOptions: { localCrops: 0, warmupTeacherTemp: 1, teacherTemp: 1 },
  };
  const lab = new LabPage(page);
  await lab.open(config);
  await lab.run();
  await lab.waitForStatus('done');
  await expect(page.getByTestId('collapse-warning')).toContainText(/Representation collapsed at step 4: the teacher's targets are nearly uniform/);
  const state = await page.evaluate(() => window.floplab.state());
  const last = state.records[state.records.length - 1];
  expect(last.monitors!.teacherEntropy).toBeGreaterThan(0.9 * Math.log(256));
  expect(last.collapse).toMatch(/nearly uniform/);
  // The raw-pixel probe sits beside the random-init one, and the chart draws it.
  const raw = state.baseline!.rawPixels!.accuracy;
  expect(raw).toBeGreaterThan(0);
  await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-raw-pixels', String(raw));
});
