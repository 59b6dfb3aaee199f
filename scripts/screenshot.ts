/**
 * Regenerates docs/screenshot.png: a supervised run of the default experiment
 * (ImageNet-1K-like, batch 32) in headless Chromium with a segmentation
 * fine-tune at the end, then the per-method FLOP comparison, captured when both
 * finish. Build first (`npx vite build`).
 *   npx tsx scripts/screenshot.ts [backend] [steps] [model] [no-compare]
 *   npx tsx scripts/screenshot.ts wasm 400 toy-B no-compare
 */
import './help';
import { withLabPage } from './labPage';
import { cliFlags } from '../tooling/args';

const { positionals } = cliFlags({}, true);
const backend = positionals[0] ?? 'wasm';
const steps = Number(positionals[1] ?? '150');
const model = positionals[2] ?? 'tiny';
const compare = positionals[3] !== 'no-compare';
const config = {
  method: 'supervised',
  model,
  steps,
  backend,
  logEvery: 5,
  evalEvery: Math.max(1, Math.round(steps / 8)),
  // A short segmentation fine-tune at the end, so the mIoU point, the scratch line and the transfer card show.
  transfer: { kind: 'segmentation', steps: 100 },
};
// Opens the page fresh with the experiment in the hash (the store reads it at start).
await withLabPage(4181, async (page, url) => {
  const fresh = await page.context().browser()!.newPage();
  await fresh.setViewportSize({ width: 1600, height: 1000 });
  await fresh.goto(`${url}#config=${encodeURIComponent(JSON.stringify(config))}`);
  await fresh.getByTestId('run-button').click();
  await fresh
    .getByTestId('status')
    .filter({ hasText: /^(done|error)$/ })
    .waitFor({ timeout: 900_000 });
  if (compare) {
    await fresh.getByTestId('compare-button').click();
    await fresh.locator('[data-testid="comparison-chart"][data-rows="13"]').waitFor({ timeout: 900_000 });
  }
  await fresh.screenshot({ path: 'docs/screenshot.png', fullPage: true });
  console.log('status:', await fresh.getByTestId('status').textContent(), 'backend:', await fresh.getByTestId('backend-name').textContent());
});
