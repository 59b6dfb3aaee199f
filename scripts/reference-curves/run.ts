/**
 * Reference learning curves (issue 18, item 2): the lab's BYOL and DINO learning curves beside an
 * independent PyTorch implementation trained on the same data, seed by seed.
 *
 *   npm run reference-curves                         (byol and dino, seeds 0,1,2: ~30 min on 2 cores)
 *   npx tsx scripts/reference-curves/run.ts --methods=byol --seeds=0 --steps=40   (a short check)
 *
 * For each method and seed:
 *   1. the lab trains its DEFAULT experiment for the method (src/train/runner.ts runExperiment, wasm
 *      in Node) at the signal report's budget (scripts/reference-curves/config.ts), probing 4 times
 *      with its kNN probe, and before step 0 (random init);
 *   2. tooling/referenceCurves.ts exports that run's initial weights, every step's views and
 *      the probe sets from the lab's own code (a fresh Trainer of the same config: same init, same
 *      seeded views) to --work (bench-results/reference-curves/, git-ignored; the big files are
 *      deleted after step 3 unless --keep);
 *   3. scripts/reference-curves/train.py trains scripts/parity/reference.py's PyTorch model on those
 *      views with the exported recipe and scores the same probe at the same steps.
 * Writes <out>/<method>.json after every seed (both curves per seed, random init for both, and per
 * probe point the seed means, their seed SDs and whether they agree) and prints a markdown table,
 * also written to <out>/README.md. <out> is docs/results/reference-curves/ for a full run and
 * bench-results/reference-curves/ when --steps shortens it.
 *
 * Agreement at a probe point: |mean_lab - mean_pytorch| <= 2 sqrt((sd_lab^2 + sd_pytorch^2) / n)
 * over the n seeds (two standard errors of the difference of the means, each from its seed spread).
 *
 * --config=<JSON>: overrides for every run (e.g. '{"model":"toy-L"}'); PYTHON=<interpreter> to pick
 * the Python (train.py itself falls back to /usr/bin/python3 if the one given lacks torch).
 */
import '../help';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExperimentInput } from '../../src/train/config';
import { runExperiment } from '../../src/train/runner';
import { useNodeWasm } from '../../tooling/nodeWasm';
import { referenceConfig, signalBudget } from './config';
import { exportReference, probeSteps, REFERENCE_METHODS } from '../../tooling/referenceCurves';
import { cliFlags, intFlag, list } from '../../tooling/args';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: flags } = cliFlags({
  methods: { type: 'string', default: REFERENCE_METHODS.join(',') },
  seeds: { type: 'string', default: '0,1,2' },
  steps: { type: 'string', default: '' },
  config: { type: 'string', default: '{}' },
  work: { type: 'string', default: 'bench-results/reference-curves' },
  out: { type: 'string' },
  keep: { type: 'boolean', default: false },
});
const methods = list(flags.methods);
const seeds = list(flags.seeds).map((s) => intFlag('seeds', s, 0));
const fixedSteps = flags.steps ? intFlag('steps', flags.steps, 1) : undefined;
const extra: ExperimentInput = JSON.parse(flags.config);
const work = flags.work;
const out = flags.out ?? (fixedSteps === undefined ? 'docs/results/reference-curves' : 'bench-results/reference-curves');
const keep = flags.keep;
const python = process.env.PYTHON ?? 'python3';
for (const m of methods)
  if (!(REFERENCE_METHODS as readonly string[]).includes(m)) throw new Error(`unknown method '${m}' (one of ${REFERENCE_METHODS.join(', ')})`);

interface Score {
  accuracy: number;
  interval: [number, number];
}
interface Point extends Score {
  step: number;
  loss: number;
}
interface Curve {
  randomInit: Score;
  probes: Point[];
  wallS: number;
}
interface SeedRow {
  seed: number;
  steps: number;
  weightsDigest: string;
  lab: Curve & { collapse?: string };
  pytorch: Curve & { torch: string; unhandledOptions: string[]; clippedSteps: number };
}
interface Stat {
  values: number[];
  mean: number;
  sd: number;
}
interface Agreement {
  step: number;
  lab: Stat;
  pytorch: Stat;
  /** mean_pytorch - mean_lab (accuracy, 0..1). */
  diff: number;
  /** 2 sqrt((sd_lab^2 + sd_pytorch^2) / n). */
  bound: number;
  agree: boolean;
}

const stat = (values: number[]): Stat => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { values, mean, sd };
};

