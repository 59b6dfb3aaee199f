/**
 * The fused optimiser kernels (AdamW moments + parameter in place, sum of squares, clip scale,
 * EMA) against the composed tfjs ops, on each backend that has them: WebGPU (Dawn + SwiftShader;
 * src/engine/fused/webgpu/) and wasm (loops over the heap; src/engine/fused/wasm/optimizer.ts).
 * One suite, run once per backend; what differs between them is named in BACKENDS.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, withDecayRule, type AdamWOptions } from '../src/engine/optimizer';
import { setFusedKernels, useFused, useFusedOptimizer } from '../src/engine/fused/enabled';
import { FlopCounter } from '../src/engine/flops/counter';
import { copyVariables, emaUpdate } from '../src/methods/ema';
import { defaultConfig } from '../src/train/config';
import { createTrainer } from '../src/train/trainer';
import { useWasmBackend } from '../tooling/tfjsBackends';
import { setSimdWithFallbacks } from '../src/engine/fused/wasm/simd/instance';
import { relError, seeded, webgpuInNode } from './fusedHarness';

// Odd sizes: a single element, one past 256*7 (45x41 = 1845), 2000, and 9 tensors (two WebGPU sum-of-squares dispatches).
const SHAPES = [[1], [3, 5], [7], [45, 41], [13], [2000], [4, 4], [1, 33], [300]];
const STEPS = 20;

const BACKENDS = [
  // WebGPU sums the squares of 7 gradients per dispatch; wasm sums them all in one call.
  { backend: 'webgpu', setup: webgpuInNode, sumSquaresCalls: Math.ceil(SHAPES.length / 7) },
  { backend: 'wasm', setup: useWasmBackend, sumSquaresCalls: 1 },
] as const;

interface Run {
  params: Float32Array[];
  m: Float32Array[];
  v: Float32Array[];
  norms: number[];
  /** Optimiser FLOPs and kernel calls of each step. */
  flops: number[];
  calls: number[];
  kernels: Record<string, number>;
  tensors: number[];
  /** Whether every parameter kept its buffer (data id) from step 1 to the end: updated in place. */
  inPlace: boolean;
}

const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;

/** A variable holding `t`'s buffer alone (t is freed), as the models' parameters are. */
let variableId = 0;
function own(t: tf.Tensor, name: string, trainable = true): tf.Variable {
  const v = tf.variable(t, trainable, `${name}_${variableId++}`);
  t.dispose();
  return v;
}

async function runAdamW(fused: boolean, opts: AdamWOptions, midReads: boolean): Promise<Run> {
  setFusedKernels(fused);
  try {
    const vars = SHAPES.map((s, i) => own(seeded(s, 11 + i, 0.5), `opt_${i}`));
    const opt = new AdamW(withDecayRule(vars), opts);
    const counter = new FlopCounter();
    const run: Run = { params: [], m: [], v: [], norms: [], flops: [], calls: [], kernels: {}, tensors: [], inPlace: false };
    let ids: object[] = [];
    for (let s = 0; s < STEPS; s++) {
      const grads = SHAPES.map((shape, i) => seeded(shape, 1000 * s + i + 1, 2));
      counter.begin('optimizer');
      const norm = opt.step(grads, 1e-2 * (1 + 0.1 * s));
      const counts = counter.end();
      run.flops.push(counts.byPhase.optimizer);
      run.calls.push(Object.values(counts.calls).reduce((a, b) => a + b, 0));
      if (s === 2) run.kernels = counts.calls;
      run.norms.push((await norm.data())[0]);
      norm.dispose();
      tf.dispose(grads);
      run.tensors.push(tf.memory().numTensors);
      if (s === 0) ids = vars.map((x) => x.dataId);
      if (midReads && (s === 4 || s === 9)) {
        // Read values mid-run (tfjs-webgpu caches them on the CPU: an in-place write must drop
        // that cache) and take the moments out (the fused path unpacks, then packs again).
        await Promise.all(vars.map(read));
        const st = opt.state;
        await Promise.all([...st.m, ...st.v].map(read));
      }
    }
    run.inPlace = vars.every((x, i) => x.dataId === ids[i]);
    run.params = await Promise.all(vars.map(read));
    const { m, v } = opt.state;
    run.m = await Promise.all(m.map(read));
    run.v = await Promise.all(v.map(read));
    opt.dispose();
    tf.dispose(vars);
    return run;
  } finally {
    setFusedKernels(true);
  }
}

