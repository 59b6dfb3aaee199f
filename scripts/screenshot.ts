/**
 * Regenerates docs/screenshot.png: a short toy-B supervised run in headless
 * Chromium, captured when it finishes. Build first (`npx vite build`).
 *   npx tsx scripts/screenshot.ts [backend] [steps]
 */
import { spawn } from 'node:child_process';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../e2e/chromium';

const backend = process.argv[2] ?? 'wasm';
const steps = Number(process.argv[3] ?? '150');
const port = 4181;
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'ignore' });
try {
  await new Promise((r) => setTimeout(r, 3000));
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const config = { method: 'supervised', model: 'toy-B', batchSize: 32, steps, backend, logEvery: 5, evalEvery: 15 };
  await page.goto(`http://127.0.0.1:${port}/#config=${encodeURIComponent(JSON.stringify(config))}`);
  await page.getByTestId('run-button').click();
  await page.getByTestId('status').filter({ hasText: /^(done|error)$/ }).waitFor({ timeout: 900_000 });
  await page.screenshot({ path: 'docs/screenshot.png', fullPage: true });
  console.log('status:', await page.getByTestId('status').textContent());
  await browser.close();
} finally {
  server.kill();
}
