/**
 * The compiled SIMD kernels' elementwise functions bit for bit against float32 emulations of
 * their steps, in both forms of the module: GELU (erf's rational fit, phi16.wat), its gradient
 * (with exp, exp16.wat) and the attention's softmax (scores, scale, causal mask, max, exp, sums
 * in order, division). Tolerance tests say a kernel is close to the function; these say which
 * floats it computes, so a faster way of writing the same steps (min/max as pmin/pmax, 2^n from
 * the float's bits) must give the very same bytes over the whole range, clamps and tails included.
 */
import { describe, expect, it } from 'vitest';
import { enableRelaxedSimd } from '../tooling/tfjsBackends';
import { heap, instantiate } from './simdHeap';
import { FORMS } from './float32';

enableRelaxedSimd(); // Node 20 validates the fused module only with it

const f = Math.fround;
type Madd = (x: number, y: number, z: number) => number;

/** Round half to even (f32x4.nearest), for |v| < 2^22. */
function nearestEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : r;
}

/** Clamp as the kernels write it: pmin(pmax(x, lo), hi), NaN passing through. */
const clamp = (x: number, lo: number, hi: number) => (Number.isNaN(x) ? x : Math.min(Math.max(x, lo), hi));

const EXP_POLY = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map(f);

/** exp16.wat: Cephes expf, x = n ln2 + r, a degree-7 polynomial in r times 2^n; 0 below -87.33. */
function exp32(x: number, madd: Madd): number {
  const under = x < f(-87.33);
  const c = clamp(x, f(-87.33), f(88.37));
  const n = nearestEven(f(c * f(1.44269504)));
  const r = f(f(c - f(n * f(0.693359375))) - f(n * f(-2.1219444e-4)));
  let e = EXP_POLY[0];
  for (const k of EXP_POLY.slice(1)) e = madd(e, r, k);
  e = f(f(f(e * f(r * r)) + r) + 1);
  e = f(e * (n + 127 >= 255 ? Infinity : 2 ** n)); // 2^n from the exponent bits (n + 127) << 23
  return under ? 0 : e;
}

const ERF_P = [
  -2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2,
].map(f);
const ERF_Q = [-1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2].map(f);

/** phi16.wat: 2 Phi(x) = 1 + erf(x / sqrt 2), erf as a rational function of z clamped to [-4, 4]. */
function twoPhi32(x: number, madd: Madd): number {
  const z = clamp(f(x * f(0.70710678)), -4, 4);
  const z2 = f(z * z);
  let p = ERF_P[0];
  for (const k of ERF_P.slice(1)) p = madd(p, z2, k);
  let q = ERF_Q[0];
  for (const k of ERF_Q.slice(1)) q = madd(q, z2, k);
  return f(1 + f(f(p * z) / q));
}

const gelu32 = (x: number, madd: Madd) => f(f(0.5 * x) * twoPhi32(x, madd));

function geluGrad32(dy: number, x: number, madd: Madd): number {
  const e = exp32(f(f(-0.5) * f(x * x)), madd);
  return f(dy * f(f(0.5 * twoPhi32(x, madd)) + f(f(x * f(0.39894228)) * e)));
}

/** x from -30 to 30 (both clamps of erf and exp, exp's underflow) and the special values. */
function sweep(): number[] {
  const xs = Array.from({ length: 6001 }, (_, i) => f(-30 + i * 0.01));
  return [...xs, 0, -0, Infinity, -Infinity, NaN, 1e30, -1e30, 1e-40, -1e-40, 3.4e38, -3.4e38, 13.2, -13.2, 5.6, -5.6].map(f);
}

const bits = (v: number) => new Uint32Array(new Float32Array([v]).buffer)[0];
/** Floats as bit patterns, NaN as one pattern (its payload is the engine's). */
const patterns = (vs: ArrayLike<number>) => Array.from(vs, (v) => (Number.isNaN(v) ? 'NaN' : bits(v)));

