/**
 * Paper scale, headless: the per-method comparison (one profiled step of every method, and of
 * MAE at 4 mask ratios x 2 decoders) at toy-B (batch 32) and at the paper's ViT-B/16 (batch 2),
 * on tfjs-wasm in Node, reduced by src/experiments/paperScale.ts to FLOPs per image, each method's
 * cost relative to supervised at both scales, and the MAE decoder's share against appendix A.5.
 * Each variant runs at the largest batch that fits wasm's 4 GiB heap, as in the page's worker
 * (comparisonPlan); what fits at no batch is named. Prints markdown tables (docs/flops.md,
 * "Paper scale") and writes bench-results/paper-scale.json after every row.
 *
 *   npx tsx scripts/paper-scale.ts            # both scales; about 25 minutes on a 2-core CPU
 *   npx tsx scripts/paper-scale.ts --reuse    # keep the rows of an earlier (interrupted) run
 *   npx tsx scripts/paper-scale.ts --print    # only print the tables of bench-results/paper-scale.json
 */
import './help';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { useNodeWasm } from '../tooling/nodeWasm';
import { profileVariant } from '../src/experiments/compare';
import { defaultConfig } from '../src/train/config';
import { staticMemoryLimits } from '../src/train/memoryCeilings';
import {
  a5Checks,
  comparisonPlan,
  HEADLINE_KEYS,
  maeShares,
  notProfiledMessage,
  PAPER_SCALE,
  scaleRows,
  TOY_SCALE,
  type ImageFigures,
} from '../src/experiments/paperScale';
import type { ComparisonRow } from '../src/train/records';
import { maeDecoderConfig, maeForwardFlops } from '../src/models/maeDecoder';
import { MODEL_PRESETS } from '../src/models/presets';
import { cliFlags } from '../tooling/args';

const OUT = 'bench-results/paper-scale.json';
const scales = { toy: defaultConfig({ ...TOY_SCALE, backend: 'wasm' }), paper: defaultConfig({ ...PAPER_SCALE, backend: 'wasm' }) };
type Scale = keyof typeof scales;

interface Report {
  date: string;
  machine: string;
  command: string;
  rows: Record<Scale, ComparisonRow[]>;
  notProfiled: Record<Scale, string | null>;
  wallS: Record<Scale, number>;
}

const machine = `${cpus().length}-core ${cpus()[0]?.model ?? 'CPU'}, Node ${process.versions.node}, tfjs-wasm (SIMD, 1 thread)`;

async function profileAll(report: Report): Promise<void> {
  await useNodeWasm('scripts/paper-scale.ts');
  for (const scale of ['toy', 'paper'] as const) {
    const config = scales[scale];
    const plan = comparisonPlan(config, staticMemoryLimits('wasm'));
    report.notProfiled[scale] = notProfiledMessage(plan);
    const t0 = performance.now() - report.wallS[scale] * 1000;
    for (const { variant, batchSize } of plan) {
      if (batchSize === 0 || report.rows[scale].some((r) => r.key === variant.key)) continue;
      const label = batchSize < config.batchSize ? `${variant.label} (batch ${batchSize})` : variant.label;
      const t = performance.now();
      const row = await profileVariant({ ...config, batchSize }, { ...variant, label });
      report.rows[scale].push(row);
      report.wallS[scale] = (performance.now() - t0) / 1000;
      writeFileSync(OUT, JSON.stringify(report, null, 2));
      console.error(`${scale} ${variant.key} batch ${batchSize}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  }
}

const si = (x: number) => {
  const units = ['', 'k', 'M', 'G', 'T'];
  let i = 0;
  while (Math.abs(x) >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${x.toPrecision(3)} ${units[i]}FLOP`;
};
const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
const times = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}x`);
/** FLOPs per image, with the batch when the variant ran at a smaller one than its scale's. */
const flops = (f: ImageFigures | null, batch: number) => (f ? si(f.perImage) + (f.batchSize !== batch ? ` (batch ${f.batchSize})` : '') : '—');

function tables(report: Report): string {
  const { toy, paper } = report.rows;
  const tb = scales.toy.batchSize;
  const pb = scales.paper.batchSize;
  const out: string[] = [];
  out.push(
    '| method | toy-B FLOPs / image | vit-b16 FLOPs / image | vit-b16 / toy-B | vs supervised, toy-B | vs supervised, vit-b16 |',
    '|---|---|---|---|---|---|',
  );
  for (const r of scaleRows(toy, paper, tb, pb).filter((x) => HEADLINE_KEYS.includes(x.key)))
    out.push(
      `| ${r.label} | ${flops(r.toy, tb)} | ${flops(r.paper, pb)} | ${r.growth === null ? '—' : `${Math.round(r.growth)}x`} | ${times(r.toyVsSupervised)} | ${times(r.paperVsSupervised)} |`,
    );
  out.push('');
  const vitB = MODEL_PRESETS['vit-b16'];
  out.push(
    '| mask | decoder | toy-B FLOPs / image | vit-b16 FLOPs / image | decoder FLOP share, toy-B | decoder FLOP share, vit-b16 | analytic, vit-b16 | decoder time share, vit-b16 (wasm) | paper |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const s of maeShares(toy, paper, tb, pb)) {
    const analytic = maeForwardFlops(vitB, maeDecoderConfig(vitB, s.decoder), 1, s.maskRatio).decoderShare;
    const fl = (x: number | null) => (x === null ? '—' : si(x));
    out.push(
      `| ${Math.round(s.maskRatio * 100)} % | ${s.decoder} | ${fl(s.toyPerImage)} | ${fl(s.paperPerImage)} | ${pct(s.toyFlopShare)} | ${pct(s.paperFlopShare)} | ${pct(analytic)} | ${pct(s.paperTimeShare)} | ${s.paper ?? '—'} |`,
    );
  }
  out.push('');
  out.push('| at vit-b16 | paper (A.5) | counted FLOPs | measured kernel time (wasm) |', '|---|---|---|---|');
  for (const c of a5Checks(paper, pb)) out.push(`| ${c.what} | ${c.paper} | ${pct(c.flops)} | ${pct(c.time)} |`);
  for (const scale of ['toy', 'paper'] as const)
    if (report.notProfiled[scale]) out.push('', `${scale === 'toy' ? 'toy-B' : 'vit-b16'}: ${report.notProfiled[scale]}`);
  out.push(
    '',
    `${report.date.slice(0, 10)}, \`${report.command}\`, ${report.machine}; wall time ${report.wallS.toy.toFixed(0)} s at toy-B, ${(report.wallS.paper / 60).toFixed(1)} min at vit-b16.`,
  );
  return out.join('\n');
}

const fresh = (): Report => ({
  date: new Date().toISOString(),
  machine,
  command: 'npx tsx scripts/paper-scale.ts',
  rows: { toy: [], paper: [] },
  notProfiled: { toy: null, paper: null },
  wallS: { toy: 0, paper: 0 },
});

const { values: flags } = cliFlags({ reuse: { type: 'boolean', default: false }, print: { type: 'boolean', default: false } });
const reuse = flags.reuse || flags.print;
const report: Report = reuse && existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) : fresh();
if (!flags.print) {
  mkdirSync('bench-results', { recursive: true });
  await profileAll(report);
  writeFileSync(OUT, JSON.stringify(report, null, 2));
}
console.log(tables(report));
