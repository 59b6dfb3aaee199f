/**
 * The compiled SIMD kernels' products (Linear's three, the attention's mix) bit for bit against
 * float32 sums in the kernels' order, in both forms of the module: multiply then add (two
 * roundings a product, WebAssembly SIMD) and fused (one rounding: relaxed SIMD's
 * f32x4.relaxed_madd on a CPU with FMA, as V8 runs it on x86-64 and ARM64); and the build's
 * lowering of the kernels' f32x4.madd pseudo-instruction (tooling/simdWat.ts).
 */
import { describe, expect, it } from 'vitest';
import { lowerMadd } from '../tooling/simdWat';
import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_PLAIN_FMA } from '../src/engine/fused/wasm/simd/binary';
import { enableRelaxedSimd } from '../tooling/tfjsBackends';
import { heap, instantiate, SENTINEL } from './simdHeap';
import { FORMS, fma32, mulAdd32 } from './float32';

enableRelaxedSimd(); // Node 20 validates the fused module only with it

const f = Math.fround;

describe('f32x4.madd: the float32 emulations', () => {
  it("round once (fused) or twice, and break a double-rounding tie by the sum's error", () => {
    // (1 + 2^-12)^2 - (1 + 2^-11) = 2^-24: exact when fused, 0 when the product rounds first.
    expect(fma32(1 + 2 ** -12, 1 + 2 ** -12, -(1 + 2 ** -11))).toBe(2 ** -24);
    expect(mulAdd32(1 + 2 ** -12, 1 + 2 ** -12, -(1 + 2 ** -11))).toBe(0);
    // (8 + 2^-20)(8 - 2^-20) = 64 - 2^-40; plus 2^30 + 128 it is just below the tie 2^30 + 192,
    // which the double sum lands on (rounding it again would give the even 2^30 + 256).
    const [x, y, z] = [8 + 2 ** -20, 8 - 2 ** -20, 2 ** 30 + 128];
    expect(f(x * y + z)).toBe(2 ** 30 + 256);
    expect(fma32(x, y, z)).toBe(2 ** 30 + 128);
    expect(fma32(-x, y, -z)).toBe(-(2 ** 30 + 128));
  });

  it('the fused module computes fma32 on those cases, the other multiply then add (Linear, 1 x 1 x 1 with bias z)', () => {
    for (const [x, y, z] of [
      [1 + 2 ** -12, 1 + 2 ** -12, -(1 + 2 ** -11)],
      [8 + 2 ** -20, 8 - 2 ** -20, 2 ** 30 + 128],
    ]) {
      for (const [b64, want] of [
        [SIMD_KERNELS_PLAIN_FMA, fma32(x, y, z)],
        [SIMD_KERNELS_PLAIN, mulAdd32(x, y, z)],
      ] as const) {
        const memory = new WebAssembly.Memory({ initial: 1 });
        const k = instantiate(b64, memory);
        const h = heap(memory);
        const [a, w, bias, c, panel] = [h.alloc([x]), h.alloc([y]), h.alloc([z]), h.alloc(1), h.alloc(8)];
        k.linear(4 * a, 4, 4, 4 * w, 4 * bias, 1, 4 * c, 1, 1, 1, 4 * panel, 0);
        expect(h.f[c]).toBe(want);
      }
    }
  });
});

