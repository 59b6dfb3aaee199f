import { expect, test } from './test';
import { METHOD_IDS } from '../src/methods/catalog';
import { LabPage, TINY } from './lab.page';

test.describe('every method trains in the tab on WebGPU', () => {
  for (const method of METHOD_IDS) {
    test(`${method}: two steps from the UI, FLOPs per step shown = profileStep; the fused kernels run, fewer calls, the same FLOPs within 1 %`, async ({ page }) => {
      const config = { ...TINY, method, steps: 2, logEvery: 1, evalEvery: 2, methodOptions: method === 'dino' ? { localCrops: 2 } : {} };
      const lab = new LabPage(page);
      await lab.open(config);
      await expect(lab.backendName()).toHaveText('webgpu');
      await expect(page.getByTestId('method-select')).toHaveValue(method);
      await lab.run();
      await lab.waitForStatus('done');
      const shown = await lab.flopsPerStep();
      // The run used the fused kernels (the default); a profile of the composed ops is the reference.
      const on = await page.evaluate((cfg) => window.floplab.profileStep({ ...cfg, engine: { fused: true } }), config);
      const off = await page.evaluate((cfg) => window.floplab.profileStep({ ...cfg, engine: { fused: false } }), config);
      expect(shown).toBe(on.totalFlops);
      expect(on.byComponent.encoder).toBeGreaterThan(0);
      const calls = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
      expect(Object.keys(on.calls).some((k) => k.startsWith('FlopLab'))).toBe(true);
      expect(Object.keys(off.calls).some((k) => k.startsWith('FlopLab'))).toBe(false);
      expect(calls(on.calls)).toBeLessThan(calls(off.calls) / 2);
      expect(Math.abs(on.totalFlops / off.totalFlops - 1)).toBeLessThan(0.01);
      const records = await page.evaluate(() => window.floplab.state().records);
      expect(records.map((r) => r.step)).toEqual([1, 2]);
      expect(records.every((r) => Number.isFinite(r.loss))).toBe(true);
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
