/**
 * Multi-head attention core as WebGPU kernels that read the heads straight from the
 * [B*T, D] outputs of the q/k/v linear layers (row b*T + t, head h in columns h*dh..(h+1)*dh)
 * and write the context in that same layout: no reshape/transpose kernels around attention.
 *
 * Forward, two kernels (each a tfjs kernel with its own registered gradient):
 *   FlopLabAttentionProbs   (q, k)     -> P [B*H, T, T] = softmax(Q K^T * scale (+ causal mask))
 *   FlopLabAttentionContext (probs, v) -> O [B*T, D]    = P V
 * Backward, five kernels:
 *   context gradient: dP = dO V^T (FlopLabAttentionGradProbs), dV = P^T dO (FlopLabAttentionGradV);
 *   probs gradient:   dS = P * (dP - rowsum(dP * P)) * scale (FlopLabAttentionGradScores),
 *                     dQ = dS K (FlopLabAttentionGradQ), dK = dS^T Q (FlopLabAttentionGradK).
 * Measured at toy-B (B=32, T=65, D=48, H=3), forward + backward: the composed path makes 53
 * tfjs kernel calls (22 that dispatch: 8 Transpose, 6 BatchMatMul, 4 Multiply, Softmax, Sum,
 * Sub, Cast; plus 16 Reshape and 15 Identity), this makes 12 (the 7 kernels and 5 Identity
 * clones the engine makes of saved tensors, which do not dispatch on WebGPU), same FLOPs.
 *
 * Layout of the work: the probs and dS kernels run one invocation per score row (bh, i), with
 * loops over T (and dh, the q row held in registers); every other kernel runs one invocation
 * per output element with a loop over T only, so neighbouring invocations read neighbouring
 * columns of v / k / q / dO. dh is a constant of the generated WGSL (and part of its key).
 *
 * Causal: the caption encoder's mask is exactly additive causal (0 where key <= query, -1e9
 * above the diagonal, `causalMask` in models/textEncoder.ts); `causal` adds the same -1e9 to
 * the same scores, so values match the composed path. Masked scores are still computed, as
 * the composed path does, so the FLOPs match it.
 *
 * FLOPs (2 per multiply-add, 1 per other arithmetic op, N = B*H*T*T scores), equal to what the
 * composed path counts for the same work:
 *   probs    N * (2*dh + 1 scale + 5 softmax (+ 1 causal mask))  [composed: BatchMatMul QK^T,
 *            Multiply by scale, Add mask, Softmax]
 *   context  2*N*dh                                             [BatchMatMul P V]
 *   dP, dV   2*N*dh each                                        [the two BatchMatMuls of P V's gradient]
 *   dS       5*N: dP*P and its row sum (2), minus, times P, times scale (3)
 *                                                               [Softmax grad: Multiply, Sum, Multiply, Sub; scale's Multiply]
 *   dQ, dK   2*N*dh each                                        [the two BatchMatMuls of QK^T's gradient]
 */
import * as tf from '@tensorflow/tfjs';
import type { Formula, KernelCall } from '../../flops/formulas';
import { ints, runProgram, size, type FusedProgramSpec } from './program';
import type { FusedModule } from '../module';
import { softwareAdapterKernels } from './softwareAdapter';

export const ATTENTION_PROBS = 'FlopLabAttentionProbs';
export const ATTENTION_CONTEXT = 'FlopLabAttentionContext';
export const ATTENTION_GRAD_PROBS = 'FlopLabAttentionGradProbs';
export const ATTENTION_GRAD_V = 'FlopLabAttentionGradV';
export const ATTENTION_GRAD_SCORES = 'FlopLabAttentionGradScores';
export const ATTENTION_GRAD_Q = 'FlopLabAttentionGradQ';
export const ATTENTION_GRAD_K = 'FlopLabAttentionGradK';

type Info = tf.TensorInfo;

export interface AttentionOptions {
  batch: number;
  tokens: number;
  heads: number;
  /** Adds -1e9 to every score whose key comes after its query (the caption encoder's mask). */
  causal?: boolean;
}

/** The attrs every attention kernel carries (tfjs attrs are plain values). */
interface Attrs {
  batch: number;
  tokens: number;
  heads: number;
  causal: boolean;
}

const MASK = '-1e9';

