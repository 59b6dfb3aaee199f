/**
 * The lab against jax-js on WebGPU, in one headless Chromium page (issue 21's peer): the lab's
 * supervised step through `window.floplab.benchmark` (its worker, the lab's WebGPU kernels) and
 * the same step in jax-js (tooling/jaxPeer.ts, jitted; bundled by Vite's build API and served to
 * the page from its own origin) on the same adapter, alternating `--pairs` times, `--steps` steps
 * each; prints the medians, their ranges and the ratio lab / jax-js. Here the adapter is
 * SwiftShader (software): seconds per step, so keep the steps few. Builds nothing of the app:
 * run `npx vite build` first.
 *
 *   npx tsx scripts/jax-peer-webgpu.ts                        # toy-B-64, 3 pairs of 2 steps
 *   npx tsx scripts/jax-peer-webgpu.ts --configs=default,toy-B-64 --pairs=5 --steps=3
 */
import './help';
import { loadavg } from 'node:os';
import { build } from 'vite';
import { withLabPage } from './labPage';
import { configFor } from '../tooling/benchTable';
import { median } from '../src/lib/stats';
import { cliFlags, intFlag, list } from '../tooling/args';

const { values } = cliFlags({
  configs: { type: 'string', default: 'toy-B-64' },
  pairs: { type: 'string', default: '3' },
  steps: { type: 'string', default: '2' },
});
const pairs = intFlag('pairs', values.pairs, 1);
const steps = intFlag('steps', values.steps, 1);

/** tooling/jaxPeerPage.ts and jax-js as one classic script, in memory. */
async function peerBundle(): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, lib: { entry: 'tooling/jaxPeerPage.ts', formats: ['iife'], name: 'jaxPeerBundle' } },
  });
  const first = (Array.isArray(out) ? out[0] : out) as { output: { type: string; code?: string }[] };
  const chunk = first.output.find((o) => o.type === 'chunk');
  if (!chunk?.code) throw new Error('bundling tooling/jaxPeerPage.ts gave no code');
  return chunk.code;
}

const code = await peerBundle();
console.log(`load average before: ${loadavg()[0].toFixed(2)}; ${pairs} pairs of ${steps} steps, lab and jax-js alternating`);
console.log('| config | tokens | adapter | lab ms/step | range | jax-js ms/step | range | lab / jax-js |');
console.log('|---|---|---|---|---|---|---|---|');
await withLabPage(4183, async (page, url) => {
  await page.route(`${url}__jax-peer.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: code }));
  await page.addScriptTag({ url: `${url}__jax-peer.js` });
  await page.evaluate(() => window.floplab.ready);
  for (const name of list(values.configs)) {
    const config = await page.evaluate((c) => window.floplab.defaultConfig({ ...c, method: 'supervised', backend: 'webgpu' }), configFor(name));
    const presets = await page.evaluate(() => window.floplab.datasets());
    const classes = presets.find((d) => d.id === config.dataset.preset)?.numClasses;
    if (!classes) throw new Error(`dataset ${config.dataset.preset} not found`);
    const sizes = { ...config.model, numClasses: classes, batchSize: config.batchSize };
    const lab: number[] = [];
    const jax: number[] = [];
    let adapter = '?';
    for (let p = 0; p < pairs; p++) {
      const r = (await page.evaluate(([c, n]) => window.floplab.benchmark(c, { steps: n, warmup: 1, hooks: true }), [config, steps] as const)) as {
        msPerStep: number;
        backend: { name: string; adapter?: { description?: string; architecture?: string } };
      };
      if (r.backend.name !== 'webgpu') throw new Error(`the lab ran on ${r.backend.name}, not WebGPU`);
      adapter = r.backend.adapter?.description || r.backend.adapter?.architecture || adapter;
      lab.push(r.msPerStep);
      const j = await page.evaluate(
        ([z, n]) => (window as unknown as { jaxPeer: { time(z: object, n: number, w: number): Promise<{ msPerStep: number }> } }).jaxPeer.time(z, n, 1),
        [sizes, steps] as const,
      );
      jax.push(j.msPerStep);
    }
    const tokens = (config.model.imageSize / config.model.patchSize) ** 2;
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
    console.log(
      `| ${name} | ${tokens} | ${adapter} | ${median(lab).toFixed(0)} | ${range(lab)} | ${median(jax).toFixed(0)} | ${range(jax)} | ${(median(lab) / median(jax)).toFixed(2)}x |`,
    );
  }
});
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