describe.each(FORMS)('the SIMD products, $name', ({ name, b64, madd }) => {
  it(`attnMix bit for bit as float32 sums over s in order, ${name} (dh = 16, 19, 20, 35: passes of 16 columns, quads, tails), M read plain or transposed`, () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const k = instantiate(b64, memory);
    const f = Math.fround;
    for (const dh of [16, 19, 20, 35])
      for (const transposed of [0, 1]) {
        const h = heap(memory);
        const [B, T, H] = [2, 5, 2];
        const D = H * dh;
        const yv = Array.from({ length: B * T * D }, (_, i) => f(Math.sin(i * 0.77) * 2));
        const mv = Array.from({ length: B * H * T * T }, (_, i) => f(Math.cos(i * 0.31)));
        const [y, m, out] = [h.alloc(yv), h.alloc(mv), h.alloc(B * T * D)];
        k.attnMix(4 * m, 4 * y, 4 * out, B, T, H, dh, transposed);
        expect(h.f[out + B * T * D]).toBe(SENTINEL);
        const expected: number[] = [];
        for (let b = 0; b < B; b++)
          for (let r = 0; r < T; r++)
            for (let hh = 0; hh < H; hh++)
              for (let c = 0; c < dh; c++) {
                let acc = 0;
                for (let s2 = 0; s2 < T; s2++) {
                  const at = (b * H + hh) * T * T + (transposed ? s2 * T + r : r * T + s2);
                  acc = madd(mv[at], yv[(b * T + s2) * D + hh * dh + c], acc);
                }
                expected.push(acc);
              }
        expect(Array.from(h.f.subarray(out, out + B * T * D)), `dh ${dh}, transposed ${transposed}`).toEqual(expected);
      }
  });

  /**
   * C = A B (+ bias) in float32 as the kernel defines it: bias (or 0), then each product added
   * in p order by `madd`. A(i, p) = a[i * ai + p * ap].
   */
  function linear32(a: Float32Array, ai: number, ap: number, b: ArrayLike<number>, bias: ArrayLike<number> | null, m: number, n: number, p: number): number[] {
    const c: number[] = [];
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = bias ? bias[j] : 0;
        for (let q = 0; q < p; q++) s = madd(a[i * ai + q * ap], b[q * n + j], s);
        c.push(s);
      }
    return c;
  }

  it(`linear: x W + b, x^T dy and dy W^T (after transpose) bit for bit as float32 sums in order, ${name}, writing nothing past C`, () => {
    const memory = new WebAssembly.Memory({ initial: 8 });
    const k = instantiate(b64, memory);
    const h = heap(memory);
    const vals = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 0.37 + s) * 2));
    // Rows and columns off the 4 x 8 blocks (1, 3, 5 rows; 1, 5, 8, 13, 17 columns), P from 0; P
    // taken in chunks that cut it every way (1 row at a time, 7, 64 as x^T dy runs, more than P;
    // 517 = 8 x 64 + 5 and 300 = 4 x 64 + 44 leave a short last chunk).
    for (const [M, K, N] of [
      [1, 1, 1],
      [3, 4, 5],
      [5, 7, 13],
      [9, 16, 8],
      [6, 0, 17],
      [517, 5, 13],
      [7, 300, 9],
    ]) {
      const x = h.alloc(vals(M * K, M));
      const w = h.alloc(vals(K * N, K));
      const bias = h.alloc(vals(N, N));
      const panel = h.alloc(8 * Math.max(M, K, N));
      const xs = h.f.subarray(x, x + M * K);
      // Forward with and without the bias.
      for (const withBias of [true, false])
        for (const chunk of [0, 7, 64]) {
          const y = h.alloc(M * N);
          k.linear(4 * x, 4 * K, 4, 4 * w, 4 * bias, withBias ? 1 : 0, 4 * y, M, N, K, 4 * panel, chunk);
          const want = linear32(xs, K, 1, h.f.subarray(w, w + K * N), withBias ? h.f.subarray(bias, bias + N) : null, M, N, K);
          expect(Array.from(h.f.subarray(y, y + M * N)), `x W, ${M}x${K}x${N}${withBias ? ' + b' : ''}, chunk ${chunk}`).toEqual(want);
          expect(h.f[y + M * N]).toBe(SENTINEL);
          expect(h.f[y - 1]).toBe(SENTINEL);
        }
      // dW = x^T dy: A(i, p) = x[p * K + i], P = M rows.
      const dy = h.alloc(vals(M * N, 7));
      for (const chunk of [0, 1, 7, 64, M + 3]) {
        const dw = h.alloc(K * N);
        // The padded panel holds one chunk's rows (src/engine/fused/wasm/linear.ts sizes it so).
        const chunkPanel = 8 * (chunk > 0 ? Math.min(M, chunk) : M);
        const pan = h.alloc(chunkPanel);
        if (K > 0) {
          k.linear(4 * x, 4, 4 * K, 4 * dy, 0, 0, 4 * dw, K, N, M, 4 * pan, chunk);
          expect(Array.from(h.f.subarray(dw, dw + K * N)), `x^T dy, ${M}x${K}x${N}, chunk ${chunk}`).toEqual(
            linear32(xs, 1, K, h.f.subarray(dy, dy + M * N), null, K, N, M),
          );
        }
        expect(h.f[dw + K * N]).toBe(SENTINEL);
        expect(h.f[dw - 1]).toBe(SENTINEL);
        expect(h.f[pan + chunkPanel]).toBe(SENTINEL);
      }
      // dx = dy W^T: W^T [N, K] first, then A = dy (rows of N).
      if (K > 0) {
        const wt = h.alloc(N * K);
        k.transpose(4 * w, 4 * wt, K, N);
        expect(h.f[wt + N * K]).toBe(SENTINEL);
        for (let r = 0; r < K; r++) for (let c = 0; c < N; c++) expect(h.f[wt + c * K + r]).toBe(h.f[w + r * N + c]);
        const dx = h.alloc(M * K);
        k.linear(4 * dy, 4 * N, 4, 4 * wt, 0, 0, 4 * dx, M, K, N, 4 * panel, 0);
        expect(Array.from(h.f.subarray(dx, dx + M * K)), `dy W^T, ${M}x${K}x${N}`).toEqual(
          linear32(h.f.subarray(dy, dy + M * N), N, 1, h.f.subarray(wt, wt + N * K), null, M, K, N),
        );
        expect(h.f[dx + M * K]).toBe(SENTINEL);
      }
      expect(h.f[panel + 8 * Math.max(M, K, N)]).toBe(SENTINEL);
    }
  });
});

