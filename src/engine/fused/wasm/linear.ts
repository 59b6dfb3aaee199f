/**
 * The fused Linear kernels on wasm (FlopLabLinear, -GradX, -GradW: the WebGPU module's names,
 * gradients and FLOP formulas, ../webgpu/linear.ts), computed by the compiled SIMD kernel
 * `linear` (simd/linear.wat) on the heap: x W (+ b), dy W^T (W^T copied to scratch first: it is
 * [K, N], small) and x^T dy, each one pass over its operands where they lie. tfjs-wasm's own
 * matmul (XNNPACK) made an operator and packed its weights on every call, and ran the backward
 * products only after copying a transposed operand; at toy-B the products alone took longer than
 * 1.5x PyTorch's whole step (docs/results.md, "the matmul floor").
 *
 * Each output is the bias (or 0) plus the products in order, XNNPACK's order too. With relaxed
 * SIMD (Chromium; Node with the tooling's flag) each product is added by a fused multiply-add,
 * one rounding where XNNPACK rounds twice: within 1e-4 of the composed path, and 1.2-1.4x as fast
 * (simd/instance.ts); without it, multiply then add: the composed path's floats, bit for bit
 * (tests/fused-linear.test.ts). Without the SIMD kernels (an
 * engine without WebAssembly SIMD, or setSimdWithFallbacks(false)) the kernels call wasm's own
 * matmul as before.
 */
import { linearKernels, LINEAR, LINEAR_GRAD_W, LINEAR_GRAD_X } from '../webgpu/linear';
import { offset, size, type Info, type KernelArgs, type WasmBackend } from './heap';
import { simdOrFallback, simdScratch, type SimdKernels } from './simd/instance';

const last = (s: readonly number[]) => s[s.length - 1];
const rowsOf = (s: readonly number[]) => (last(s) === 0 ? size(s.slice(0, -1)) : size(s) / last(s));

/** One product C [m, n] = A (m, p) B [p, n], with A(i, q) the float at a + 4 (i*ai + q*ap) (strides in floats). */
interface Product {
  a: number;
  ai: number;
  ap: number;
  b: number;
  m: number;
  n: number;
  p: number;
  bias?: number;
}

/** Bytes of the padded column panel a product with inner size p may need. */
const panelBytes = (p: number) => 32 * p;

/**
 * x^T dy takes the batch's rows 64 at a time (simd/linear.wat): a chunk of x and of dy stays in L1
 * while every block of dW passes it, the same sums in the same order. In Chromium 1.5-1.7x as fast
 * as one pass over all rows at toy-B-64's shapes; 48 and 96 rows measured the same
 * (scripts/simd-kernels.ts, docs/results.md).
 */
const GRAD_W_CHUNK_ROWS = 64;

/**
 * Runs `product` into `out` ([m, n]), with `panel` (panelBytes(p) of scratch) for a last, partial
 * column block; `chunk` > 0 takes B's rows that many at a time.
 */
function run(k: SimdKernels, wasm: WasmBackend, out: Info, product: Product, panel: number, chunk = 0): void {
  const { a, ai, ap, b, m, n, p, bias } = product;
  if (m === 0 || n === 0) return;
  k.linear(a, 4 * ai, 4 * ap, b, bias ?? 0, bias === undefined ? 0 : 1, offset(wasm, out), m, n, p, panel, chunk);
}

type Kernel = (args: KernelArgs) => Info;

/** The XNNPACK kernels of the same names, for engines without the SIMD kernels (see wasmLinearKernels). */
let fallbacks = new Map<string, Kernel>();

function fallbackFor(name: string): Kernel {
  const found = fallbacks.get(name);
  if (!found) throw new Error(`wasm linear: no fallback kernel ${name}`);
  return found;
}

let simdLinear = true;

/** Whether Linear's products run on the SIMD kernel (the default) or wasm's own matmul, for scripts/wasm-fused.ts's A/B. */
export function setSimdLinear(on: boolean): void {
  simdLinear = on;
}

const withFallback =
  (name: string, simd: (k: SimdKernels, wasm: WasmBackend, args: KernelArgs) => Info): Kernel =>
  (args) => {
    const wasm = args.backend as WasmBackend;
    const k = simdLinear ? simdOrFallback(wasm.wasm) : null;
    return k ? simd(k, wasm, args) : fallbackFor(name)(args);
  };

/** y = x W (+ b): x [..., K], W [K, N] -> [..., N]. */
const forward = withFallback(LINEAR, (k, wasm, { inputs }) => {
  const { x, w, bias } = inputs as { x: Info; w: Info; bias?: Info };
  const [K, N] = [last(x.shape), last(w.shape)];
  const out = wasm.makeOutput([...x.shape.slice(0, -1), N], 'float32');
  const product = { a: offset(wasm, x), ai: K, ap: 1, b: offset(wasm, w), m: rowsOf(x.shape), n: N, p: K };
  run(k, wasm, out, bias ? { ...product, bias: offset(wasm, bias) } : product, simdScratch(wasm.wasm, panelBytes(K)));
  return out;
});

/** dx = dy W^T: dy [..., N], W [K, N] -> [..., K]; W^T goes to the scratch block's start. */
const gradX = withFallback(LINEAR_GRAD_X, (k, wasm, { inputs }) => {
  const { dy, w } = inputs as { dy: Info; w: Info };
  const [K, N] = w.shape;
  const out = wasm.makeOutput([...dy.shape.slice(0, -1), K], 'float32');
  const m = rowsOf(dy.shape);
  if (m === 0 || K === 0) return out;
  const wtBytes = 16 * Math.ceil((K * N) / 4); // keeps the panel after it 16-byte aligned
  const wt = simdScratch(wasm.wasm, wtBytes + panelBytes(N));
  if (N > 0) k.transpose(offset(wasm, w), wt, K, N);
  run(k, wasm, out, { a: offset(wasm, dy), ai: N, ap: 1, b: wt, m, n: K, p: N }, wt + wtBytes);
  return out;
});

/** dW = x^T dy: x [..., K], dy [..., N] -> [K, N], summed over every row. */
const gradW = withFallback(LINEAR_GRAD_W, (k, wasm, { inputs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const [K, N] = [last(x.shape), last(dy.shape)];
  const out = wasm.makeOutput([K, N], 'float32');
  const p = rowsOf(x.shape);
  // A partial column block pads one chunk's rows at a time.
  const panel = simdScratch(wasm.wasm, panelBytes(Math.min(p, GRAD_W_CHUNK_ROWS)));
  run(k, wasm, out, { a: offset(wasm, x), ai: 1, ap: K, b: offset(wasm, dy), m: K, n: N, p }, panel, GRAD_W_CHUNK_ROWS);
  return out;
});

/**
 * The three kernels, to register. Called at registration, before the FLOP hooks wrap the
 * backend: that is when linearKernels captures wasm's own matmul for the fallbacks, so their
 * inner products are not counted a second time.
 */
export function wasmLinearKernels(): [string, Kernel][] {
  fallbacks = new Map(linearKernels('wasm').map((k) => [k.kernelName, k.kernelFunc as unknown as Kernel]));
  return [
    [LINEAR, forward],
    [LINEAR_GRAD_X, gradX],
    [LINEAR_GRAD_W, gradW],
  ];
}
