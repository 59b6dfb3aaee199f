/**
 * The fused LayerNorm kernels for wasm: the same names, attributes, outputs and FLOP formulas as
 * the WebGPU ones (../webgpu/layerNorm.ts, whose registered gradient calls them), as loops over
 * the wasm heap. One call forward, three backward (stats, dx, dgamma), where the composed
 * moments -> normalise -> affine path makes about 10 calls forward and 25 backward.
 * Where the engine has WebAssembly SIMD they run as compiled kernels (simd/layerNorm.wat), 4
 * columns at a time in float32, as the composed ops compute; else as the TypeScript loops
 * below, which sum each row in float64. Either is within float32 rounding of the composed ops
 * (tests/fused-layernorm.test.ts compares the paths on wasm).
 */
import { LAYER_NORM, LAYER_NORM_GRAD_GAMMA, LAYER_NORM_GRAD_X, LAYER_NORM_STATS } from '../webgpu/layerNorm';
import { offset, size, view, type Info, type KernelArgs, type WasmBackend } from './heap';
import { simdOrFallback } from './simd/instance';

function dims(x: Info): { d: number; rows: number } {
  const d = x.shape[x.shape.length - 1];
  return { d, rows: size(x.shape) / d };
}

/** mean and 1 / sqrt(var + eps) of row r of x (width d). */
function rowStats(x: Float32Array, r: number, d: number, eps: number): [number, number] {
  const base = r * d;
  let mean = 0;
  for (let j = 0; j < d; j++) mean += x[base + j];
  mean /= d;
  let variance = 0;
  for (let j = 0; j < d; j++) {
    const c = x[base + j] - mean;
    variance += c * c;
  }
  return [mean, 1 / Math.sqrt(variance / d + eps)];
}

function layerNorm({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, gamma, beta } = inputs as { x: Info; gamma: Info; beta: Info };
  const { eps } = attrs as unknown as { eps: number };
  const wasm = backend as WasmBackend;
  const { d, rows } = dims(x);
  const out = wasm.makeOutput([...x.shape], 'float32');
  const simd = simdOrFallback(wasm.wasm);
  if (simd) {
    if (rows > 0) simd.layerNorm(offset(wasm, x), offset(wasm, gamma), offset(wasm, beta), offset(wasm, out), rows, d, eps);
    return out;
  }
  const [xv, g, b, y] = [view(wasm, x), view(wasm, gamma), view(wasm, beta), view(wasm, out)];
  for (let r = 0; r < rows; r++) {
    const [mean, rstd] = rowStats(xv, r, d, eps);
    const base = r * d;
    for (let j = 0; j < d; j++) y[base + j] = (xv[base + j] - mean) * rstd * g[j] + b[j];
  }
  return out;
}

function layerNormStats({ inputs, backend, attrs }: KernelArgs): Info {
  const { x } = inputs as { x: Info };
  const { eps } = attrs as unknown as { eps: number };
  const wasm = backend as WasmBackend;
  const { d, rows } = dims(x);
  const out = wasm.makeOutput([rows, 2], 'float32');
  const simd = simdOrFallback(wasm.wasm);
  if (simd) {
    if (rows > 0) simd.layerNormStats(offset(wasm, x), offset(wasm, out), rows, d, eps);
    return out;
  }
  const [xv, s] = [view(wasm, x), view(wasm, out)];
  for (let r = 0; r < rows; r++) [s[2 * r], s[2 * r + 1]] = rowStats(xv, r, d, eps);
  return out;
}

/** dx = rstd (dy gamma - mean(dy gamma) - xhat mean(dy gamma xhat)), row by row. */
function layerNormGradX({ inputs, backend }: KernelArgs): Info {
  const { dy, x, gamma, stats } = inputs as { dy: Info; x: Info; gamma: Info; stats: Info };
  const wasm = backend as WasmBackend;
  const { d, rows } = dims(x);
  const out = wasm.makeOutput([...x.shape], 'float32');
  const simd = simdOrFallback(wasm.wasm);
  if (simd) {
    if (rows > 0) simd.layerNormGradX(offset(wasm, dy), offset(wasm, x), offset(wasm, gamma), offset(wasm, stats), offset(wasm, out), rows, d);
    return out;
  }
  const [dyv, xv, g, s, dx] = [view(wasm, dy), view(wasm, x), view(wasm, gamma), view(wasm, stats), view(wasm, out)];
  for (let r = 0; r < rows; r++) {
    const base = r * d;
    const mean = s[2 * r];
    const rstd = s[2 * r + 1];
    let a = 0;
    let b = 0;
    for (let j = 0; j < d; j++) {
      const gj = dyv[base + j] * g[j];
      a += gj;
      b += gj * (xv[base + j] - mean) * rstd;
    }
    a /= d;
    b /= d;
    for (let j = 0; j < d; j++) dx[base + j] = rstd * (dyv[base + j] * g[j] - a - (xv[base + j] - mean) * rstd * b);
  }
  return out;
}

/** dgamma[j] = sum over rows of dy xhat. */
function layerNormGradGamma({ inputs, backend }: KernelArgs): Info {
  const { dy, x, stats } = inputs as { dy: Info; x: Info; stats: Info };
  const wasm = backend as WasmBackend;
  const { d, rows } = dims(x);
  const out = wasm.makeOutput([d], 'float32');
  const simd = simdOrFallback(wasm.wasm);
  if (simd) {
    simd.layerNormGradGamma(offset(wasm, dy), offset(wasm, x), offset(wasm, stats), offset(wasm, out), rows, d);
    return out;
  }
  const [dyv, xv, s, dg] = [view(wasm, dy), view(wasm, x), view(wasm, stats), view(wasm, out)];
  const acc = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const base = r * d;
    const mean = s[2 * r];
    const rstd = s[2 * r + 1];
    for (let j = 0; j < d; j++) acc[j] += dyv[base + j] * (xv[base + j] - mean) * rstd;
  }
  dg.set(acc);
  return out;
}

export const WASM_LAYER_NORM_KERNELS: [string, (args: KernelArgs) => Info][] = [
  [LAYER_NORM, layerNorm],
  [LAYER_NORM_STATS, layerNormStats],
  [LAYER_NORM_GRAD_X, layerNormGradX],
  [LAYER_NORM_GRAD_GAMMA, layerNormGradGamma],
];
