import { expect, test } from './test';
import { LabPage, TINY } from './lab.page';

/** Two steps of the tiny model, probed at the end: enough to load tfjs, the worker and the .wasm files. */
const TWO_STEPS = { ...TINY, backend: 'wasm', steps: 2, logEvery: 1, evalEvery: 2 };

test('after one visit the lab loads, stays cross-origin isolated and trains with the network off', async ({ page, context, baseURL }) => {
  const lab = new LabPage(page);
  await lab.open();
  // The service worker precaches every built file while installing; `ready` resolves once it is active.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none')).toBe('activated');

  await context.setOffline(true);
  const responses: { url: string; fromServiceWorker: boolean }[] = [];
  page.on('response', (r) => responses.push({ url: r.url(), fromServiceWorker: r.fromServiceWorker() }));
  await page.reload();
  await expect(lab.backendName()).not.toBeEmpty();
  expect(await page.evaluate(() => typeof window.floplab.run)).toBe('function');
  // Cached responses keep their COOP/COEP headers, so the offline page is still isolated.
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);

  const result = await page.evaluate(
    (config) => window.floplab.run(config).then((r) => ({ steps: r.records.at(-1)?.step, backend: r.backend.name, probe: r.records.at(-1)?.probeAccuracy })),
    TWO_STEPS,
  );
  expect(result.steps).toBe(2);
  expect(result.backend).toBe('wasm');
  expect(result.probe).toBeGreaterThanOrEqual(0);

  // Everything the page loaded came from the service worker (the network was off), all of it from this origin.
  // blob: URLs are objects made in the page (the threaded wasm build's pthread workers), not requests.
  const fetched = responses.filter((r) => !r.url.startsWith('blob:'));
  expect(fetched.length).toBeGreaterThan(3);
  expect(fetched.filter((r) => !r.fromServiceWorker)).toEqual([]);
  expect(fetched.filter((r) => !r.url.startsWith(baseURL!))).toEqual([]);
  await context.setOffline(false);
});
