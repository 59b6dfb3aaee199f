import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './test';
import { zipSync } from 'fflate';
import { solidPng, writeImageFolder } from '../tooling/png';
import { LabPage, TINY } from './lab.page';

let dir = '';
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'floplab-import-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('import a folder: valid images in, corrupt ones reported, then pre-train on them', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // photos/{circles,squares}/0..3.png, plus a truncated PNG, a text file named .jpg and notes.txt.
  const root = join(dir, 'photos');
  const expected = writeImageFolder(root, ['circles', 'squares'], 4);
  const lab = new LabPage(page);
  // On wasm: the point is the imported data, and a software WebGPU adapter spends most of a short run compiling shaders.
  await lab.open({ ...TINY, backend: 'wasm', dataset: { preset: 'imagenet-1k' } });

  await page.getByTestId('import-folder-input').setInputFiles(root);
  const report = page.getByTestId('import-report');
  await expect(report).toBeVisible();
  await expect(page.getByTestId('import-count')).toHaveText(String(expected.valid));
  await expect(page.getByTestId('import-corrupt-count')).toHaveText('2');
  await expect(report).toHaveAttribute('data-skipped', '1');
  await expect(page.getByTestId('import-classes')).toHaveAttribute('data-classes', '2');
  await expect(page.getByTestId('import-classes')).toContainText('circles');
  // The reasons are there to read.
  await page.getByTestId('import-corrupt-list').locator('summary').click();
  await expect(page.getByTestId('import-corrupt-list')).toContainText('truncated PNG');
  await expect(page.getByTestId('import-corrupt-list')).toContainText('not a PNG, JPEG, GIF, WebP or BMP file');

  // The import is a dataset now: the explorer shows its pre-training split (4 of 8; 2 per class are held out for the probe).
  await page.getByTestId('explorer-preset-imported').click();
  const grid = page.getByTestId('explorer-samples');
  await expect(grid).toHaveAttribute('data-preset', 'imported');
  await expect(grid).toHaveAttribute('data-count', '4');
  await expect(page.getByTestId('dataset-select')).toHaveValue('imported');

  // A tiny supervised run on the imported images finishes.
  await lab.run();
  await lab.waitForStatus('done');
  const { records, profile } = await page.evaluate(() => window.floplab.state());
  expect(records.length).toBeGreaterThan(0);
  expect(profile!.config.dataset.preset).toBe('imported');
  expect(errors).toEqual([]);
});

test('import a flat zip through the API and the zip button: unlabelled, bad zips named', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open(TINY);
  const zip = zipSync({
    'a.png': solidPng(20, 10, [200, 30, 30]),
    'b.png': solidPng(10, 20, [30, 200, 30]),
    'c.png': solidPng(8, 8, [30, 30, 200]),
    '__MACOSX/._a.png': new TextEncoder().encode('resource fork'),
  });
  const zipPath = join(dir, 'flat.zip');
  writeFileSync(zipPath, zip);
  await page.getByTestId('import-zip-input').setInputFiles(zipPath);
  await expect(page.getByTestId('import-count')).toHaveText('3');
  await expect(page.getByTestId('import-corrupt-count')).toHaveText('0');
  await expect(page.getByTestId('import-classes')).toHaveCount(0);

  // Scripts reach the same import; a file that is not a zip is refused with its name.
  const bytes = Array.from(zip);
  const report = await page.evaluate((b) => window.floplab.importImages([new File([new Uint8Array(b)], 'again.zip')]), bytes);
  expect(report).toMatchObject({ imported: 3, labels: 'none', classes: [], corrupt: [] });
  const failure = await page.evaluate(() =>
    window.floplab.importImages([new File(['plain text'], 'broken.zip')]).then(
      () => 'resolved',
      (e: Error) => e.message,
    ),
  );
  expect(failure).toMatch(/^could not unzip broken\.zip/);
});

test('imported images survive a reload, keyboard reaches the import, and deleting them makes the config invalid, saying why', async ({ page }) => {
  const root = join(dir, 'kept');
  const expected = writeImageFolder(root, ['circles', 'squares'], 4);
  const lab = new LabPage(page);
  await lab.open({ ...TINY, backend: 'wasm' });

  // The import controls are buttons a keyboard reaches (Tab order), not labels with tabIndex -1.
  await page.getByTestId('import-folder-button').focus();
  await expect(page.getByTestId('import-folder-button')).toBeFocused();
  await page.getByTestId('import-folder-input').setInputFiles(root);
  await expect(page.getByTestId('import-kept')).toHaveAttribute('data-kept', 'yes');
  await page.getByTestId('dataset-select').selectOption('imported');

  // A reload restores the set into the new worker: the report, the dataset and a valid config.
  await page.reload();
  await page.evaluate(() => window.floplab.ready);
  await expect(page.getByTestId('import-count')).toHaveText(String(expected.valid));
  await expect(page.getByTestId('dataset-select')).toHaveValue('imported');
  await expect(page.getByTestId('config-error')).toHaveCount(0);
  await expect(page.getByTestId('run-button')).toBeEnabled();
  const preview = await page.evaluate(() => window.floplab.exploreDataset(undefined, { count: 4 }));
  expect(preview.samples.length).toBeGreaterThan(0);

  // Deleting them: the config on 'imported' is invalid, the form says why beside the field, and Run is off.
  await page.getByTestId('import-forget').click();
  await expect(page.getByTestId('import-report')).toHaveCount(0);
  await expect(page.getByTestId('dataset-problem')).toContainText('no images are imported');
  await expect(page.getByTestId('dataset-select')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('config-error')).toContainText('no images are imported');
  await expect(page.getByTestId('run-button')).toBeDisabled();
  // ... and they stay deleted after a reload.
  await page.reload();
  await page.evaluate(() => window.floplab.ready);
  await expect(page.getByTestId('dataset-problem')).toContainText('no images are imported');
  await expect(page.getByTestId('import-report')).toHaveCount(0);
});
