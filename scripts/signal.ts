/**
 * The signal report (issue 8): does the default experiment learn, and do methods differ by more
 * than their error bars? Every method runs the default experiment on wasm in Node, at the FLOPs
 * of supervised's default run (each method gets round(budget / its counted FLOPs per step) steps),
 * for each seed. Per method it prints the final probe accuracy with its 95 % interval, the
 * random-init baseline (same probe, same seed), the dense patch probe's mIoU, and optionally the
 * fine-tuned segmentation mIoU against the from-scratch baseline, with wall times.
 *
 *   npm run signal
 *   npm run signal -- --seeds=0,1,2 --methods=supervised,simclr --transfer=supervised,clip
 *
 * --transfer=<methods|all>: also fine-tune those methods' encoders on the ADE-like set at the end
 * (and a random encoder the same way, the scratch baseline); minutes per run on a CPU.
 * --config=<JSON>: overrides applied to every run (e.g. '{"model":"toy-L"}').
 *
 * Writes bench-results/signal.json after every seed (git ignores bench-results/; --out=<path> writes
 * elsewhere, e.g. to run two halves of the methods in parallel on two cores, and
 * --merge=<a.json,b.json> prints and writes the table of several such reports without running).
 */
import './help';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { defaultConfig, resolveConfig, type ExperimentInput } from '../src/train/config';
import { runExperiment } from '../src/train/runner';
import type { RunResult } from '../src/train/records';
import { useNodeWasm } from '../tooling/nodeWasm';
import { flopsPerStep, supervisedBudget } from './budget';
import { METHOD_IDS, methodSpec } from '../src/methods/catalog';
import { median } from '../src/lib/stats';
import { cliFlags, intFlag, list, methodList } from '../tooling/args';

const { values: flags } = cliFlags({
  seeds: { type: 'string', default: '0,1,2' },
  methods: { type: 'string', default: METHOD_IDS.join(',') },
  transfer: { type: 'string', default: '' },
  config: { type: 'string', default: '{}' },
  merge: { type: 'string', default: '' },
  out: { type: 'string', default: 'bench-results/signal.json' },
});
const seeds = list(flags.seeds).map((s) => intFlag('seeds', s, 0));
const methods = methodList(flags.methods);
const transferArg = flags.transfer;
const withTransfer = (method: string) => transferArg === 'all' || transferArg.split(',').includes(method);
const extra: ExperimentInput = JSON.parse(flags.config);

const mergeFiles = flags.merge;
const out = flags.out;

interface SeedResult {
  seed: number;
  steps: number;
  flops: number;
  probe: number[];
  final: number;
  interval: [number, number];
  baseline: number;
  baselineInterval: [number, number];
  /** The same probe on raw pixels (no encoder). */
  rawPixels?: number;
  /** End-of-run linear probe on the method's readout, and the same of its random-init encoder. */
  linear?: number;
  linearInterval?: [number, number];
  linearBaseline?: number;
  /** The sign of collapse at the last logged step, if any. */
  collapse?: string;
  patchMiou?: number;
  patchMiouInit?: number;
  miou?: number;
  scratchMiou?: number;
  wallS: number;
  probeShare: number;
}

interface Report {
  date: string;
  machine: string;
  budget: number;
  base: unknown;
  rows: { method: string; seeds: SeedResult[] }[];
}

const pct = (x: number | undefined) => (x === undefined ? '-' : (100 * x).toFixed(1));

