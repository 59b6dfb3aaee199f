/**
 * How much of a wasm training step is matrix products, and what PyTorch takes for the same
 * products (issue 21's floor): runs `--steps` supervised steps of a config on tfjs-wasm in Node
 * under tf.profile, adds up the kernel time of the linear layers' products (FlopLabLinear,
 * FlopLabLinearGradX, FlopLabLinearGradW: XNNPACK underneath) and their counted FLOPs, then
 * times the same products, shape for shape and with the same transposes, in PyTorch eager on
 * one thread (`--python` with torch). Lab and PyTorch alternate `--rounds` times. When the
 * products alone take more than 1.5x PyTorch's whole step, no change outside the matmul can bring
 * the lab within 1.5x.
 *
 *   npx tsx scripts/matmul-floor.ts --python=/path/to/python   # toy-B supervised
 *   npx tsx scripts/matmul-floor.ts --configs=default,toy-B-64 --rounds=5
 */
import './help';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { createTrainer } from '../src/train/trainer';
import { useNodeWasm } from '../tooling/nodeWasm';
import { configFor } from '../tooling/benchTable';
import { median } from '../src/lib/stats';
import { cliFlags, intFlag, list } from '../tooling/args';

const { values } = cliFlags({
  configs: { type: 'string', default: 'default' },
  rounds: { type: 'string', default: '5' },
  steps: { type: 'string', default: '3' },
  python: { type: 'string', default: 'python3' },
});
const rounds = intFlag('rounds', values.rounds, 1);
const steps = intFlag('steps', values.steps, 1);

/** One product: [m, k] x [k, n], and which operand the lab's kernel reads transposed. */
interface Product {
  kind: 'forward' | 'gradX' | 'gradW';
  m: number;
  k: number;
  n: number;
}

const rowsOf = (s: number[]) => s.slice(0, -1).reduce((a, b) => a * b, 1);
const last = (s: number[]) => s[s.length - 1];

/** The product a Linear kernel call computes, from its profiled input shapes. */
function productOf(name: string, shapes: number[][]): Product | null {
  const [a, b] = shapes;
  if (name === 'FlopLabLinear') return { kind: 'forward', m: rowsOf(a), k: last(a), n: last(b) }; // x W
  if (name === 'FlopLabLinearGradX') return { kind: 'gradX', m: rowsOf(a), k: last(a), n: b[0] }; // dy W^T
  if (name === 'FlopLabLinearGradW') return { kind: 'gradW', m: last(a), k: rowsOf(a), n: last(b) }; // x^T dy
  return null;
}

const PYTORCH = `
import json, sys, time, torch
torch.set_num_threads(1)
products = json.load(sys.stdin)
ops = []
for p in products:
    m, k, n = p['m'], p['k'], p['n']
    if p['kind'] == 'forward':
        a, b = torch.randn(m, k), torch.randn(k, n); bias = torch.randn(n)
        ops.append(lambda a=a, b=b, bias=bias: torch.addmm(bias, a, b))
    elif p['kind'] == 'gradX':
        a, w = torch.randn(m, k), torch.randn(n, k)
        ops.append(lambda a=a, w=w: a @ w.t())
    else:
        x, dy = torch.randn(k, m), torch.randn(k, n)
        ops.append(lambda x=x, dy=dy: x.t() @ dy)
def once():
    t0 = time.perf_counter()
    for op in ops: op()
    return (time.perf_counter() - t0) * 1000
for _ in range(5): once()
print(json.dumps({'torch': torch.__version__, 'ms': sorted(once() for _ in range(21))[10]}))
`;

function pytorchMs(products: Product[]): { ms: number; torch: string } {
  const r = spawnSync(values.python, ['-c', PYTORCH], { input: JSON.stringify(products), encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'] });
  if (r.status !== 0 || !r.stdout) throw new Error(`${values.python} with torch failed (exit ${r.status}): pass --python=PATH of a Python with torch`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; torch: string };
}

await useNodeWasm('matmul floor (Node)');
console.log(`load average before: ${loadavg()[0].toFixed(2)}; ${rounds} rounds, lab and PyTorch alternating`);
console.log('| config | lab step ms | lab kernels ms | lab products ms | products GFLOP/s | PyTorch products ms | products ratio |');
console.log('|---|---|---|---|---|---|---|');
for (const name of list(values.configs)) {
  const trainer = await createTrainer({ ...configFor(name), method: 'supervised', backend: 'wasm' });
  for (let s = 0; s < 3; s++) trainer.step(s).loss.dispose();
  const lab: { step: number; kernels: number; products: number }[] = [];
  const torch: number[] = [];
  let products: Product[] = [];
  let flops = 0;
  let version = '?';
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const { loss } = trainer.step(10 + s);
      if (s === steps - 1) await loss.data();
      loss.dispose();
    }
    const step = (performance.now() - t0) / steps;
    const info = await tf.profile(() => trainer.step(20 + r).loss.dispose());
    const linear = info.kernels.map((k) => ({ k, p: productOf(k.name, k.inputShapes) })).filter((x) => x.p !== null);
    products = linear.map((x) => x.p!);
    flops = products.reduce((a, p) => a + 2 * p.m * p.k * p.n, 0);
    const kernels = info.kernels.reduce((a, k) => a + (k.kernelTimeMs as number), 0);
    lab.push({ step, kernels, products: linear.reduce((a, x) => a + (x.k.kernelTimeMs as number), 0) });
    const t = pytorchMs(products);
    torch.push(t.ms);
    version = t.torch;
  }
  trainer.dispose();
  const labProducts = median(lab.map((l) => l.products));
  const torchProducts = median(torch);
  console.log(
    `| ${name} | ${median(lab.map((l) => l.step)).toFixed(1)} | ${median(lab.map((l) => l.kernels)).toFixed(1)} | ${labProducts.toFixed(1)} ` +
      `(${products.length} calls) | ${(flops / labProducts / 1e6).toFixed(1)} | ${torchProducts.toFixed(2)} (torch ${version}) | ${(labProducts / torchProducts).toFixed(2)}x |`,
  );
}
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