function agreement(step: number, lab: number[], pytorch: number[]): Agreement {
  const l = stat(lab);
  const p = stat(pytorch);
  const bound = 2 * Math.sqrt((l.sd ** 2 + p.sd ** 2) / lab.length);
  const diff = p.mean - l.mean;
  return { step, lab: l, pytorch: p, diff, bound, agree: Math.abs(diff) <= bound };
}

function summarise(rows: SeedRow[]): { randomInit: Agreement; points: Agreement[]; agreeEverywhere: boolean } {
  const randomInit = agreement(
    0,
    rows.map((r) => r.lab.randomInit.accuracy),
    rows.map((r) => r.pytorch.randomInit.accuracy),
  );
  const points = rows[0].lab.probes.map((p, i) =>
    agreement(
      p.step,
      rows.map((r) => r.lab.probes[i].accuracy),
      rows.map((r) => r.pytorch.probes[i].accuracy),
    ),
  );
  return { randomInit, points, agreeEverywhere: points.every((p) => p.agree) };
}

const pct = (x: number) => (100 * x).toFixed(1);
function table(method: string, rows: SeedRow[]): string {
  const s = summarise(rows);
  const seedList = rows.map((r) => r.seed).join(' / ');
  const lines = [
    `### ${method}: ${rows[0].steps} steps, seeds ${seedList}`,
    '',
    `| step | lab probe % (seed ${seedList}) | lab mean ± sd | PyTorch probe % (seed ${seedList}) | PyTorch mean ± sd | PyTorch - lab (pt) | bound (pt) | agree | lab loss (mean) | PyTorch loss (mean) |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const row = (label: string, a: Agreement, lossLab = '-', lossPt = '-') =>
    lines.push(
      `| ${label} | ${a.lab.values.map(pct).join(' / ')} | ${pct(a.lab.mean)} ± ${pct(a.lab.sd)} | ${a.pytorch.values.map(pct).join(' / ')} | ${pct(a.pytorch.mean)} ± ${pct(a.pytorch.sd)} | ` +
        `${(100 * a.diff).toFixed(1)} | ${(100 * a.bound).toFixed(1)} | ${a.agree ? 'yes' : 'NO'} | ${lossLab} | ${lossPt} |`,
    );
  row('0 (random init)', s.randomInit);
  const meanLoss = (f: (r: SeedRow) => number) => (rows.reduce((a, r) => a + f(r), 0) / rows.length).toFixed(4);
  s.points.forEach((p, i) =>
    row(
      String(p.step),
      p,
      meanLoss((r) => r.lab.probes[i].loss),
      meanLoss((r) => r.pytorch.probes[i].loss),
    ),
  );
  lines.push('', `Agree at every probe point after training: ${s.agreeEverywhere ? 'yes' : 'no'}.`);
  return lines.join('\n');
}

/** The lab source the run used: its commit and the files under src/ that differ from it (the run reflects those too). */
const gitOut = (args: string[]) => spawnSync('git', args, { encoding: 'utf8' }).stdout?.trim() ?? '';
const source = { commit: gitOut(['rev-parse', 'HEAD']), uncommittedInSrc: gitOut(['status', '--porcelain', '--', 'src']).split('\n').filter(Boolean) };

const backend = await useNodeWasm('reference curves (Node)');
const { budget, supervisedSteps } = await signalBudget(extra);
console.log(
  `budget ${budget.toExponential(3)} FLOPs = ${supervisedSteps} steps of supervised (default model and batch); methods ${methods.join(',')}, seeds ${seeds.join(',')}` +
    (fixedSteps ? `; steps fixed at ${fixedSteps}` : ''),
);
mkdirSync(out, { recursive: true });
for (const method of methods) {
  const rows: SeedRow[] = [];
  let report: Record<string, unknown> = {};
  for (const seed of seeds) {
    const config = await referenceConfig(method, seed, { budget, steps: fixedSteps, extra });
    console.log(`\n${method} seed ${seed}: ${config.steps} steps, probe after steps ${probeSteps(config).join(', ')}`);
    // 1. The lab.
    const t0 = performance.now();
    const result = await runExperiment(config, backend, {
      onRecord: (r) => r.probeAccuracy !== undefined && console.log(`  lab step ${r.step}: loss ${r.loss.toFixed(4)}, probe ${pct(r.probeAccuracy)} %`),
    });
    const labWall = (performance.now() - t0) / 1000;
    if (result.diverged) throw new Error(`lab run diverged: ${result.diverged.reason}`);
    const labProbes = result.records.filter((r) => r.probeAccuracy !== undefined);
    console.log(`  lab: random init ${pct(result.baseline!.accuracy)} %, ${labWall.toFixed(0)} s`);
    // 2. The export.
    const dir = join(work, `${method}-seed${seed}`);
    const manifest = await exportReference(config, dir);
    const expected = labProbes.map((r) => r.step).join(',');
    if (manifest.probe.steps.join(',') !== expected)
      throw new Error(`probe steps: the lab probed at ${expected}, the export says ${manifest.probe.steps.join(',')}`);
    // 3. PyTorch.
    const curveFile = join(dir, 'curve.json');
    const py = spawnSync(python, [join(HERE, 'train.py'), dir, `--out=${curveFile}`], { stdio: 'inherit' });
    if (py.status !== 0) throw new Error(`train.py failed (status ${py.status}${py.error ? `, ${py.error.message}` : ''})`);
    const curve = JSON.parse(readFileSync(curveFile, 'utf8'));
    if (curve.weightsDigest !== manifest.weightsDigest) throw new Error('train.py trained from other weights than the export');
    if (!keep) for (const f of [manifest.views.file, manifest.probe.train.file, manifest.probe.test.file]) rmSync(join(dir, f), { force: true });
    rows.push({
      seed,
      steps: config.steps,
      weightsDigest: manifest.weightsDigest,
      lab: {
        randomInit: { accuracy: result.baseline!.accuracy, interval: result.baseline!.interval },
        probes: labProbes.map((r) => ({ step: r.step, accuracy: r.probeAccuracy!, interval: r.probeInterval!, loss: r.loss })),
        wallS: labWall,
        ...(result.collapse ? { collapse: result.collapse.reason } : {}),
      },
      pytorch: {
        randomInit: { accuracy: curve.randomInit.accuracy, interval: curve.randomInit.interval },
        probes: curve.probes.map((p: Point) => ({ step: p.step, accuracy: p.accuracy, interval: p.interval, loss: p.loss })),
        wallS: curve.wallS,
        torch: curve.torch,
        unhandledOptions: curve.unhandledOptions,
        clippedSteps: curve.clippedSteps,
      },
    });
    const { seed: _seed, ...shared } = config;
    report = {
      method,
      note:
        'Written by scripts/reference-curves/run.ts (npm run reference-curves): the lab (wasm, float32) and an independent PyTorch ' +
        'implementation (scripts/parity/reference.py in float32, trained by scripts/reference-curves/train.py) on the same initial ' +
        'weights, views and probe sets exported from the lab; kNN probe accuracy (0..1) at random init and at 4 points. Agreement: ' +
        '|mean_lab - mean_pytorch| <= 2 sqrt((sd_lab^2 + sd_pytorch^2) / n) over the seeds.',
      date: new Date().toISOString(),
      machine: `${process.platform} ${process.arch}, Node ${process.version}`,
      source,
      budget,
      supervisedSteps,
      config: shared,
      seeds: rows,
      summary: summarise(rows),
    };
    writeFileSync(join(out, `${method}.json`), JSON.stringify(report, null, 1) + '\n');
  }
  console.log('\n' + table(method, rows));
  writeReadme();
}

/** README.md of <out>: the table of every method with a report there (this run's or an earlier one's). */
function writeReadme(): void {
  const tables: string[] = [];
  let k = '?';
  for (const m of REFERENCE_METHODS) {
    const file = join(out, `${m}.json`);
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    k = String(report.config.probe.k);
    const src = report.source as typeof source | undefined;
    const dirty = src?.uncommittedInSrc.length ?? 0;
    const origin = src ? ` on lab commit ${src.commit.slice(0, 10)}${dirty ? ` with ${dirty} uncommitted file(s) under src/` : ''}` : '';
    tables.push(`${table(m, report.seeds as SeedRow[])}\n\nRun ${String(report.date).slice(0, 10)}${origin}.`);
  }
  const md = [
    '# Reference learning curves: the lab beside PyTorch',
    '',
    'Generated by `npm run reference-curves` (scripts/reference-curves/run.ts); the data is in the JSON files beside this one. ' +
      "Each seed trains the lab's default experiment for the method on wasm at the signal report's budget and, from the same initial " +
      'weights on the same exported views, an independent PyTorch implementation (scripts/parity/reference.py, float32, trained by ' +
      `scripts/reference-curves/train.py); both are scored by the lab's kNN probe (k = ${k}, weighted) on the same probe sets. ` +
      '"bound" is 2 sqrt((sd_lab^2 + sd_pytorch^2) / n) over the n seeds: the curves agree at a point when the difference of their means is within it.',
    '',
    ...tables.flatMap((t) => [t, '']),
  ].join('\n');
  writeFileSync(join(out, 'README.md'), md);
  console.log(`-> ${join(out, 'README.md')}`);
}