const base: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, clipNorm: 1 };

describe.each(BACKENDS)('fused optimiser kernels on $backend', ({ backend, setup, sumSquaresCalls }) => {
  beforeAll(async () => {
    await setup();
    await tf.setBackend(backend);
  });

  it(`runs on ${backend}: the fused optimiser is chosen, and the fused model kernels written for it`, () => {
    expect(tf.getBackend()).toBe(backend);
    expect(useFusedOptimizer()).toBe(true);
    expect(useFused('layerNorm')).toBe(true);
    expect(useFused('linear')).toBe(true);
    expect(useFused('gelu')).toBe(true);
    expect(useFused('attention')).toBe(true);
    expect(useFused('prependToken')).toBe(true);
    expect(useFused('crossEntropy')).toBe(true);
    expect(useFused('batchNorm')).toBe(backend === 'webgpu');
    setFusedKernels(false);
    expect(useFusedOptimizer()).toBe(false);
    expect(useFused('layerNorm')).toBe(false);
    setFusedKernels(true);
  });

  const cases: [string, Partial<AdamWOptions>][] = [
    ['clipping active, decay', {}],
    ['no clipping, no decay', { clipNorm: 0, weightDecay: 0 }],
    ['clip threshold above the norm, decay', { clipNorm: 1e6 }],
  ];
  for (const [what, o] of cases) {
    it(`AdamW matches the composed ops over ${STEPS} steps: ${what}`, async () => {
      const opts = { ...base, ...o };
      const fused = await runAdamW(true, opts, true);
      const composed = await runAdamW(false, opts, false);
      for (let i = 0; i < SHAPES.length; i++) {
        expect(fused.params[i].every(Number.isFinite)).toBe(true);
        expect(relError(fused.params[i], composed.params[i])).toBeLessThan(1e-5);
        expect(relError(fused.m[i], composed.m[i])).toBeLessThan(1e-5);
        expect(relError(fused.v[i], composed.v[i])).toBeLessThan(1e-5);
      }
      expect(fused.inPlace).toBe(true);
      expect(composed.inPlace).toBe(false);
      // The parameters moved (the comparison is not of two no-ops).
      const start = seeded(SHAPES[3], 14, 0.5);
      expect(relError(fused.params[3], await read(start))).toBeGreaterThan(1e-2);
      start.dispose();
      for (let s = 0; s < STEPS; s++) expect(Math.abs(fused.norms[s] - composed.norms[s]) / composed.norms[s]).toBeLessThan(1e-5);
      if (opts.clipNorm === 1) expect(Math.min(...composed.norms)).toBeGreaterThan(5); // clipping is active
      // Optimiser FLOPs agree within 1 % (the fused path counts a few scalar adds fewer).
      for (let s = 0; s < STEPS; s++) expect(Math.abs(fused.flops[s] / composed.flops[s] - 1)).toBeLessThan(0.01);
      // The sum-of-squares calls, sqrt, clip scale, then 2 kernels per parameter.
      expect(fused.kernels.FlopLabAdamWParam).toBe(SHAPES.length);
      expect(fused.kernels.FlopLabAdamWMoments).toBe(SHAPES.length);
      expect(fused.kernels.FlopLabSumSquares).toBe(sumSquaresCalls);
      expect(fused.calls[2]).toBe(2 * SHAPES.length + sumSquaresCalls + 1 + (opts.clipNorm > 0 ? 1 : 0));
      expect(fused.calls[2]).toBeLessThan(composed.calls[2] / 4);
      expect(fused.calls[0]).toBe(fused.calls[2]); // the moments are born packed: step 0 converts nothing
      // No tensor leaks from step to step (reads at 4 and 9 unpack the moments; the next step packs them).
      expect(new Set(fused.tensors.slice(10)).size).toBe(1);
      expect(new Set(fused.tensors.slice(1, 4)).size).toBe(1);
      expect(new Set(composed.tensors.slice(1)).size).toBe(1);
      // Packed moments: one [2, n] tensor per parameter where the composed path holds m and v.
      expect(fused.tensors[STEPS - 1]).toBe(composed.tensors[STEPS - 1] - SHAPES.length);
    });
  }

  it('AdamW restores a checkpoint of its moments into a fresh optimiser (packed from birth) and continues alike', async () => {
    const shapes = SHAPES.slice(0, 4);
    const make = () => shapes.map((sh, i) => own(seeded(sh, 31 + i, 0.5), `opt_restore_${i}`));
    const grads = (s: number) => shapes.map((sh, i) => seeded(sh, 500 * s + i + 1, 2));
    const stepAll = (opt: AdamW, s: number) => {
      const g = grads(s);
      opt.step(g, 1e-2).dispose();
      tf.dispose(g);
    };
    const a = make();
    const optA = new AdamW(withDecayRule(a), base);
    for (let s = 0; s < 5; s++) stepAll(optA, s);
    // A checkpoint: values read back (as trainer.snapshot does), then put into a fresh run.
    const st = optA.state;
    const m = await Promise.all(st.m.map(read));
    const v = await Promise.all(st.v.map(read));
    const b = make();
    b.forEach((x, i) => x.assign(a[i]));
    const optB = new AdamW(withDecayRule(b), base);
    tf.tidy(() =>
      optB.restore(
        st.t,
        m.map((d, i) => tf.tensor(d, shapes[i])),
        v.map((d, i) => tf.tensor(d, shapes[i])),
      ),
    );
    for (let s = 5; s < 10; s++) {
      stepAll(optA, s);
      stepAll(optB, s);
    }
    for (let i = 0; i < shapes.length; i++) expect(await read(b[i])).toEqual(await read(a[i]));
    optA.dispose();
    optB.dispose();
    tf.dispose([...a, ...b]);
  });

  it('AdamW writes into a new tensor when the parameter shares its buffer', async () => {
    const p = own(seeded([5, 3], 3), 'opt_shared_p');
    const alias = tf.reshape(p, [15]); // shares p's data id: refCount 2
    const before = (await read(alias)).slice();
    const opt = new AdamW(withDecayRule([p]), base);
    const grads = [seeded([5, 3], 4)];
    opt.step(grads, 0.1).dispose();
    expect(await read(alias)).toEqual(before); // the alias is untouched
    expect(relError(await read(p), before)).toBeGreaterThan(1e-3); // p moved
    tf.dispose([alias, ...grads]);
    opt.dispose();
    p.dispose();
  });

  it('EMA matches the composed update, counts the same FLOPs, in one in-place kernel per tensor', async () => {
    const results: { values: Float32Array[]; flops: number; calls: Record<string, number>; inPlace: boolean }[] = [];
    for (const fused of [true, false]) {
      setFusedKernels(fused);
      const online = SHAPES.map((s, i) => own(seeded(s, 50 + i), `ema_online_${i}`));
      const teacher = SHAPES.map((s, i) => own(tf.zeros(s), `ema_teacher_${i}`, false));
      copyVariables(teacher, online); // teacher shares the online buffers: the first update must not write them
      const counter = new FlopCounter();
      let flops = 0;
      let calls: Record<string, number> = {};
      let ids: object[] = [];
      const before = tf.memory().numTensors;
      for (let s = 0; s < 10; s++) {
        counter.begin('optimizer');
        emaUpdate(teacher, online, 0.9 + 0.005 * s);
        const c = counter.end();
        flops = c.total;
        calls = c.calls;
        if (s === 1) ids = teacher.map((t) => t.dataId);
        tf.tidy(() => online.forEach((o, i) => o.assign(tf.add(o, seeded(SHAPES[i], 7 * s + i, 0.3)))));
      }
      expect(tf.memory().numTensors).toBe(before);
      results.push({ values: await Promise.all([...teacher, ...online].map(read)), flops, calls, inPlace: teacher.every((t, i) => t.dataId === ids[i]) });
      tf.dispose([...online, ...teacher]);
    }
    setFusedKernels(true);
    const [fused, composed] = results;
    fused.values.forEach((v, i) => expect(relError(v, composed.values[i])).toBeLessThan(1e-5));
    expect(fused.flops).toBe(composed.flops);
    expect(fused.calls).toEqual({ FlopLabEma: SHAPES.length });
    expect(fused.inPlace).toBe(true);
  });
});

