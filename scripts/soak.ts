/**
 * Soak: N steps of every method on wasm in Node (default 1,000, toy-B, batch
 * 32), with tf.memory() after a 20-step warm-up and at the end. Prints a
 * table; tensors and bytes must be equal (no growth).
 *   npx tsx scripts/soak.ts [steps] [model]
 */
import './help';
import { METHOD_IDS } from '../src/methods/catalog';
import { soak } from '../tooling/soak';
import { useNodeWasm } from '../tooling/nodeWasm';
import { cliFlags } from '../tooling/args';

const { positionals } = cliFlags({}, true);
const steps = Number(positionals[0] ?? '1000');
const model = (positionals[1] ?? 'toy-B') as 'toy-B';
await useNodeWasm('soak');
console.log(`soak: ${steps} steps per method, ${model}, batch 32, wasm in Node ${process.version}`);
console.log('| method | tensors after warm-up | tensors at end | bytes after warm-up | bytes at end | ms/step |');
console.log('|---|---|---|---|---|---|');
let leaks = 0;
for (const method of METHOD_IDS) {
  const r = await soak({ method, model, batchSize: 32, backend: 'wasm', probe: { kind: 'none' } }, steps, 20);
  if (r.tensorsAtEnd !== r.tensorsAfterWarmup || r.bytesAtEnd !== r.bytesAfterWarmup) leaks++;
  console.log(`| ${method} | ${r.tensorsAfterWarmup} | ${r.tensorsAtEnd} | ${r.bytesAfterWarmup} | ${r.bytesAtEnd} | ${r.msPerStep.toFixed(1)} |`);
}
console.log(leaks === 0 ? 'flat: no method grew in tensors or bytes' : `${leaks} method(s) grew`);
process.exit(leaks === 0 ? 0 : 1);
