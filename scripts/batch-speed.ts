/**
 * The JavaScript batch maker's cost and output: for each method, the ms of one
 * `trainer.makeBatch(step)` (scenes, augmented views, tokens and targets, uploaded as tensors) on
 * tfjs-wasm in Node with the default config (toy-B), after warm-up batches (the JIT needs a few
 * dozen): the median, the fastest and slowest batch, and the process's CPU ms per batch. On a
 * machine shared with other work the fastest batch is the steadier figure. With --hash it
 * writes, and with --check it compares, a sha256 per method over the raw bytes of every tensor of
 * the batches of steps 0..9, so a speed-up of the batch code can be shown to change no value.
 *
 *   npx tsx scripts/batch-speed.ts                                  # all six methods, 30 batches each
 *   npx tsx scripts/batch-speed.ts --methods=simclr,dino --steps=50
 *   npx tsx scripts/batch-speed.ts --hash=/tmp/batch-before.json    # record the outputs' hashes
 *   npx tsx scripts/batch-speed.ts --check=/tmp/batch-before.json   # exit 1 if any method's differ
 *   npx tsx scripts/batch-speed.ts --dataset=coco --hash=/tmp/coco.json  # another preset than imagenet-1k
 */
import './help';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { createTrainer, type Trainer } from '../src/train/trainer';
import { useNodeWasm } from '../tooling/nodeWasm';
import { median } from '../src/lib/stats';
import { cliFlags, intFlag, methodList } from '../tooling/args';
import { DATASET_IDS, type DatasetId } from '../src/data/source';

const { values } = cliFlags({
  methods: { type: 'string', default: 'supervised,mae,simclr,byol,dino,clip' },
  steps: { type: 'string', default: '30' },
  warmup: { type: 'string', default: '50' },
  dataset: { type: 'string', default: 'imagenet-1k' },
  hash: { type: 'string' },
  check: { type: 'string' },
});
const methods = methodList(values.methods);
const steps = intFlag('steps', values.steps, 1);
const warmup = intFlag('warmup', values.warmup, 0);
if (!(DATASET_IDS as readonly string[]).includes(values.dataset)) {
  console.error(`batch-speed.ts: --dataset=${values.dataset}: expected one of ${DATASET_IDS.join(', ')}`);
  process.exit(2);
}
const dataset = { preset: values.dataset as DatasetId };
/** The steps whose batches are hashed. */
const HASHED_STEPS = 10;

/** sha256 over every tensor of the batches of steps 0..HASHED_STEPS-1, in a fixed field order. */
async function batchHash(trainer: Trainer): Promise<string> {
  const hash = createHash('sha256');
  for (let s = 0; s < HASHED_STEPS; s++) {
    const batch = trainer.makeBatch(s);
    const tensors: tf.Tensor[] = [batch.images, ...(batch.views ?? [])];
    if (batch.tokens) tensors.push(batch.tokens);
    if (batch.targets) tensors.push(batch.targets);
    for (const t of tensors) {
      const data = await t.data();
      hash.update(`${t.dtype}[${t.shape.join(',')}]`);
      hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    if (batch.tokenIds) hash.update(new Uint8Array(batch.tokenIds.buffer, batch.tokenIds.byteOffset, batch.tokenIds.byteLength));
    tf.dispose(batch as unknown as tf.TensorContainer);
  }
  return hash.digest('hex');
}

await useNodeWasm('batch speed');
const expected: Record<string, string> | null = values.check ? JSON.parse(readFileSync(values.check, 'utf8')) : null;
const hashes: Record<string, string> = {};
let mismatches = 0;
console.log(`${values.dataset}: ${steps} batches per method after ${warmup} warm-up ones`);
console.log('| method | ms/batch (median) | fastest-slowest | CPU ms/batch (mean) |' + (values.hash || expected ? ' hash of steps 0..9 |' : ''));
console.log('|---|---|---|---|' + (values.hash || expected ? '---|' : ''));
for (const method of methods) {
  const trainer = await createTrainer({ method, backend: 'wasm', dataset });
  for (let s = 0; s < warmup; s++) tf.dispose(trainer.makeBatch(s) as unknown as tf.TensorContainer);
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    const batch = trainer.makeBatch(s);
    ms.push(performance.now() - t0);
    tf.dispose(batch as unknown as tf.TensorContainer);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
  let hashCell = '';
  if (values.hash || expected) {
    const h = (hashes[method] = await batchHash(trainer));
    const want = expected?.[method];
    const verdict = expected === null ? '' : want === h ? ' (matches)' : want === undefined ? ' (none recorded)' : ' (DIFFERS)';
    if (expected !== null && want !== h) mismatches++;
    hashCell = ` ${h.slice(0, 16)}${verdict} |`;
  }
  console.log(`| ${method} | ${median(ms).toFixed(2)} | ${Math.min(...ms).toFixed(2)}-${Math.max(...ms).toFixed(2)} | ${cpuMs.toFixed(2)} |${hashCell}`);
  trainer.dispose();
}
if (values.hash) {
  writeFileSync(values.hash, JSON.stringify(hashes, null, 2) + '\n');
  console.log(`hashes written to ${values.hash}`);
}
if (expected !== null) {
  console.log(mismatches === 0 ? 'all hashes match' : `${mismatches} method(s) differ from ${values.check}`);
  if (mismatches > 0) process.exit(1);
}