async function run(): Promise<Report> {
  const backend = await useNodeWasm('signal report (Node)');
  const base = defaultConfig({ ...extra, backend: 'wasm' });
  const budget = await supervisedBudget({ ...extra, backend: 'wasm' }, base.steps);
  console.log(
    `budget ${budget.toExponential(3)} FLOPs = ${base.steps} steps of supervised on ${JSON.stringify(base.model)}, batch ${base.batchSize}; seeds ${seeds.join(',')}`,
  );
  const report: Report = { date: new Date().toISOString(), machine: `${process.platform} ${process.arch}, Node ${process.version}`, budget, base, rows: [] };
  for (const method of methods) {
    const seedResults: SeedResult[] = [];
    report.rows.push({ method, seeds: seedResults });
    for (const seed of seeds) {
      const input = { ...extra, backend: 'wasm' as const, method, seed, methodOptions: {} };
      const steps = Math.max(1, Math.round(budget / (await flopsPerStep(input))));
      const evalEvery = Math.max(1, Math.round((base.evalEvery * steps) / base.steps));
      const transfer = withTransfer(method) ? { ...base.transfer, kind: 'segmentation' as const, at: [], scratch: true } : base.transfer;
      const config = resolveConfig({ ...input, steps, evalEvery, logEvery: evalEvery, transfer });
      const t0 = performance.now();
      const result: RunResult = await runExperiment(config, backend);
      const wallS = (performance.now() - t0) / 1000;
      const probes = result.records.filter((r) => r.probeAccuracy !== undefined);
      const last = probes[probes.length - 1];
      const seedResult: SeedResult = {
        seed,
        steps,
        flops: result.records[result.records.length - 1].flops,
        probe: probes.map((r) => r.probeAccuracy!),
        final: last.probeAccuracy!,
        interval: last.probeInterval!,
        baseline: result.baseline!.accuracy,
        baselineInterval: result.baseline!.interval,
        rawPixels: result.baseline!.rawPixels?.accuracy,
        linear: last.linearAccuracy,
        linearInterval: last.linearInterval,
        linearBaseline: result.baseline!.linear?.accuracy,
        collapse: result.collapse?.reason,
        patchMiou: last.patchMiou,
        patchMiouInit: result.baseline?.patchMiou,
        miou: result.transfer.find((t) => t.init === 'pretrained')?.miou,
        scratchMiou: result.transfer.find((t) => t.init === 'scratch')?.miou,
        wallS,
        probeShare: (last.evalMs ?? 0) / 1000 / wallS,
      };
      seedResults.push(seedResult);
      save(report);
      console.log(
        `${method} seed ${seed}: ${steps} steps, probe ${probes.map((r) => pct(r.probeAccuracy)).join(' -> ')} ` +
          `[${pct(seedResult.interval[0])}, ${pct(seedResult.interval[1])}], random init ${pct(seedResult.baseline)}, ` +
          `patch mIoU ${pct(seedResult.patchMiou)} (init ${pct(seedResult.patchMiouInit)}), mIoU ${pct(seedResult.miou)} vs scratch ${pct(seedResult.scratchMiou)}, ` +
          `linear ${pct(seedResult.linear)} (random init ${pct(seedResult.linearBaseline)}), raw pixels ${pct(seedResult.rawPixels)}, ${wallS.toFixed(0)} s (probe ${(100 * seedResult.probeShare).toFixed(0)} %)` +
          (seedResult.collapse ? `; COLLAPSED: ${seedResult.collapse}` : ''),
      );
    }
  }
  return report;
}

/** Written after every seed, so an interrupted report keeps what it measured. */
function save(report: Report): void {
  mkdirSync(dirname(out) || '.', { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2));
}

/** Reports of several processes (e.g. two halves of the methods) as one. */
function merge(files: string[]): Report {
  const reports = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Report);
  const rows: Report['rows'] = [];
  for (const r of reports)
    for (const row of r.rows) {
      const mine = rows.find((x) => x.method === row.method);
      if (mine) mine.seeds.push(...row.seeds);
      else rows.push({ method: row.method, seeds: [...row.seeds] });
    }
  for (const row of rows) row.seeds.sort((a, b) => a.seed - b.seed);
  return { ...reports[0], date: new Date().toISOString(), rows };
}

const med = (rs: SeedResult[], f: (r: SeedResult) => number | undefined) => {
  const xs = rs.map(f).filter((x): x is number => x !== undefined);
  return xs.length ? median(xs) : undefined;
};
/** Each seed's gain over its random init, in points ('-' where a seed lacks either). */
const gainsPerSeed = (rs: SeedResult[], final: (r: SeedResult) => number | undefined, init: (r: SeedResult) => number | undefined) =>
  rs.map((r) => (final(r) === undefined || init(r) === undefined ? '-' : (100 * (final(r)! - init(r)!)).toFixed(1))).join(' / ');

function printTable(report: Report): void {
  console.log(
    `\n| method | readout | steps | linear % (median) | linear gain per seed (pt) | kNN % (median of seeds) | 95 % interval (median seed) | random init % | raw pixels % | kNN gain (pt, median) | kNN gain per seed (pt) | rises on every seed | collapsed | patch mIoU % (random init) | fine-tuned mIoU % vs scratch | wall s |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { method, seeds: rs } of report.rows) {
    if (rs.length === 0) continue;
    const sorted = [...rs].sort((a, b) => a.final - b.final);
    const mid = sorted[Math.floor((sorted.length - 1) / 2)];
    const rises = rs.every((r) => r.probe[r.probe.length - 1] > r.probe[0]);
    console.log(
      `| ${method} | ${methodSpec(method)?.readout ?? 'cls'} | ${rs[0].steps} | ${pct(med(rs, (r) => r.linear))} | ` +
        `${gainsPerSeed(
          rs,
          (r) => r.linear,
          (r) => r.linearBaseline,
        )} | ${pct(mid.final)} | ${pct(mid.interval[0])}-${pct(mid.interval[1])} | ${pct(med(rs, (r) => r.baseline))} | ${pct(med(rs, (r) => r.rawPixels))} | ` +
        `${((med(rs, (r) => r.final - r.baseline) ?? 0) * 100).toFixed(1)} | ${gainsPerSeed(
          rs,
          (r) => r.final,
          (r) => r.baseline,
        )} | ${rises ? 'yes' : 'no'} | ` +
        `${rs.filter((r) => r.collapse).length} of ${rs.length} | ` +
        `${pct(med(rs, (r) => r.patchMiou))} (${pct(med(rs, (r) => r.patchMiouInit))}) | ${pct(med(rs, (r) => r.miou))} vs ${pct(med(rs, (r) => r.scratchMiou))} | ${med(rs, (r) => r.wallS)!.toFixed(0)} |`,
    );
  }
}

const report = mergeFiles ? merge(mergeFiles.split(',')) : await run();
printTable(report);
save(report);