describe('fused AdamW on wasm only', () => {
  beforeAll(async () => {
    await useWasmBackend();
    await tf.setBackend('wasm');
  });

  for (const [what, o, exact] of [
    ['no clipping, no decay', { clipNorm: 0, weightDecay: 0 }, true],
    ['clip threshold above the norm, decay', { clipNorm: 1e6 }, true],
    ['clipping active, decay', {}, false],
  ] as [string, Partial<AdamWOptions>, boolean][])
    it(`the SIMD kernels give the TypeScript loops' floats (${what})`, async () => {
      // Bit for bit where the clip scale is 1; with clipping active the norm's 8 partial sums
      // (another order than the loop's) move the scale, and so everything, by an ulp or so.
      const runs: Run[] = [];
      for (const simd of [false, true]) {
        setSimdWithFallbacks(simd);
        runs.push(await runAdamW(true, { ...base, ...o }, false));
      }
      setSimdWithFallbacks(undefined);
      const [loops, simd] = runs;
      for (let i = 0; i < SHAPES.length; i++)
        for (const key of ['params', 'm', 'v'] as const) {
          if (exact) expect(simd[key][i]).toEqual(loops[key][i]);
          else expect(relError(simd[key][i], loops[key][i])).toBeLessThan(1e-6);
        }
      for (let s = 0; s < STEPS; s++) expect(Math.abs(simd.norms[s] / loops.norms[s] - 1)).toBeLessThan(1e-6);
      expect(simd.flops).toEqual(loops.flops);
    });

  it('a weight updated in place is multiplied by its new values (XNNPACK drops its packed copy)', async () => {
    // x [4, 45] @ w [45, 41]: untransposed batch-1, so tfjs-wasm runs XNNPACK and caches the
    // operator (with w packed) by w's tensor id; the in-place update keeps that id.
    const w = own(seeded([45, 41], 5, 0.5), 'wopt_xnn_w');
    const x = seeded([4, 45], 6);
    tf.matMul(x, w).dispose(); // creates the cached operator
    const opt = new AdamW(withDecayRule([w]), base);
    const id = w.dataId;
    const grads = [seeded([45, 41], 7)];
    opt.step(grads, 0.1).dispose();
    expect(w.dataId).toBe(id); // in place
    const fresh = tf.tensor(await read(w), [45, 41]); // same values, a new id (no cached operator)
    const got = tf.matMul(x, w);
    const want = tf.matMul(x, fresh);
    expect(await read(got)).toEqual(await read(want));
    tf.dispose([x, fresh, got, want, ...grads]);
    opt.dispose();
    w.dispose();
  });
});