describe('the two forms', () => {
  it('round differently on ordinary inputs (the fused module is not the other one)', () => {
    const outputs = FORMS.map(({ b64 }) => {
      const memory = new WebAssembly.Memory({ initial: 1 });
      const k = instantiate(b64, memory);
      const h = heap(memory);
      const vals = (n: number, s: number) => Array.from({ length: n }, (_, i) => f(Math.sin(i * 0.37 + s) * 2));
      const [M, K, N] = [8, 48, 16];
      const [x, w, y, panel] = [h.alloc(vals(M * K, 1)), h.alloc(vals(K * N, 2)), h.alloc(M * N), h.alloc(8 * K)];
      k.linear(4 * x, 4 * K, 4, 4 * w, 0, 0, 4 * y, M, N, K, 4 * panel, 0);
      return Array.from(h.f.subarray(y, y + M * N));
    });
    const differ = outputs[0].filter((v, i) => v !== outputs[1][i]).length;
    expect(differ).toBeGreaterThan(10);
    outputs[0].forEach((v, i) => expect(Math.abs(v - outputs[1][i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))));
  });
});

describe('lowerMadd', () => {
  const text = '(local.set $a (f32x4.madd (local.get $x) (v128.load offset=16 (local.get $p)) (local.get $a)))';
  it("writes relaxed SIMD's fused multiply-add, or Z + X * Y, with nested operands lowered too", () => {
    expect(lowerMadd(text, true)).toBe('(local.set $a (f32x4.relaxed_madd (local.get $x) (v128.load offset=16 (local.get $p)) (local.get $a)))');
    expect(lowerMadd(text, false)).toBe('(local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $p)))))');
    const nested = '(f32x4.madd (local.get $x) (local.get $y) (f32x4.madd (local.get $u) (local.get $v) (local.get $w)))';
    expect(lowerMadd(nested, false)).toBe(
      '(f32x4.add (f32x4.add (local.get $w) (f32x4.mul (local.get $u) (local.get $v))) (f32x4.mul (local.get $x) (local.get $y)))',
    );
  });

  it('leaves comments alone and refuses a wrong operand count or a bare operand', () => {
    const commented = `  ;; (f32x4.madd X Y Z) in a comment\n${text}`;
    expect(lowerMadd(commented, true).split('\n')[0]).toBe('  ;; (f32x4.madd X Y Z) in a comment');
    expect(() => lowerMadd('(f32x4.madd (local.get $x) (local.get $y))', true)).toThrow(/3 operands, got 2/);
    expect(() => lowerMadd('(f32x4.madd $x (local.get $y) (local.get $z))', true)).toThrow(/parenthesised operands/);
    expect(() => lowerMadd('(f32x4.madd (local.get $x) (local.get $y) (local.get $z)', true)).toThrow(/unbalanced/);
  });
});
