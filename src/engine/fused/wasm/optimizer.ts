/**
 * The fused optimiser kernels for the wasm backend: the same kernel names, attributes and FLOP
 * formulas as the WebGPU ones (adamw.ts, sumSquares.ts, ema.ts), computed by TypeScript loops
 * over the wasm heap. A wasm step's optimiser is then about 2 kernel calls per parameter
 * instead of about 18 composed elementwise ops, each of which costs ~15 us of tfjs overhead.
 *
 * Arithmetic: each loop repeats the composed ops' float32 operations in their order, rounding
 * every intermediate with Math.fround (tfjs-wasm runs them as separate float32 kernels: no
 * fused multiply-add), so the results equal the composed path's up to the few ops whose wasm
 * implementation rounds differently (none seen: see tests/fused-optimizer.test.ts).
 *
 * In place: when the backend holds the target's data id once (refCount 1), the kernel writes
 * into its heap buffer and returns the same data id (incRef'd; the caller's writeBack disposes
 * the handle and the target keeps its data), else a new tensor the caller assigns. tfjs-wasm
 * caches XNNPACK operators (packed weights and biases) by tensor id (batch_mat_mul_impl.cc,
 * conv2d_impl.cc): a weight written in place would keep being multiplied by its old packed copy,
 * so an in-place write first drops the C side's record of the id (which runs those caches'
 * disposal callbacks) and registers it again over the same buffer.
 *
 * Where the engine has WebAssembly SIMD, each kernel runs the same operations 4 lanes at a time
 * (simd/optimizer.wat): the same floats, bit for bit, but for the sum of squares, whose 8 partial
 * sums add in another order. The TypeScript loops stay as the fallback and as the reference the
 * SIMD kernels are tested against (tests/fused-optimizer.test.ts, wasm-simd-reductions.test.ts).
 *
 * Registered for 'wasm' by ./index.ts, before the FLOP hooks wrap the backend's kernels, so they
 * are counted through their formulas.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAMW_MOMENTS, ADAMW_PARAM, type AdamWMomentsAttrs, type AdamWParamAttrs } from '../webgpu/adamw';
import { CLIP_SCALE, SUM_SQUARES } from '../webgpu/sumSquares';
import { EMA } from '../webgpu/ema';
import { offset, output, size, view, type Info, type KernelArgs, type WasmBackend } from './heap';
import { simdOrFallback } from './simd/instance';

const fr = Math.fround;

/** m, v of the packed moments `mv` ([2, n]) from the gradient (times the clip scale): the composed ops' order. */
function adamwMoments({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const { g, mv, scale } = inputs as { g: Info; mv: Info; scale?: Info };
  const { beta1, beta2 } = attrs as unknown as AdamWMomentsAttrs;
  const wasm = backend as WasmBackend;
  const n = size(g.shape);
  if (size(mv.shape) !== 2 * n) throw new Error(`${ADAMW_MOMENTS}: moments [${mv.shape}] for a gradient of ${n}`);
  const out = output(wasm, mv);
  const b1 = fr(beta1);
  const c1 = fr(1 - beta1);
  const b2 = fr(beta2);
  const c2 = fr(1 - beta2);
  const simd = simdOrFallback(wasm.wasm);
  if (simd) {
    simd.adamwMoments(offset(wasm, g), offset(wasm, mv), offset(wasm, out), n, scale ? view(wasm, scale, 1)[0] : 1, b1, c1, b2, c2);
    return out;
  }
  const gv = view(wasm, g);
  const prev = view(wasm, mv);
  const res = view(wasm, out);
  if (scale) {
    const s = view(wasm, scale, 1)[0];
    for (let i = 0; i < n; i++) {
      const gi = fr(gv[i] * s);
      const m = fr(fr(prev[i] * b1) + fr(gi * c1));
      const v = fr(fr(prev[n + i] * b2) + fr(fr(gi * gi) * c2));
      res[i] = m;
      res[n + i] = v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const gi = gv[i];
      const m = fr(fr(prev[i] * b1) + fr(gi * c1));
      const v = fr(fr(prev[n + i] * b2) + fr(fr(gi * gi) * c2));
      res[i] = m;
      res[n + i] = v;
    }
  }
  return out;
}

/** p - lr * (m/bc1) / (sqrt(v/bc2) + eps) [- p * lr*wd], from the updated moments. */
function adamwParam({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const { p, mv } = inputs as { p: Info; mv: Info };
  const { lr, bc1, bc2, eps, wdLr } = attrs as unknown as AdamWParamAttrs;
  const wasm = backend as WasmBackend;
  const n = size(p.shape);
  if (size(mv.shape) !== 2 * n) throw new Error(`${ADAMW_PARAM}: moments [${mv.shape}] for a parameter of ${n}`);
  const out = output(wasm, p);
  const simd = simdOrFallback(wasm.wasm);
  if (simd) {
    simd.adamwParam(offset(wasm, p), offset(wasm, mv), offset(wasm, out), n, lr, bc1, bc2, eps, wdLr, wdLr !== 0 ? 1 : 0);
    return out;
  }
  const prev = view(wasm, p);
  const mvv = view(wasm, mv);
  const res = view(wasm, out);
  const fbc1 = fr(bc1);
  const fbc2 = fr(bc2);
  const feps = fr(eps);
  const flr = fr(lr);
  const fwd = fr(wdLr);
  for (let i = 0; i < n; i++) {
    const pi = prev[i];
    const step = fr(fr(mvv[i] / fbc1) / fr(fr(Math.sqrt(fr(mvv[n + i] / fbc2))) + feps));
    let next = fr(pi - fr(step * flr));
    if (wdLr !== 0) next = fr(next - fr(pi * fwd));
    res[i] = next;
  }
  return out;
}

/**
 * The sum of squares of every input x0, x1, ... (any number: wasm has no binding limit), plus
 * `acc` when given. Each tensor is summed in float32 (in order by the loop, what the composed
 * Sum(Square) does; in 8 partial sums by the SIMD kernel), then the sums are added in order, as
 * AddN does.
 */
function sumSquares({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): Info {
  const named = inputs as Record<string, Info>;
  const wasm = backend as WasmBackend;
  const xs: Info[] = [];
  for (let i = 0; named[`x${i}`]; i++) xs.push(named[`x${i}`]);
  if (xs.length < 1) throw new Error(`${SUM_SQUARES} takes at least 1 tensor`);
  const acc = named.acc;
  const out = acc ? output(wasm, acc) : wasm.makeOutput([], 'float32');
  const simd = simdOrFallback(wasm.wasm);
  let total = 0;
  xs.forEach((x, k) => {
    let s = 0;
    if (simd) s = simd.sumSquares(offset(wasm, x), size(x.shape));
    else {
      const a = view(wasm, x);
      for (let i = 0; i < a.length; i++) s = fr(s + fr(a[i] * a[i]));
    }
    total = k === 0 ? s : fr(total + s);
  });
  if (acc) total = fr(view(wasm, acc, 1)[0] + total);
  view(wasm, out, 1)[0] = total;
  return out;
}

/** min(1, clip / (norm + 1e-6)); a NaN norm gives NaN. */
function clipScale({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const { norm } = inputs as { norm: Info };
  const { clip } = attrs as unknown as { clip: number };
  const wasm = backend as WasmBackend;
  const out = wasm.makeOutput([], 'float32');
  const q = fr(fr(clip) / fr(view(wasm, norm, 1)[0] + fr(1e-6)));
  view(wasm, out, 1)[0] = Number.isNaN(q) ? q : Math.min(1, q);
  return out;
}

/** t * m + s * (1 - m). */
function ema({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const { t, s } = inputs as { t: Info; s: Info };
  const { momentum } = attrs as unknown as { momentum: number };
  const wasm = backend as WasmBackend;
  const n = size(t.shape);
  if (size(s.shape) !== n) throw new Error(`${EMA}: target of ${n} elements, source of ${size(s.shape)}`);
  const out = output(wasm, t);
  const m = fr(momentum);
  const c = fr(1 - momentum);
  const simd = simdOrFallback(wasm.wasm);
  if (simd) {
    simd.ema(offset(wasm, t), offset(wasm, s), offset(wasm, out), n, m, c);
    return out;
  }
  const prev = view(wasm, t);
  const sv = view(wasm, s);
  const res = view(wasm, out);
  for (let i = 0; i < n; i++) res[i] = fr(fr(prev[i] * m) + fr(sv[i] * c));
  return out;
}

export const WASM_OPTIMIZER_KERNELS: [string, (args: KernelArgs) => Info][] = [
  [ADAMW_MOMENTS, adamwMoments],
  [ADAMW_PARAM, adamwParam],
  [SUM_SQUARES, sumSquares],
  [CLIP_SCALE, clipScale],
  [EMA, ema],
];

/** The sum of the squares of every element of `xs` as a scalar, in one wasm kernel call. */
export function wasmSumSquares(xs: readonly tf.Tensor[]): tf.Scalar {
  if (xs.length === 0) return tf.scalar(0);
  const inputs: Record<string, tf.Tensor> = {};
  xs.forEach((x, i) => (inputs[`x${i}`] = x));
  return tf.engine().runKernel(SUM_SQUARES, inputs, {}) as tf.Scalar;
}
