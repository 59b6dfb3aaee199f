import { withLabPage } from './labPage';
await withLabPage(4184, async (page) => {
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log('console:', m.text().slice(0, 300)); });
  page.on('pageerror', (e) => console.log('pageerror:', e.message.slice(0, 300)));
  const t = Date.now();
  const r = await Promise.race([
    page.evaluate(() => window.floplab.compareMethods({ model: 'tiny', batchSize: 8, backend: 'wasm' }).then((rows: { key: string; kernelMs: number }[]) => rows.map((x) => `${x.key}:${x.kernelMs.toFixed(1)}`).join(' '), (e: Error) => 'ERR ' + e.message)),
    new Promise((r) => setTimeout(() => r('TIMEOUT'), 150_000)),
  ]);
  console.log(Date.now() - t, 'ms', r);
  console.log(await page.evaluate(() => JSON.stringify(window.floplab.state().backend)));
});
