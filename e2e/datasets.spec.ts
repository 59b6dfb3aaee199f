import { expect, test } from './test';
import { LabPage, TINY } from './lab.page';

const PRESETS = ['imagenet-1k', 'imagenet-21k', 'coco', 'jft', 'align'] as const;

test('explorer: every preset shows its samples, annotations and class histogram', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const lab = new LabPage(page);
  await lab.open({ ...TINY, dataset: { preset: 'imagenet-1k' } });
  const infos = await page.evaluate(() => window.floplab.datasets());
  expect(infos.map((d) => d.id)).toEqual(expect.arrayContaining([...PRESETS]));
  for (const id of PRESETS) {
    const info = infos.find((d) => d.id === id)!;
    await page.getByTestId(`explorer-preset-${id}`).click();
    const grid = page.getByTestId('explorer-samples');
    await expect(grid).toHaveAttribute('data-preset', id);
    await expect(grid).toHaveAttribute('data-count', '12');
    await expect(page.getByTestId('dataset-select')).toHaveValue(id);
    // One histogram bar per class of the label space (none for unlabelled data).
    await expect(page.getByTestId('explorer-histogram')).toHaveAttribute('data-bars', String(info.numClasses));
    const tiles = page.getByTestId('explorer-sample');
    await expect(tiles).toHaveCount(12);
    const captions = await page.locator('.sample-caption').count();
    if (info.captions === 'none') expect(captions).toBe(0);
    else expect(captions).toBeGreaterThan(0);
  }
  // Masks overlay on request; the same samples stay.
  await page.getByTestId('explorer-masks').check();
  await expect(page.getByTestId('explorer-samples')).toHaveAttribute('data-count', '12');
  expect(errors).toEqual([]);
});

test('tiny pre-train + segmentation fine-tune: the mIoU point and the scratch baseline reach the chart', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const config = {
    ...TINY,
    steps: 4,
    evalEvery: 4,
    transfer: { kind: 'segmentation', steps: 4, batchSize: 4, trainSize: 8, valSize: 8, seeds: 1, scratch: true, warmupSteps: 1 },
  };
  const lab = new LabPage(page);
  await lab.open(config);
  await expect(page.getByTestId('transfer-toggle')).toBeChecked();
  await lab.run();
  await lab.waitForStatus('done');
  const chart = page.getByTestId('accuracy-chart');
  await expect(chart).toHaveAttribute('data-miou-points', '1');
  await expect(chart).toHaveAttribute('data-scratch', /^(0|0?\.\d+|1)/);
  await expect(page.getByTestId('transfer-table')).toHaveAttribute('data-rows', '2');
  const { records, transfer } = await page.evaluate(() => window.floplab.state());
  const pre = transfer.find((t) => t.init === 'pretrained')!;
  // The point sits at the run's cumulative pre-training FLOPs; fine-tuning FLOPs are kept apart.
  expect(pre.pretrainFlops).toBe(records[records.length - 1].flops);
  expect(pre.finetuneFlops).toBeGreaterThan(0);
  expect(pre.miou).toBeGreaterThanOrEqual(0);
  expect(pre.miou).toBeLessThanOrEqual(1);
  expect(errors).toEqual([]);
});
