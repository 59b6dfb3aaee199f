/**
 * Softmax cross-entropy with soft targets on wasm: the WebGPU kernels' names, attributes, outputs
 * and formulas (../webgpu/crossEntropy.ts, whose registered gradient calls them), as loops over
 * the wasm heap. One call forward and one backward where the composed log-softmax, multiply, sum,
 * mean and negate make about 10 and 12 (DINO's multi-view loss 139). Each row's max, sums and
 * logs run in float64 and the outputs are stored as float32, within float32 rounding of the
 * composed ops (tests/fused-cross-entropy.test.ts compares both paths on wasm).
 */
import { SOFTMAX_CE, SOFTMAX_CE_GRAD_LOGITS, SOFTMAX_CE_GRAD_TARGETS } from '../webgpu/crossEntropy';
import { view, type Info, type KernelArgs, type WasmBackend } from './heap';

interface Layout {
  rows: number;
  k: number;
  /** Element (r, j) of the logits is x[r * rs + j * cs] (transposed logits are [K, B]). */
  rs: number;
  cs: number;
  inScale: number;
  scale: number;
}

function layoutOf(logits: Info, attrs: unknown): Layout {
  const { scale, inScale, transpose } = attrs as { scale: number; inScale: number; transpose: boolean };
  const [d0, d1] = logits.shape;
  const [rows, k] = transpose ? [d1, d0] : [d0, d1];
  return { rows, k, rs: transpose ? 1 : k, cs: transpose ? rows : 1, inScale, scale };
}

/** Row r's max of the scaled logits and sum of exp(x - max); each exp also into `exps` when given (the gradient reuses them). */
function rowSoftmax(x: Float32Array, l: Layout, r: number, exps?: Float64Array): [number, number] {
  let m = -Infinity;
  for (let j = 0; j < l.k; j++) m = Math.max(m, x[r * l.rs + j * l.cs] * l.inScale);
  let s = 0;
  for (let j = 0; j < l.k; j++) {
    const e = Math.exp(x[r * l.rs + j * l.cs] * l.inScale - m);
    if (exps) exps[j] = e;
    s += e;
  }
  return [m, s];
}

/** scale * sum_r ((sum t) log s - sum t (x - m)), as the WebGPU kernel. */
function forward({ inputs, backend, attrs }: KernelArgs): Info {
  const { logits, targets } = inputs as { logits: Info; targets: Info };
  const wasm = backend as WasmBackend;
  const l = layoutOf(logits, attrs);
  const out = wasm.makeOutput([], 'float32');
  const [x, t] = [view(wasm, logits), view(wasm, targets)];
  let acc = 0;
  for (let r = 0; r < l.rows; r++) {
    const [m, s] = rowSoftmax(x, l, r);
    let st = 0;
    let tdot = 0;
    for (let j = 0; j < l.k; j++) {
      const tj = t[r * l.k + j];
      st += tj;
      tdot += tj * (x[r * l.rs + j * l.cs] * l.inScale - m);
    }
    acc += st * Math.log(s) - tdot;
  }
  view(wasm, out)[0] = acc * l.scale;
  return out;
}

/** dL/dx = dy * scale * inScale * (softmax(x) * sum t - t), in the logits' layout. */
function gradLogits({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, logits, targets } = inputs as { dy: Info; logits: Info; targets: Info };
  const wasm = backend as WasmBackend;
  const l = layoutOf(logits, attrs);
  const out = wasm.makeOutput([...logits.shape], 'float32');
  const [g0, x, t, o] = [view(wasm, dy)[0], view(wasm, logits), view(wasm, targets), view(wasm, out)];
  const g = g0 * l.scale * l.inScale;
  // Each row's exponentials once (Math.exp is most of this kernel's time), the same values reused.
  const exps = new Float64Array(l.k);
  for (let r = 0; r < l.rows; r++) {
    const [, s] = rowSoftmax(x, l, r, exps);
    let st = 0;
    for (let j = 0; j < l.k; j++) st += t[r * l.k + j];
    for (let j = 0; j < l.k; j++) o[r * l.rs + j * l.cs] = g * ((exps[j] / s) * st - t[r * l.k + j]);
  }
  return out;
}

/** dL/dt = -dy * scale * log_softmax(x) (never taken in training: the lab's targets are constants). */
function gradTargets({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, logits, targets } = inputs as { dy: Info; logits: Info; targets: Info };
  const wasm = backend as WasmBackend;
  const l = layoutOf(logits, attrs);
  const out = wasm.makeOutput([...targets.shape], 'float32');
  const [g0, x, o] = [view(wasm, dy)[0], view(wasm, logits), view(wasm, out)];
  const g = -g0 * l.scale;
  for (let r = 0; r < l.rows; r++) {
    const [m, s] = rowSoftmax(x, l, r);
    const lse = m + Math.log(s);
    for (let j = 0; j < l.k; j++) o[r * l.k + j] = g * (x[r * l.rs + j * l.cs] * l.inScale - lse);
  }
  return out;
}

export const WASM_CROSS_ENTROPY_KERNELS: [string, (args: KernelArgs) => Info][] = [
  [SOFTMAX_CE, forward],
  [SOFTMAX_CE_GRAD_LOGITS, gradLogits],
  [SOFTMAX_CE_GRAD_TARGETS, gradTargets],
];