describe('a training step on WebGPU', () => {
  beforeAll(async () => {
    await webgpuInNode();
    await tf.setBackend('webgpu');
  });

  it('runs the optimiser in a few kernels, with the same counted FLOPs', async () => {
    const out: { calls: number; params: number; flops: number; loss: number }[] = [];
    for (const fused of [true, false]) {
      setFusedKernels(fused);
      const trainer = await createTrainer(
        defaultConfig({
          model: 'tiny',
          batchSize: 4,
          steps: 3,
          backend: 'webgpu',
          dataset: { size: 64 },
          probe: { trainSize: 16, testSize: 8, dense: false },
          engine: { fused },
        }),
      );
      let calls = 0;
      let params = 0;
      let flops = 0;
      let loss = 0;
      for (let s = 0; s < 3; s++) {
        const trace: [string, string][] = [];
        trainer.counter.trace = trace;
        const r = trainer.step(s);
        trainer.counter.trace = null;
        loss = (await r.loss.data())[0];
        r.loss.dispose();
        const opt = trace.filter(([, c]) => c === 'optimizer');
        calls = opt.length;
        params = opt.filter(([k]) => k === 'FlopLabAdamWParam').length;
        flops = r.counts.byPhase.optimizer;
      }
      trainer.dispose();
      out.push({ calls, params, flops, loss });
    }
    setFusedKernels(true);
    const [fused, composed] = out;
    expect(Number.isFinite(fused.loss)).toBe(true);
    expect(Math.abs(fused.loss - composed.loss) / Math.abs(composed.loss)).toBeLessThan(1e-3);
    expect(Math.abs(fused.flops / composed.flops - 1)).toBeLessThan(0.01);
    // ceil(P/7) sum-of-squares dispatches, sqrt, clip scale, 2 per parameter.
    expect(fused.params).toBeGreaterThan(10);
    expect(fused.calls).toBe(2 * fused.params + Math.ceil(fused.params / 7) + 2);
    expect(fused.calls).toBeLessThan(composed.calls / 4);
  }, 120_000);
});
