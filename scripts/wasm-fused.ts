/**
 * The wasm fused model kernels, with and without (issue 21): ms per training step in Node on
 * tfjs-wasm for each method, alternating four variants round by round on one trainer:
 * the model ops composed; the ops of WASM_FUSED_OPS (src/engine/fused/enabled.ts) but the
 * compiled SIMD ones (SIMD_FUSED_OPS) fused; all of them with Linear's products on wasm's own
 * matmul (XNNPACK); and all of them with Linear's SIMD kernel. The first two run the kernels
 * that keep a fallback (LayerNorm, the optimiser, Sum over leading axes) without SIMD too
 * (setSimdWithFallbacks), so they are the lab without any compiled kernel; the optimiser is
 * fused in all four. Prints the medians, the kernel calls and the counted FLOPs per step of each.
 * Node has no page or worker around it, so its ms/step differ from the
 * page's (`npm run bench`); the difference between the variants is what this measures.
 *
 *   npx tsx scripts/wasm-fused.ts                                # supervised, toy-B, batch 32
 *   npx tsx scripts/wasm-fused.ts --methods=supervised,mae --rounds=6 --steps=15
 */
import './help';
import { loadavg } from 'node:os';
import { createTrainer } from '../src/train/trainer';
import { useNodeWasm } from '../tooling/nodeWasm';
import { setWasmFusedOps, SIMD_FUSED_OPS, WASM_FUSED_OPS, type FusedOp } from '../src/engine/fused/enabled';
import { setSimdWithFallbacks } from '../src/engine/fused/wasm/simd/instance';
import { setSimdLinear } from '../src/engine/fused/wasm/linear';
import { median } from '../src/lib/stats';
import { cliFlags, intFlag, methodList } from '../tooling/args';

const { values } = cliFlags({
  methods: { type: 'string', default: 'supervised' },
  rounds: { type: 'string', default: '6' },
  steps: { type: 'string', default: '15' },
});
const methods = methodList(values.methods);
const rounds = intFlag('rounds', values.rounds, 1);
const steps = intFlag('steps', values.steps, 1);
// Composed; the TypeScript-loop and XNNPACK kernels alone; and those with the compiled SIMD ones.
const withoutSimd = WASM_FUSED_OPS.filter((op) => !SIMD_FUSED_OPS.includes(op));
// The third variant is the fourth with Linear's products on wasm's own matmul (XNNPACK) instead of the SIMD kernel.
const variants: [string, readonly FusedOp[], boolean, boolean][] = [
  ['composed', [], false, false],
  [`${withoutSimd.join('+')} (no SIMD)`, withoutSimd, false, false],
  [`${WASM_FUSED_OPS.join('+')} (SIMD, Linear on XNNPACK)`, WASM_FUSED_OPS, true, false],
  [`${WASM_FUSED_OPS.join('+')} (SIMD)`, WASM_FUSED_OPS, true, true],
];

await useNodeWasm('wasm fused kernels (Node)');
console.log(`load average before: ${loadavg()[0].toFixed(2)}; ${rounds} rounds of ${steps} steps per variant, alternating`);
console.log('| method | model ops | ms/step (median) | range | kernel calls/step | FLOPs/step |');
console.log('|---|---|---|---|---|---|');
for (const method of methods) {
  const trainer = await createTrainer({ method, backend: 'wasm' });
  const ms = new Map<string, number[]>();
  const seen = new Map<string, { calls: number; flops: number }>();
  for (let r = 0; r < rounds; r++)
    for (const [name, ops, simd, simdLinear] of variants) {
      setWasmFusedOps(ops);
      setSimdWithFallbacks(simd);
      setSimdLinear(simdLinear);
      for (let s = 0; s < 3; s++) trainer.step(s).loss.dispose(); // warm-up after the switch
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) {
        const { loss, counts } = trainer.step(s);
        if (s === steps - 1) {
          await loss.data();
          seen.set(name, { calls: Object.values(counts.calls).reduce((a, b) => a + b, 0), flops: counts.total });
        }
        loss.dispose();
      }
      ms.set(name, [...(ms.get(name) ?? []), (performance.now() - t0) / steps]);
    }
  for (const [name] of variants) {
    const xs = ms.get(name)!;
    const { calls, flops } = seen.get(name)!;
    console.log(`| ${method} | ${name} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)} | ${calls} | ${flops} |`);
  }
  trainer.dispose();
  setWasmFusedOps(WASM_FUSED_OPS);
  setSimdWithFallbacks(undefined);
  setSimdLinear(true);
}
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
