/**
 * The paper's Figure 3 at toy scale, headless: FLOPs per step of every method
 * (and MAE at each mask ratio, both decoders) for one model and batch, with the
 * MAE decoder's share of FLOPs and of measured kernel time (appendix A.5).
 *
 *   npm run compare                                  # toy-B, batch 32, wasm
 *   npm run compare -- --model=toy-L --batch=16 --backend=webgpu
 *
 * Prints a table and writes bench-results/compare.json. Build first (`npx vite build`).
 */
import './help';
import { mkdirSync, writeFileSync } from 'node:fs';
import { withLabPage } from './labPage';
import { cliFlags } from '../tooling/args';

const { values: flags } = cliFlags({
  model: { type: 'string', default: 'toy-B' },
  batch: { type: 'string', default: '32' },
  backend: { type: 'string', default: 'wasm' },
});
const config = { model: flags.model, batchSize: Number(flags.batch), backend: flags.backend };

await withLabPage(4182, async (page) => {
  const rows = await page.evaluate((c) => window.floplab.compareMethods(c), config);
  const backend = (await page.evaluate(() => window.floplab.state().backend)) as { name?: string; adapter?: { description?: string } } | null;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const table = rows
    .map((r) => {
      const fb = r.totalFlops - (r.byComponent.optimizer ?? 0);
      const ms = r.kernelMs - (r.msByComponent.optimizer ?? 0);
      return {
        variant: r.label,
        'MFLOP/step': +(r.totalFlops / 1e6).toFixed(2),
        'kernel ms': +r.kernelMs.toFixed(1),
        'decoder FLOP share': r.byComponent.decoder ? pct(r.byComponent.decoder / fb) : '',
        'decoder time share': r.msByComponent.decoder ? pct(r.msByComponent.decoder / ms) : '',
        components: Object.entries(r.byComponent)
          .map(([k, v]) => `${k} ${pct(v / r.totalFlops)}`)
          .join(', '),
      };
    })
    .sort((a, b) => b['MFLOP/step'] - a['MFLOP/step']);
  console.log(
    `config ${JSON.stringify(config)}; profiled on ${rows[0]?.backend}; page backend ${JSON.stringify({ name: backend?.name, adapter: backend?.adapter?.description })}`,
  );
  console.table(table);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/compare.json', JSON.stringify({ date: new Date().toISOString(), config, backend, rows }, null, 2));
});