describe.each(FORMS)('the SIMD elementwise kernels, $name', ({ b64, madd }) => {
  it('gelu and geluGrad give the emulated floats over x in [-30, 30] and the special values', () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const k = instantiate(b64, memory);
    const h = heap(memory);
    const xs = sweep();
    const dys = xs.map((_, i) => f(Math.cos(i * 0.9)));
    const [x, dy, y, dx] = [h.alloc(xs), h.alloc(dys), h.alloc(xs.length), h.alloc(xs.length)];
    k.gelu(4 * x, 4 * y, xs.length);
    k.geluGrad(4 * dy, 4 * x, 4 * dx, xs.length);
    expect(patterns(h.f.subarray(y, y + xs.length))).toEqual(patterns(xs.map((v) => gelu32(v, madd))));
    expect(patterns(h.f.subarray(dx, dx + xs.length))).toEqual(patterns(xs.map((v, i) => geluGrad32(dys[i], v, madd))));
  });

  it('attnProbs gives the emulated softmax of the scores (scale, causal mask, max, exp, sums in order), large scores too', () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const k = instantiate(b64, memory);
    const h = heap(memory);
    const [B, T, H, dh] = [2, 9, 2, 3];
    const D = H * dh;
    const model = (s: number) => Array.from({ length: B * T * D }, (_, i) => f(Math.sin(i * 0.37 + s) * 3));
    const [qv, kv] = [model(1), model(2)];
    const [q, kk, scratch, probs] = [h.alloc(qv), h.alloc(kv), h.alloc(dh * 12), h.alloc(B * H * T * T)];
    for (const scale of [f(0.4), 30])
      for (const causal of [0, 1]) {
        k.attnProbs(4 * q, 4 * kk, 4 * probs, 4 * scratch, B, T, H, dh, scale, causal);
        const want: number[] = [];
        for (let b = 0; b < B; b++)
          for (let hh = 0; hh < H; hh++)
            for (let i = 0; i < T; i++) {
              const row = Array.from({ length: T }, (_, j) => {
                let s = 0;
                for (let c = 0; c < dh; c++) s = madd(qv[(b * T + i) * D + hh * dh + c], kv[(b * T + j) * D + hh * dh + c], s);
                const scaled = f(s * scale);
                return causal && j > i ? f(scaled + f(-1e9)) : scaled;
              });
              const mx = Math.max(...row);
              const e = row.map((v) => exp32(f(v - mx), madd));
              const sum = e.reduce((a, v) => f(a + v), 0);
              want.push(...e.map((v) => f(v / sum)));
            }
        expect(patterns(h.f.subarray(probs, probs + B * H * T * T)), `scale ${scale}, causal ${causal}`).toEqual(patterns(want));
      }
  });
});

describe('the emulations', () => {
  it('are the functions they stand for: exp, GELU and its derivative within float32 rounding', () => {
    const { madd } = FORMS[0];
    for (const x of [-20, -3.5, -1, -0.1, 0, 0.3, 1, 2.5, 10]) {
      expect(Math.abs(exp32(f(x), madd) / Math.exp(f(x)) - 1)).toBeLessThan(3e-7);
      const phi = (v: number) => Math.exp((-v * v) / 2) / Math.sqrt(2 * Math.PI);
      // GELU = x Phi(x); Phi from erf's series would be a second emulation: its derivative's phi term checks the fit instead.
      expect(Math.abs(geluGrad32(1, f(x), madd) - twoPhi32(f(x), madd) / 2 - x * phi(x))).toBeLessThan(1e-6);
    }
    expect(exp32(-100, FORMS[0].madd)).toBe(0);
    // 5 Phi(5) and 1 Phi(1), from a float64 erf.
    expect(Math.abs(gelu32(f(5), FORMS[0].madd) - 4.999998566634)).toBeLessThan(2e-6);
    expect(Math.abs(gelu32(f(1), FORMS[0].madd) - 0.8413447460685429)).toBeLessThan(1e-6);
    expect(nearestEven(2.5)).toBe(2);
    expect(nearestEven(-2.5)).toBe(-2);
    expect(nearestEven(3.5)).toBe(4);
  });
});
