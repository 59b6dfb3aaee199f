/**
 * Node timing of the FLOP hooks' overhead (not a test): ms/step of a training
 * step with the hooks off and on (CPU ms of this process per step, best of 4),
 * on tfjs-wasm or tfjs-cpu in Node.
 *   npx tsx scripts/counter-timing.ts [wasm|cpu] [tiny|default] [steps] [method] [replay|full]
 * `full` sets the counter's trace, which makes it count every call in full (as before the replay).
 */
import './help';
import * as tf from '@tensorflow/tfjs';
import { FlopCounter, installKernelHooks, uninstallKernelHooks } from '../src/engine/flops/counter';
import { defaultConfig } from '../src/train/config';
import { createTrainer } from '../src/train/trainer';
import { useCpuBackend, useWasmBackend } from '../tooling/tfjsBackends';
import { cliFlags } from '../tooling/args';

const [backend = 'wasm', size = 'tiny', stepsArg = '20', method = 'supervised', mode = 'replay'] = cliFlags({}, true).positionals;
const steps = Number(stepsArg);
await (backend === 'wasm' ? useWasmBackend() : useCpuBackend());
const config = defaultConfig(size === 'tiny' ? { model: 'tiny', batchSize: 8, method, backend } : { method, backend });
const trainer = await createTrainer(config);
let calls = 0;
const run = async (from: number, n: number) => {
  for (let s = from; s < from + n; s++) {
    if (mode === 'full') trainer.counter.trace = [];
    const { loss, counts } = trainer.step(s);
    calls = Object.values(counts.calls).reduce((a, b) => a + b, 0);
    if (s === from + n - 1) await loss.data();
    loss.dispose();
  }
};
await run(0, 3);
const results: Record<string, number[]> = { off: [], on: [] };
let step = 3;
for (const hooks of [false, true, false, true, false, true, false, true]) {
  if (hooks) installKernelHooks(tf.getBackend());
  else uninstallKernelHooks(tf.getBackend());
  await run(step, 2);
  step += 2;
  // CPU time of this process (wasm and cpu run on one thread in Node): steadier than wall time on a shared machine.
  const t0 = process.cpuUsage();
  await run(step, steps);
  step += steps;
  const t = process.cpuUsage(t0);
  results[hooks ? 'on' : 'off'].push((t.user + t.system) / 1000 / steps);
}
const best = (xs: number[]) => Math.min(...xs);
console.log(
  JSON.stringify({
    backend,
    size,
    method,
    mode,
    calls,
    stats: trainer.counter.stats,
    off: results.off.map((x) => +x.toFixed(2)),
    on: results.on.map((x) => +x.toFixed(2)),
    overheadPct: +((100 * (best(results.on) - best(results.off))) / best(results.off)).toFixed(1),
  }),
);

// The counter's own cost per kernel call, apart from the kernels: one step's calls (name, args, output)
// captured, then fed to the counter 300 times, counting in full (no signature) and replaying.
const captured: [string, unknown, unknown][] = [];
const proto = FlopCounter.prototype as unknown as { record: (n: string, a: unknown, o: unknown) => void };
const record = proto.record;
proto.record = function (n, a, o) {
  captured.push([n, a, o]);
  record.call(this, n, a, o);
};
installKernelHooks(tf.getBackend());
tf.dispose(trainer.step(step).loss);
proto.record = record;
const perCall = (signature?: string) => {
  const counter = new FlopCounter();
  const reps = 300;
  const t0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) {
    counter.begin('forward', signature);
    for (const [n, a, o] of captured) counter.record(n, a as never, o as never);
    counter.end();
  }
  const t = process.cpuUsage(t0);
  return +(((t.user + t.system) * 1000) / reps / captured.length).toFixed(1);
};
perCall();
perCall('sig');
console.log(JSON.stringify({ callsPerStep: captured.length, nsPerCallFull: perCall(), nsPerCallReplay: perCall('sig') }));
trainer.dispose();
