/**
 * Regenerates docs/screenshot.png: a short toy-B supervised run in headless
 * Chromium, captured when it finishes. Build first (`npx vite build`).
 *   npx tsx scripts/screenshot.ts [backend] [steps]
 */
import { withLabPage } from './labPage';

const backend = process.argv[2] ?? 'wasm';
const steps = Number(process.argv[3] ?? '150');
const config = { method: 'supervised', model: 'toy-B', batchSize: 32, steps, backend, logEvery: 5, evalEvery: 15 };
await withLabPage(
  4181,
  async (page, url) => {
    await page.goto(`${url}#config=${encodeURIComponent(JSON.stringify(config))}`);
    await page.getByTestId('run-button').click();
    await page.getByTestId('status').filter({ hasText: /^(done|error)$/ }).waitFor({ timeout: 900_000 });
    await page.screenshot({ path: 'docs/screenshot.png', fullPage: true });
    console.log('status:', await page.getByTestId('status').textContent());
  },
  { width: 1600, height: 1000 },
);
