/**
 * The dev server (`npm run dev`, what a contributor sees) loads the lab without a console error:
 * React reports its warnings (a `key` spread into JSX, say) only in development builds, which the
 * rest of the suite, on the production preview, never runs. The console guard of ./test fails the
 * test on any error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { expect, test } from './test';

const PORT = 5191;
let server: ChildProcess | undefined;

test.beforeAll(async () => {
  server = spawn('npx', ['vite', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
  // Poll until the server answers (its first start optimises dependencies).
  for (let i = 0; i < 120; i++) {
    const up = await fetch(`http://127.0.0.1:${PORT}/`)
      .then((r) => r.ok)
      .catch(() => false);
    if (up) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the dev server did not answer on port ${PORT} within 60 s`);
});

test.afterAll(() => {
  if (server?.pid) process.kill(-server.pid);
});

test('the dev build loads the lab, with its method options, and logs no console error', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(`http://127.0.0.1:${PORT}/#config=${encodeURIComponent(JSON.stringify({ method: 'dino', backend: 'wasm' }))}`);
  await page.evaluate(() => window.floplab.ready);
  // The method options (NumberOption, ChoiceOption, BooleanOption) are on screen: the warning came from them.
  await expect(page.getByTestId('method-options')).toBeVisible();
  await page.getByText(/More options/).click();
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
});