/** Shared prologue of the row kernels: `index` is the score row bh*T + i. */
const ROW = (dh: number) => `
    let t = uniforms.t;
    let heads = uniforms.heads;
    let d = heads * ${dh};
    let bh = index / t;
    let i = index - bh * t;
    let b = bh / heads;
    let h = bh - b * heads;
    let row = index * t;`;

/** P = softmax(Q K^T * scale (+ causal mask)); one invocation per score row. */
const probs = (dh: number, causal: boolean, bh: number, t: number): FusedProgramSpec => ({
  key: `attn_probs_${dh}_${causal ? 'c' : 'f'}`,
  inputs: ['q', 'k'],
  outputShape: [bh, t, t],
  threads: bh * t,
  uniforms: 't : i32, heads : i32, scale : f32,',
  body: `${ROW(dh)}
    let qb = (b * t + i) * d + h * ${dh};
    var qi : array<f32, ${dh}>;
    for (var c = 0; c < ${dh}; c++) { qi[c] = q[qb + c]; }
    var mx = -3.4028234e38;
    for (var j = 0; j < t; j++) {
      let kb = (b * t + j) * d + h * ${dh};
      var s = 0.0;
      for (var c = 0; c < ${dh}; c++) { s += qi[c] * k[kb + c]; }
      s = s * uniforms.scale;
      ${causal ? `if (j > i) { s = s + ${MASK}; }` : ''}
      result[row + j] = s;
      mx = max(mx, s);
    }
    var sum = 0.0;
    for (var j = 0; j < t; j++) {
      let e = exp(result[row + j] - mx);
      result[row + j] = e;
      sum += e;
    }
    for (var j = 0; j < t; j++) { result[row + j] = result[row + j] / sum; }`,
});

/**
 * out[(b*T + r)*D + col] = sum_s M[bh, r, s] * X[(b*T + s)*D + col] (or M[bh, s, r] when
 * `transposed`), h = col / dh: the context P V (M = P, X = V), dV = P^T dO, dQ = dS K and
 * dK = dS^T Q. One invocation per output element; the loop over s reads a column of X.
 */
const mixRows = (key: string, m: string, x: string, transposed: boolean, dh: number, rows: number, dModel: number): FusedProgramSpec => ({
  key: `attn_${key}_${dh}`,
  inputs: [m, x],
  outputShape: [rows, dModel],
  threads: rows * dModel,
  uniforms: 't : i32, heads : i32,',
  body: `
    let t = uniforms.t;
    let heads = uniforms.heads;
    let d = heads * ${dh};
    let rowAll = index / d;
    let col = index - rowAll * d;
    let b = rowAll / t;
    let r = rowAll - b * t;
    let h = col / ${dh};
    let mb = (b * heads + h) * t * t;
    var acc = 0.0;
    for (var s = 0; s < t; s++) {
      acc += ${m}[mb + ${transposed ? 's * t + r' : 'r * t + s'}] * ${x}[(b * t + s) * d + col];
    }
    result[index] = acc;`,
});

/**
 * mixRows with four adjacent output columns per invocation (dh a multiple of 4, so the four share
 * a head), for software adapters: each M value read once for four products, where mixRows reads
 * it four times. Same sums, each in the same order.
 */
const mixRows4 = (key: string, m: string, x: string, transposed: boolean, dh: number, rows: number, dModel: number): FusedProgramSpec => ({
  key: `attn_${key}4_${dh}`,
  inputs: [m, x],
  outputShape: [rows, dModel],
  threads: (rows * dModel) / 4,
  uniforms: 't : i32, heads : i32,',
  body: `
    let t = uniforms.t;
    let heads = uniforms.heads;
    let d = heads * ${dh};
    let quads = d / 4;
    let rowAll = index / quads;
    let col = (index - rowAll * quads) * 4;
    let b = rowAll / t;
    let r = rowAll - b * t;
    let h = col / ${dh};
    let mb = (b * heads + h) * t * t;
    var acc = vec4<f32>(0.0);
    for (var s = 0; s < t; s++) {
      let xb = (b * t + s) * d + col;
      acc += ${m}[mb + ${transposed ? 's * t + r' : 'r * t + s'}] * vec4<f32>(${x}[xb], ${x}[xb + 1], ${x}[xb + 2], ${x}[xb + 3]);
    }
    let o = rowAll * d + col;
    result[o] = acc.x;
    result[o + 1] = acc.y;
    result[o + 2] = acc.z;
    result[o + 3] = acc.w;`,
});

