/**
 * The README's picture of the Experiments card: opens a sweep results file (from `npm run reproduce`)
 * in the built app and saves the card, and talk mode with the same results, as PNGs.
 *
 *   npx vite build && npx tsx scripts/screenshot-experiments.ts out/figure1/results.json docs/experiments.png [docs/talk-mode.png]
 */
import './help';
import { readFileSync } from 'node:fs';
import { withLabPage } from './labPage';
import { cliFlags } from '../tooling/args';

const [results, out, talkOut] = cliFlags({}, true).positionals;
if (!results || !out) {
  console.error('usage: npx tsx scripts/screenshot-experiments.ts <results.json> <card.png> [talk.png]');
  process.exit(2);
}
const json = readFileSync(results, 'utf8');
await withLabPage(
  4189,
  async (page) => {
    await page.evaluate((text) => window.floplab.openSweepResults(text), json);
    const card = page.getByTestId('experiments-card');
    await card.scrollIntoViewIfNeeded();
    await page.waitForTimeout(800);
    await card.screenshot({ path: out });
    console.error(`wrote ${out}`);
  },
  { width: 1440, height: 1100 },
);
if (talkOut) {
  // Talk mode shows the store's sweep: open the results there, then follow the demo link.
  await withLabPage(
    4189,
    async (page, url) => {
      const { preset } = JSON.parse(json) as { preset?: string };
      await page.goto(`${url}#demo=${preset === 'figure1' ? 'figure1-full' : (preset ?? 'talk')}&backend=wasm`);
      await page.evaluate((text) => window.floplab.openSweepResults(text), json);
      await page.waitForTimeout(1200);
      await page.screenshot({ path: talkOut });
      console.error(`wrote ${talkOut}`);
    },
    { width: 1920, height: 1080 },
  );
}
