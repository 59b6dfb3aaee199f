/**
 * The fused attention kernels for wasm: the seven WebGPU kernels' names, attributes, outputs and
 * FLOP formulas (../webgpu/attention.ts, whose registered gradients call them), computed by the
 * compiled SIMD kernels (simd/kernels.wat) on the [B*T, D] layout the q/k/v linears write. On the
 * composed path every head's products were batched matmuls of [T, dh] blocks (17 x 16 at toy-B),
 * too small for XNNPACK, so they ran on tfjs-wasm's scalar loop (about a quarter of a toy-B step),
 * with transposes and reshapes around them; here each is one pass, four lanes at a time.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ATTENTION_CONTEXT,
  ATTENTION_GRAD_K,
  ATTENTION_GRAD_PROBS,
  ATTENTION_GRAD_Q,
  ATTENTION_GRAD_SCORES,
  ATTENTION_GRAD_V,
  ATTENTION_PROBS,
} from '../webgpu/attention';
import { offset, type Info, type KernelArgs, type WasmBackend } from './heap';
import { simdKernels, simdScratch, type SimdKernels } from './simd/instance';

interface Dims {
  batch: number;
  tokens: number;
  heads: number;
  dh: number;
  causal: boolean;
}

/** The attention attrs, with dh from a [B*T, D] input. */
function dimsOf(attrs: tf.NamedAttrMap | undefined, model: Info): Dims {
  const { batch, tokens, heads, causal } = attrs as unknown as { batch: number; tokens: number; heads: number; causal?: boolean };
  return { batch, tokens, heads, dh: model.shape[model.shape.length - 1] / heads, causal: Boolean(causal) };
}

const empty = (d: Dims) => d.batch * d.tokens * d.heads * d.dh === 0;
const scoresShape = (d: Dims) => [d.batch * d.heads, d.tokens, d.tokens];
/** Bytes of the scores kernels' scratch: one head's [dh, T rounded up to 4] transposed block. */
const scratchBytes = (d: Dims) => 4 * d.dh * (Math.ceil(d.tokens / 4) * 4);

/**
 * A [B*H, T, T] kernel of two [B*T, D] inputs through one of the SIMD scores kernels, which
 * transpose one head's block of `y` into the scratch block at a time.
 */
const scores =
  (xName: string, yName: string, run: (k: SimdKernels, x: number, y: number, out: number, scratch: number, d: Dims) => void) =>
  ({ inputs, backend, attrs }: KernelArgs): Info => {
    const [x, y] = [inputs[xName] as Info, inputs[yName] as Info];
    const wasm = backend as WasmBackend;
    const d = dimsOf(attrs, y);
    const out = wasm.makeOutput(scoresShape(d), 'float32');
    if (empty(d)) return out;
    run(simdKernels(wasm.wasm), offset(wasm, x), offset(wasm, y), offset(wasm, out), simdScratch(wasm.wasm, scratchBytes(d)), d);
    return out;
  };

/** P = softmax(Q K^T / sqrt(dh) (+ causal mask)). */
const probs = scores('q', 'k', (k, q, kk, out, scratch, d) =>
  k.attnProbs(q, kk, out, scratch, d.batch, d.tokens, d.heads, d.dh, 1 / Math.sqrt(d.dh), d.causal ? 1 : 0),
);

/** dP = dO V^T per head. */
const gradProbs = scores('dy', 'v', (k, dy, v, out, scratch, d) => k.attnGradProbs(dy, v, out, scratch, d.batch, d.tokens, d.heads, d.dh));

/** A [B*T, D] product of a [B*H, T, T] matrix (transposed or not) with a [B*T, D] input's heads. */
const mix =
  (matrix: string, model: string, transposed: boolean) =>
  ({ inputs, backend, attrs }: KernelArgs): Info => {
    const m = inputs[matrix] as Info;
    const y = inputs[model] as Info;
    const wasm = backend as WasmBackend;
    const d = dimsOf(attrs, y);
    const out = wasm.makeOutput([...y.shape], 'float32');
    if (empty(d)) return out;
    simdKernels(wasm.wasm).attnMix(offset(wasm, m), offset(wasm, y), offset(wasm, out), d.batch, d.tokens, d.heads, d.dh, transposed ? 1 : 0);
    return out;
  };

/** dS = P * (dP - rowsum(dP * P)) / sqrt(dh). */
function gradScores({ inputs, backend, attrs }: KernelArgs): Info {
  const { dp, probs: p } = inputs as { dp: Info; probs: Info };
  const wasm = backend as WasmBackend;
  const { headDim } = attrs as unknown as { headDim: number };
  const [rows, t] = [dp.shape[0] * dp.shape[1], dp.shape[2]];
  const out = wasm.makeOutput([...dp.shape], 'float32');
  if (rows * t === 0) return out;
  simdKernels(wasm.wasm).attnGradScores(offset(wasm, dp), offset(wasm, p), offset(wasm, out), rows, t, 1 / Math.sqrt(headDim));
  return out;
}

export const WASM_ATTENTION_KERNELS: [string, (args: KernelArgs) => Info][] = [
  [ATTENTION_PROBS, probs],
  [ATTENTION_CONTEXT, mix('probs', 'v', false)],
  [ATTENTION_GRAD_PROBS, gradProbs],
  [ATTENTION_GRAD_V, mix('probs', 'dy', true)],
  [ATTENTION_GRAD_SCORES, gradScores],
  [ATTENTION_GRAD_Q, mix('ds', 'k', false)],
  [ATTENTION_GRAD_K, mix('ds', 'q', true)],
];