/** The product kernel for `dh`: four columns per invocation on a software adapter when dh allows. */
const mix = (...args: Parameters<typeof mixRows>): FusedProgramSpec => (softwareAdapterKernels() && args[4] % 4 === 0 ? mixRows4(...args) : mixRows(...args));

/** dP[bh, i, j] = dO_i . V_j (the head's columns); one invocation per score. */
const gradProbs = (dh: number, bh: number, t: number): FusedProgramSpec => ({
  key: `attn_dp_${dh}`,
  inputs: ['dy', 'v'],
  outputShape: [bh, t, t],
  threads: bh * t * t,
  uniforms: 't : i32, heads : i32,',
  body: `
    let t = uniforms.t;
    let heads = uniforms.heads;
    let d = heads * ${dh};
    let rowIndex = index / t;
    let j = index - rowIndex * t;
    let bhi = rowIndex / t;
    let i = rowIndex - bhi * t;
    let b = bhi / heads;
    let h = bhi - b * heads;
    let ob = (b * t + i) * d + h * ${dh};
    let vb = (b * t + j) * d + h * ${dh};
    var acc = 0.0;
    for (var c = 0; c < ${dh}; c++) { acc += dy[ob + c] * v[vb + c]; }
    result[index] = acc;`,
});

/** dS = P * (dP - sum_j dP * P) * scale, the softmax and scale backward; one invocation per row. */
const gradScores = (bh: number, t: number): FusedProgramSpec => ({
  key: 'attn_ds',
  inputs: ['dp', 'probs'],
  outputShape: [bh, t, t],
  threads: bh * t,
  uniforms: 't : i32, scale : f32,',
  body: `
    let t = uniforms.t;
    let row = index * t;
    var acc = 0.0;
    for (var j = 0; j < t; j++) { acc += dp[row + j] * probs[row + j]; }
    for (var j = 0; j < t; j++) { result[row + j] = probs[row + j] * (dp[row + j] - acc) * uniforms.scale; }`,
});

function attrsOf(a: unknown): Attrs {
  const { batch, tokens, heads, causal } = a as Attrs;
  return { batch, tokens, heads, causal: Boolean(causal) };
}

/** dh from the model width (the last axis of a [B*T, D] input) and the head count. */
const headDim = (modelShape: readonly number[], heads: number) => modelShape[modelShape.length - 1] / heads;
const scaleOf = (dh: number) => 1 / Math.sqrt(dh);

/** FLOPs: N = B*H*T*T scores; dh from the [B*T, D] input named `model`. */
const scoresOf = (c: KernelCall) => {
  const a = c.attrs as unknown as Attrs;
  return a.batch * a.heads * a.tokens * a.tokens;
};
const matmulFlops = (model: string) => (c: KernelCall) => 2 * scoresOf(c) * headDim(c.inputs[model], (c.attrs as unknown as Attrs).heads);

