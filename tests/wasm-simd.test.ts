/**
 * The compiled SIMD kernels (src/engine/fused/wasm/simd/): binary.ts is the current compilation
 * of kernels.wat, both binaries (plain and shared memory) instantiate against a memory of their
 * kind, and no kernel writes outside its output, tails (sizes not a multiple of 4) included.
 * The products (Linear's, the attention's mix) bit for bit against float32 sums in the kernels'
 * order: tests/wasm-simd-products.test.ts; the others' values against the composed ops: tests/fused-gelu.test.ts and fused-attention.test.ts;
 * the optimiser kernels against the TypeScript loops: fused-optimizer.test.ts and
 * wasm-simd-reductions.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BINARY_PATH, binaryModuleSource, expandEach } from '../tooling/simdWat';
import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_PLAIN_FMA, SIMD_KERNELS_SHARED, SIMD_KERNELS_SHARED_FMA } from '../src/engine/fused/wasm/simd/binary';
import { enableRelaxedSimd } from '../tooling/tfjsBackends';
import { heap, instantiate, SENTINEL } from './simdHeap';

const gelu64 = (x: number) => {
  // Phi from the complementary error function by its continued fraction (|x| > 0) and series; plenty for 1e-6.
  const erf = (z: number) => {
    let sum = 0;
    let term = z;
    for (let n = 0; n < 100; n++) {
      sum += term / (2 * n + 1);
      term *= (-z * z) / (n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  };
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
};

describe('wasm SIMD kernels', () => {
  it('binary.ts is the current compilation of kernels.wat (else: npx tsx scripts/build-simd.ts)', async () => {
    expect(readFileSync(BINARY_PATH, 'utf8')).toBe(await binaryModuleSource());
  });

  enableRelaxedSimd(); // the fused modules validate in Node 20 only with it
  const plain = () => new WebAssembly.Memory({ initial: 1 });
  const shared = () => new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const memories = [
    { kind: 'plain', b64: SIMD_KERNELS_PLAIN, memory: plain },
    { kind: 'shared', b64: SIMD_KERNELS_SHARED, memory: shared },
    { kind: 'plain (fused multiply-add)', b64: SIMD_KERNELS_PLAIN_FMA, memory: plain },
    { kind: 'shared (fused multiply-add)', b64: SIMD_KERNELS_SHARED_FMA, memory: shared },
  ];
  for (const m of memories) {
    it(`instantiates on ${m.kind} memory; GELU on 7 values writes exactly 7, to 1e-6`, () => {
      const memory = m.memory();
      const k = instantiate(m.b64, memory);
      const h = heap(memory);
      const xs = [-3, -1, -0.5, 0, 0.25, 1.5, 4];
      const x = h.alloc(xs);
      const out = h.alloc(xs.length);
      k.gelu(4 * x, 4 * out, xs.length);
      xs.forEach((v, i) => expect(Math.abs(h.f[out + i] - gelu64(v)), `gelu(${v})`).toBeLessThan(1e-6));
      expect(h.f[out + xs.length]).toBe(SENTINEL);
      expect(h.f[out - 1]).toBe(SENTINEL);
    });
  }

  it('the attention kernels write their outputs and nothing past them (T = 5, dh = 3: both tails)', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const k = instantiate(SIMD_KERNELS_PLAIN, memory);
    const h = heap(memory);
    const [B, T, H, dh] = [2, 5, 2, 3];
    const D = H * dh;
    const rows = B * T;
    const model = (s: number) => Array.from({ length: rows * D }, (_, i) => Math.sin(i * 0.7 + s));
    const [q, kk, v] = [h.alloc(model(1)), h.alloc(model(2)), h.alloc(model(3))];
    const scores = B * H * T * T;
    const scratch = h.alloc(dh * 8);
    const probs = h.alloc(scores);
    k.attnProbs(4 * q, 4 * kk, 4 * probs, 4 * scratch, B, T, H, dh, 1 / Math.sqrt(dh), 1);
    expect(h.f[probs + scores]).toBe(SENTINEL);
    // Each row sums to 1, and the causal mask zeroes the keys after the query.
    for (let r = 0; r < B * H * T; r++) {
      const row = Array.from(h.f.subarray(probs + r * T, probs + (r + 1) * T));
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
      row.forEach((p, j) => (j > r % T ? expect(p).toBe(0) : expect(p).toBeGreaterThan(0)));
    }
    // One probability by hand: row (b=1, h=1, i=2), against q_i . k_j / sqrt(dh) over j <= 2.
    const dot = (i: number, j: number) => [0, 1, 2].reduce((a, c) => a + h.f[q + (T + i) * D + dh + c] * h.f[kk + (T + j) * D + dh + c], 0) / Math.sqrt(dh);
    const e = [0, 1, 2].map((j) => Math.exp(dot(2, j)));
    expect(h.f[probs + (3 * T + 2) * T + 1]).toBeCloseTo(e[1] / (e[0] + e[1] + e[2]), 6);
    const ctx = h.alloc(rows * D);
    k.attnMix(4 * probs, 4 * v, 4 * ctx, B, T, H, dh, 0);
    expect(h.f[ctx + rows * D]).toBe(SENTINEL);
    // Context of (b=0, i=0, head 0, column 2): only key 0 is visible, so it is v[0, 2].
    expect(h.f[ctx + 2]).toBeCloseTo(h.f[v + 2], 6);
    const dp = h.alloc(scores);
    k.attnGradProbs(4 * ctx, 4 * v, 4 * dp, 4 * scratch, B, T, H, dh);
    expect(h.f[dp + scores]).toBe(SENTINEL);
    const ds = h.alloc(scores);
    k.attnGradScores(4 * dp, 4 * probs, 4 * ds, B * H * T, T, 0.5);
    expect(h.f[ds + scores]).toBe(SENTINEL);
    // dS sums to 0 along each row (the softmax backward removes the row's mean direction).
    for (let r = 0; r < B * H * T; r++) expect(Math.abs(h.f.subarray(ds + r * T, ds + (r + 1) * T).reduce((a, b) => a + b, 0))).toBeLessThan(1e-5);
    expect(h.f[scratch + dh * 8]).toBe(SENTINEL);
  });

  it('GELU and its gradient on n floats (1..40: passes of 16, partial passes) give each float what it gets alone, bit for bit, and write n', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const k = instantiate(SIMD_KERNELS_PLAIN, memory);
    const h = heap(memory);
    const xs = Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.3) * 5); // +-5: both clamps of the erf fit
    const dys = Array.from({ length: 40 }, (_, i) => Math.cos(i * 0.9));
    const [x, dy, one, alone] = [h.alloc(xs), h.alloc(dys), h.alloc(1), h.alloc(1)];
    const own = xs.map((v) => {
      h.f[one] = v;
      k.gelu(4 * one, 4 * alone, 1);
      return h.f[alone];
    });
    for (let n = 1; n <= 40; n++) {
      const out = h.alloc(n);
      k.gelu(4 * x, 4 * out, n);
      expect(Array.from(h.f.subarray(out, out + n)), `gelu, n = ${n}`).toEqual(own.slice(0, n));
      expect(h.f[out + n]).toBe(SENTINEL);
    }
    const ownGrad = xs.map((v, i) => {
      const [d1, x1, o1] = [h.alloc([dys[i]]), h.alloc([v]), h.alloc(1)];
      k.geluGrad(4 * d1, 4 * x1, 4 * o1, 1);
      return h.f[o1];
    });
    for (let n = 1; n <= 40; n++) {
      const out = h.alloc(n);
      k.geluGrad(4 * dy, 4 * x, 4 * out, n);
      expect(Array.from(h.f.subarray(out, out + n)), `geluGrad, n = ${n}`).toEqual(ownGrad.slice(0, n));
      expect(h.f[out + n]).toBe(SENTINEL);
    }
  });

  it("the attention probabilities of B x H heads (T = 7: a partial group of rows) are each head's own, bit for bit", () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const k = instantiate(SIMD_KERNELS_PLAIN, memory);
    const h = heap(memory);
    const [B, T, H, dh] = [3, 7, 2, 5];
    const D = H * dh;
    const model = (s: number) => Array.from({ length: B * T * D }, (_, i) => Math.sin(i * 0.37 + s) * 3);
    const [qv, kv] = [model(1), model(2)];
    const [q, kk, scratch, probs] = [h.alloc(qv), h.alloc(kv), h.alloc(dh * 8), h.alloc(B * H * T * T)];
    for (const causal of [0, 1]) {
      k.attnProbs(4 * q, 4 * kk, 4 * probs, 4 * scratch, B, T, H, dh, 0.4, causal);
      expect(h.f[probs + B * H * T * T]).toBe(SENTINEL);
      for (let b = 0; b < B; b++)
        for (let hh = 0; hh < H; hh++) {
          const head = (m: number[]) => Array.from({ length: T * dh }, (_, i) => m[(b * T + Math.floor(i / dh)) * D + hh * dh + (i % dh)]);
          const [q1, k1, p1] = [h.alloc(head(qv)), h.alloc(head(kv)), h.alloc(T * T)];
          k.attnProbs(4 * q1, 4 * k1, 4 * p1, 4 * scratch, 1, T, 1, dh, 0.4, causal);
          const at = probs + (b * H + hh) * T * T;
          expect(Array.from(h.f.subarray(at, at + T * T)), `b ${b}, h ${hh}, causal ${causal}`).toEqual(Array.from(h.f.subarray(p1, p1 + T * T)));
        }
    }
  });

  it('LayerNorm, its statistics and dx on 1..9 rows (groups of four side by side; a last group of fewer re-reads the last row and writes only its own) give each row what it gets alone, bit for bit (d = 48, and 7: a tail)', () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const k = instantiate(SIMD_KERNELS_PLAIN, memory);
    for (const d of [48, 7]) {
      const h = heap(memory);
      const rows = 9;
      const xs = Array.from({ length: rows * d }, (_, i) => Math.sin(i * 0.37) * 2 + (i % 5) * 0.1);
      const dys = Array.from({ length: rows * d }, (_, i) => Math.cos(i * 0.23));
      const [gamma, beta] = [h.alloc(Array.from({ length: d }, (_, i) => 1 + i * 0.03)), h.alloc(Array.from({ length: d }, (_, i) => i * 0.01 - 0.2))];
      const [x, dy] = [h.alloc(xs), h.alloc(dys)];
      // Each row alone: its y, its stats and its dx, one row per call.
      const alone = { y: [] as number[], stats: [] as number[], dx: [] as number[] };
      const [y1, s1, dx1] = [h.alloc(d), h.alloc(2), h.alloc(d)];
      for (let r = 0; r < rows; r++) {
        k.layerNorm(4 * (x + r * d), 4 * gamma, 4 * beta, 4 * y1, 1, d, 1e-6);
        k.layerNormStats(4 * (x + r * d), 4 * s1, 1, d, 1e-6);
        k.layerNormGradX(4 * (dy + r * d), 4 * (x + r * d), 4 * gamma, 4 * s1, 4 * dx1, 1, d);
        alone.y.push(...h.f.subarray(y1, y1 + d));
        alone.stats.push(...h.f.subarray(s1, s1 + 2));
        alone.dx.push(...h.f.subarray(dx1, dx1 + d));
      }
      for (let n = 1; n <= rows; n++) {
        const [y, stats, dx] = [h.alloc(n * d), h.alloc(2 * n), h.alloc(n * d)];
        k.layerNorm(4 * x, 4 * gamma, 4 * beta, 4 * y, n, d, 1e-6);
        k.layerNormStats(4 * x, 4 * stats, n, d, 1e-6);
        k.layerNormGradX(4 * dy, 4 * x, 4 * gamma, 4 * stats, 4 * dx, n, d);
        expect(Array.from(h.f.subarray(y, y + n * d)), `layerNorm, ${n} rows of ${d}`).toEqual(alone.y.slice(0, n * d));
        expect(Array.from(h.f.subarray(stats, stats + 2 * n)), `layerNormStats, ${n} rows of ${d}`).toEqual(alone.stats.slice(0, 2 * n));
        expect(Array.from(h.f.subarray(dx, dx + n * d)), `layerNormGradX, ${n} rows of ${d}`).toEqual(alone.dx.slice(0, n * d));
        for (const [at, len] of [
          [y, n * d],
          [stats, 2 * n],
          [dx, n * d],
        ])
          expect(h.f[at + len]).toBe(SENTINEL);
      }
    }
  });

  it('attnGradScores bit for bit as float32 row sums in order, then P (dP - sum) scale (7 rows: a group of 4 and 3 alone; T = 5, 6)', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const k = instantiate(SIMD_KERNELS_PLAIN, memory);
    const f = Math.fround;
    for (const T of [5, 6]) {
      const h = heap(memory);
      const rows = 7;
      const dpv = Array.from({ length: rows * T }, (_, i) => f(Math.sin(i * 1.1)));
      const pv = Array.from({ length: rows * T }, (_, i) => f(Math.abs(Math.cos(i * 0.4)) / T));
      const [dp, pp, out] = [h.alloc(dpv), h.alloc(pv), h.alloc(rows * T)];
      k.attnGradScores(4 * dp, 4 * pp, 4 * out, rows, T, 0.25);
      expect(h.f[out + rows * T]).toBe(SENTINEL);
      const expected: number[] = [];
      for (let r = 0; r < rows; r++) {
        let acc = 0;
        for (let j = 0; j < T; j++) acc = f(acc + f(dpv[r * T + j] * pv[r * T + j]));
        for (let j = 0; j < T; j++) expected.push(f(f(pv[r * T + j] * f(dpv[r * T + j] - acc)) * 0.25));
      }
      expect(Array.from(h.f.subarray(out, out + rows * T)), `T ${T}`).toEqual(expected);
    }
  });

  it('@each writes a block once per stream, line by line, with names and fields substituted', () => {
    const text = [
      '  ;; @each a=0/4 b=16/8',
      '  ;; a comment',
      '  (local.set $x# (i32.const %1))',
      '  (call $f (i32.const %2) (local.get $x#))',
      '  ;; @end',
      'after',
    ].join('\n');
    expect(expandEach(text).split('\n')).toEqual([
      '  ;; (expanded: a=0/4 b=16/8)',
      '  ;; a comment',
      '  (local.set $xa (i32.const 0))',
      '  (local.set $xb (i32.const 16))',
      '  (call $f (i32.const 4) (local.get $xa))',
      '  (call $f (i32.const 8) (local.get $xb))',
      'after',
    ]);
    expect(() => expandEach('  ;; @each a=1\n  (i32.const %2)\n  ;; @end')).toThrow(/no field 2/);
    expect(() => expandEach('  ;; @each a b\n  ;; @each c\n  ;; @end')).toThrow(/do not nest/);
  });

  it('the optimiser kernels and the column sum read and write their n values and no more (tails of 1 to 3)', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const k = instantiate(SIMD_KERNELS_PLAIN, memory);
    const h = heap(memory);
    const vals = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.fround(Math.cos(i * 1.3 + s)));
    for (const n of [1, 2, 3, 4, 5, 11]) {
      const x = vals(n, n);
      // Squares of the n values only (a sentinel read would add 777^2).
      expect(k.sumSquares(4 * h.alloc(x), n)).toBeCloseTo(
        x.reduce((a, b) => a + b * b, 0),
        5,
      );
      const g = h.alloc(x);
      const mv = h.alloc([...vals(n, 2), ...vals(n, 3).map(Math.abs)]);
      k.adamwMoments(4 * g, 4 * mv, 4 * mv, n, 0.5, 0.9, Math.fround(0.1), 0.999, Math.fround(1 - 0.999)); // in place
      expect(h.f[mv + 2 * n]).toBe(SENTINEL);
      expect(h.f[mv]).toBe(Math.fround(Math.fround(vals(n, 2)[0] * Math.fround(0.9)) + Math.fround(Math.fround(x[0] * 0.5) * Math.fround(0.1))));
      const p = h.alloc(vals(n, 4));
      const out = h.alloc(n);
      k.adamwParam(4 * p, 4 * mv, 4 * out, n, 0.01, 0.1, 0.001, 1e-8, 0.0005, 1);
      expect(h.f[out + n]).toBe(SENTINEL);
      expect(h.f.subarray(out, out + n).every(Number.isFinite)).toBe(true);
      const t = h.alloc(vals(n, 5));
      const emaOut = h.alloc(n);
      k.ema(4 * t, 4 * g, 4 * emaOut, n, 0.75, 0.25);
      expect(h.f[emaOut + n]).toBe(SENTINEL);
      expect(h.f[emaOut + n - 1]).toBe(Math.fround(Math.fround(h.f[t + n - 1] * 0.75) + Math.fround(h.f[g + n - 1] * 0.25)));
      const rows = 3;
      const m = h.alloc(vals(rows * n, 6));
      const sums = h.alloc(n);
      k.columnSum(4 * m, 4 * sums, rows, n);
      expect(h.f[sums + n]).toBe(SENTINEL);
      const col = n - 1;
      expect(h.f[sums + col]).toBe(Math.fround(Math.fround(h.f[m + col] + h.f[m + n + col]) + h.f[m + 2 * n + col]));
    }
  });
});
