/**
 * The issue-4 table, headless in Node on the wasm backend: for each preset and
 * method, pre-train for the same FLOP budget (counted kernel FLOPs), then
 * fine-tune on the ADE-like set and report mIoU, beside the from-scratch
 * baseline (same fine-tuning, random encoder).
 *
 *   npm run transfer-table
 *   npm run transfer-table -- --presets=imagenet-1k,coco --methods=supervised,mae --budget-steps=200 --model=tiny --batch=32 --ft-steps=300 --ft-lr=3e-3
 *
 * --budget-steps: the budget is this many steps of supervised training, in FLOPs;
 * every method gets ceil(budget / its FLOPs per step) steps. Prints a Markdown
 * table and writes bench-results/transfer-table.json.
 */
import './help';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolveConfig } from '../src/train/config';
import { runExperiment } from '../src/train/runner';
import { runTransfer } from '../src/train/transferRun';
import type { TransferRecord } from '../src/train/records';
import { useNodeWasm } from '../tooling/nodeWasm';
import { flopsPerStep, supervisedBudget } from './budget';
import { cliFlags } from '../tooling/args';

const { values: flags } = cliFlags({
  presets: { type: 'string', default: 'imagenet-1k,coco' },
  methods: { type: 'string', default: 'supervised,mae,simclr,byol,dino,clip' },
  'budget-steps': { type: 'string', default: '200' },
  seed: { type: 'string', default: '0' },
  model: { type: 'string', default: 'tiny' },
  batch: { type: 'string', default: '32' },
  lr: { type: 'string', default: '2e-3' },
  'ft-steps': { type: 'string', default: '100' },
  'ft-lr': { type: 'string', default: '1e-3' },
  seeds: { type: 'string', default: '1' },
});
const arg = (name: keyof typeof flags): string => flags[name];
const presets = arg('presets').split(',');
const methods = arg('methods').split(',');
const budgetSteps = Number(arg('budget-steps'));
const seed = Number(arg('seed'));
const base = {
  model: arg('model'),
  batchSize: Number(arg('batch')),
  seed,
  backend: 'wasm',
  optim: { lr: Number(arg('lr')), warmupSteps: 10 },
  probe: { kind: 'knn', trainSize: 256, testSize: 128 },
  transfer: {
    kind: 'segmentation',
    steps: Number(arg('ft-steps')),
    lr: Number(arg('ft-lr')),
    seeds: Number(arg('seeds')),
    scratch: false,
  },
};

const backend = await useNodeWasm('transfer-table script (Node)');

const budget = await supervisedBudget(base, budgetSteps);
console.log(`budget ${budget.toExponential(3)} FLOPs (= ${budgetSteps} supervised steps), ${JSON.stringify(base)}`);

const t0 = performance.now();
const scratch = (await runTransfer(resolveConfig({ ...base, steps: 1 }), null, { init: 'scratch', step: 0, pretrainFlops: 0 })) as TransferRecord;
console.log(`from scratch: mIoU ${(100 * scratch.miou).toFixed(1)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);

interface Row {
  preset: string;
  method: string;
  steps: number;
  pretrainFlops: number;
  probeAccuracy: number | undefined;
  miou: number;
  runs: number[];
  finetuneFlops: number;
  seconds: number;
}
const rows: Row[] = [];
for (const preset of presets)
  for (const method of methods) {
    const start = performance.now();
    const steps = Math.max(1, Math.ceil(budget / (await flopsPerStep({ ...base, method, dataset: { preset } }))));
    const config = resolveConfig({ ...base, method, dataset: { preset }, steps, evalEvery: steps, logEvery: Math.max(1, Math.floor(steps / 10)) });
    const result = await runExperiment(config, backend);
    const tuned = result.transfer.find((t) => t.init === 'pretrained')!;
    const last = result.records[result.records.length - 1];
    const row: Row = {
      preset,
      method,
      steps,
      pretrainFlops: last.flops,
      probeAccuracy: last.probeAccuracy,
      miou: tuned.miou,
      runs: tuned.runs.map((r) => r.miou),
      finetuneFlops: tuned.finetuneFlops,
      seconds: (performance.now() - start) / 1000,
    };
    rows.push(row);
    console.log(
      `${preset} ${method}: ${steps} steps, mIoU ${(100 * row.miou).toFixed(1)}, kNN ${(100 * (row.probeAccuracy ?? 0)).toFixed(1)}% (${row.seconds.toFixed(0)} s)`,
    );
  }

const pct = (x: number | undefined) => (x === undefined ? '' : (100 * x).toFixed(1));
console.log(`\n| preset | method | steps | pre-training FLOPs | kNN probe % | mIoU % | vs scratch (pt) |\n|---|---|---|---|---|---|---|`);
for (const r of rows)
  console.log(
    `| ${r.preset} | ${r.method} | ${r.steps} | ${r.pretrainFlops.toExponential(2)} | ${pct(r.probeAccuracy)} | ${pct(r.miou)} | ${((r.miou - scratch.miou) * 100).toFixed(1)} |`,
  );
console.log(`| (any) | from scratch | 0 | 0 | | ${pct(scratch.miou)} | 0 |`);
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  `bench-results/transfer-table-${presets.join('+')}.json`,
  JSON.stringify({ date: new Date().toISOString(), budget, base, scratch, rows }, null, 2),
);