export const attentionModule: FusedModule = {
  kernels: [
    {
      kernelName: ATTENTION_PROBS,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { q, k } = inputs as { q: Info; k: Info };
        const a = attrsOf(attrs);
        const dh = headDim(q.shape, a.heads);
        return runProgram(
          backend,
          probs(dh, a.causal, a.batch * a.heads, a.tokens),
          [q, k],
          [...ints(a.tokens, a.heads), { type: 'float32', data: [scaleOf(dh)] }],
        );
      },
    },
    {
      kernelName: ATTENTION_CONTEXT,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { probs: p, v } = inputs as { probs: Info; v: Info };
        const a = attrsOf(attrs);
        const dh = headDim(v.shape, a.heads);
        return runProgram(backend, mix('ctx', 'probs', 'v', false, dh, v.shape[0], v.shape[1]), [p, v], ints(a.tokens, a.heads));
      },
    },
    {
      kernelName: ATTENTION_GRAD_PROBS,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, v } = inputs as { dy: Info; v: Info };
        const a = attrsOf(attrs);
        return runProgram(backend, gradProbs(headDim(v.shape, a.heads), a.batch * a.heads, a.tokens), [dy, v], ints(a.tokens, a.heads));
      },
    },
    {
      kernelName: ATTENTION_GRAD_V,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { probs: p, dy } = inputs as { probs: Info; dy: Info };
        const a = attrsOf(attrs);
        const dh = headDim(dy.shape, a.heads);
        return runProgram(backend, mix('dv', 'probs', 'dy', true, dh, dy.shape[0], dy.shape[1]), [p, dy], ints(a.tokens, a.heads));
      },
    },
    {
      kernelName: ATTENTION_GRAD_SCORES,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dp, probs: p } = inputs as { dp: Info; probs: Info };
        const a = attrsOf(attrs);
        const dh = (attrs as unknown as { headDim: number }).headDim;
        return runProgram(backend, gradScores(a.batch * a.heads, a.tokens), [dp, p], [...ints(a.tokens), { type: 'float32', data: [scaleOf(dh)] }]);
      },
    },
    {
      kernelName: ATTENTION_GRAD_Q,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { ds, k } = inputs as { ds: Info; k: Info };
        const a = attrsOf(attrs);
        const dh = headDim(k.shape, a.heads);
        return runProgram(backend, mix('dq', 'ds', 'k', false, dh, k.shape[0], k.shape[1]), [ds, k], ints(a.tokens, a.heads));
      },
    },
    {
      kernelName: ATTENTION_GRAD_K,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { ds, q } = inputs as { ds: Info; q: Info };
        const a = attrsOf(attrs);
        const dh = headDim(q.shape, a.heads);
        return runProgram(backend, mix('dk', 'ds', 'q', true, dh, q.shape[0], q.shape[1]), [ds, q], ints(a.tokens, a.heads));
      },
    },
  ],
  gradients: [
    {
      kernelName: ATTENTION_PROBS,
      inputsToSave: ['q', 'k'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [q, k, p] = saved;
        const a = attrsOf(attrs);
        const engine = tf.engine();
        const dh = headDim(q.shape, a.heads);
        const ds = engine.runKernel(ATTENTION_GRAD_SCORES, { dp: dy as tf.Tensor, probs: p }, { ...a, headDim: dh }) as tf.Tensor;
        return {
          q: () => engine.runKernel(ATTENTION_GRAD_Q, { ds, k }, { ...a }) as tf.Tensor,
          k: () => engine.runKernel(ATTENTION_GRAD_K, { ds, q }, { ...a }) as tf.Tensor,
        };
      },
    },
    {
      kernelName: ATTENTION_CONTEXT,
      inputsToSave: ['probs', 'v'],
      gradFunc: (dy, saved, attrs) => {
        const [p, v] = saved;
        const a = attrsOf(attrs);
        const engine = tf.engine();
        return {
          probs: () => engine.runKernel(ATTENTION_GRAD_PROBS, { dy: dy as tf.Tensor, v }, { ...a }) as tf.Tensor,
          v: () => engine.runKernel(ATTENTION_GRAD_V, { probs: p, dy: dy as tf.Tensor }, { ...a }) as tf.Tensor,
        };
      },
    },
  ],
  formulas: new Map<string, Formula>([
    [ATTENTION_PROBS, (c: KernelCall) => scoresOf(c) * (2 * headDim(c.inputs.q, (c.attrs as unknown as Attrs).heads) + 6 + (c.attrs.causal ? 1 : 0))],
    [ATTENTION_CONTEXT, matmulFlops('v')],
    [ATTENTION_GRAD_PROBS, matmulFlops('v')],
    [ATTENTION_GRAD_V, matmulFlops('dy')],
    [ATTENTION_GRAD_SCORES, (c: KernelCall) => 5 * size(c.inputs.dp)],
    [ATTENTION_GRAD_Q, matmulFlops('k')],
    [ATTENTION_GRAD_K, matmulFlops('q')],
  ]),
};

/**
 * Multi-head attention core on WebGPU: q, k, v [B*T, D] (the q/k/v linears' outputs) ->
 * context [B*T, D] = softmax(Q K^T / sqrt(dh) (+ causal mask)) V per head, same layout.
 * On webgpu, and on wasm through ../wasm/attention.ts (the same kernel names); callers check `useFused('attention')`.
 */
export function fusedAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, opts: AttentionOptions): tf.Tensor2D {
  const { batch, tokens, heads } = opts;
  const [rows, d] = q.shape;
  if (rows !== batch * tokens || d % heads !== 0)
    throw new Error(`fusedAttention: q [${q.shape}] does not fit batch ${batch} x tokens ${tokens}, ${heads} heads`);
  const attrs = { batch, tokens, heads, causal: Boolean(opts.causal) };
  const engine = tf.engine();
  return tf.tidy(() => {
    const p = engine.runKernel(ATTENTION_PROBS, { q, k }, attrs) as tf.Tensor3D;
    return engine.runKernel(ATTENTION_CONTEXT, { probs: p, v }, attrs) as tf.Tensor2D;
  });
}
