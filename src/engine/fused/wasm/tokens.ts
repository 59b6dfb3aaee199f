/**
 * Prepending the class token on wasm: the WebGPU kernels' names, outputs and formulas
 * (../webgpu/tokens.ts, whose registered gradient calls them), as copies on the wasm heap. The
 * composed concat-of-tile costs 2B + 5 kernel calls per encoder pass backward (69 at batch 32),
 * one Tile-gradient slice and add per image; here it is one call forward and two backward, each
 * a few row copies (TypedArray.set, a memcpy) or, for the token's gradient, a sum over the batch.
 */
import { PREPEND_TOKEN, PREPEND_TOKEN_GRAD_TOKEN, PREPEND_TOKEN_GRAD_X } from '../webgpu/tokens';
import { view, type Info, type KernelArgs, type WasmBackend } from './heap';

/** out[b, 0, :] = token, out[b, 1 + t, :] = x[b, t, :]. */
function prepend({ inputs, backend }: KernelArgs): Info {
  const { token, x } = inputs as { token: Info; x: Info };
  const wasm = backend as WasmBackend;
  const [b, n, d] = x.shape;
  const out = wasm.makeOutput([b, n + 1, d], 'float32');
  const [tv, xv, o] = [view(wasm, token), view(wasm, x), view(wasm, out)];
  for (let i = 0; i < b; i++) {
    o.set(tv, i * (n + 1) * d);
    o.set(xv.subarray(i * n * d, (i + 1) * n * d), (i * (n + 1) + 1) * d);
  }
  return out;
}

/** dx[b, t, :] = dy[b, 1 + t, :]. */
function gradX({ inputs, backend }: KernelArgs): Info {
  const { dy } = inputs as { dy: Info };
  const wasm = backend as WasmBackend;
  const [b, n1, d] = dy.shape;
  const out = wasm.makeOutput([b, n1 - 1, d], 'float32');
  const [g, o] = [view(wasm, dy), view(wasm, out)];
  for (let i = 0; i < b; i++) o.set(g.subarray((i * n1 + 1) * d, (i + 1) * n1 * d), i * (n1 - 1) * d);
  return out;
}

/** dtoken[c] = sum over b of dy[b, 0, c], in image order (as the composed path adds them). */
function gradToken({ inputs, backend }: KernelArgs): Info {
  const { dy } = inputs as { dy: Info };
  const wasm = backend as WasmBackend;
  const [b, n1, d] = dy.shape;
  const out = wasm.makeOutput([1, 1, d], 'float32');
  const [g, o] = [view(wasm, dy), view(wasm, out)];
  const acc = new Float32Array(d);
  for (let i = 0; i < b; i++) for (let c = 0; c < d; c++) acc[c] += g[i * n1 * d + c];
  o.set(acc);
  return out;
}

export const WASM_TOKEN_KERNELS: [string, (args: KernelArgs) => Info][] = [
  [PREPEND_TOKEN, prepend],
  [PREPEND_TOKEN_GRAD_X, gradX],
  [PREPEND_TOKEN_GRAD_TOKEN, gradToken],
];
