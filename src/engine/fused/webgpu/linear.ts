/**
 * A Linear layer (y = x W + b over the last axis of x, any rank) as one tfjs kernel call
 * forward and two backward (plus a Sum for the bias), instead of about 17 per layer for
 * tf.fused.matMul: tfjs-core's matMul op reshapes both inputs and the output through the
 * engine (Reshape calls), its customGrad saves three tensors (Identity clones) and its
 * backward reshapes again; linear3d added a reshape on each side, forward and backward.
 *
 * The kernels do no arithmetic of their own: each calls the webgpu backend's ORIGINAL
 * `_FusedMatMul` / `BatchMatMul` kernel function (captured when the module is registered,
 * which is before the FLOP hooks wrap the backend's kernels, so no inner call is counted)
 * on 2-D views of its inputs ({dataId, shape, dtype}: the backend reshapes by view, no
 * copy), so each runs the very matmul program the composed path runs for the same 2-D
 * product ([1, M, K] x [1, K, N] after the backend's own 3-D view), one GPU dispatch.
 *
 *   FlopLabLinear       (x [..., K], w [K, N], bias? [N]) -> [..., N]   = x W (+ b)
 *   FlopLabLinearGradX  (dy [..., N], w [K, N])           -> [..., K]   = dy W^T
 *   FlopLabLinearGradW  (x [..., K], dy [..., N])         -> [K, N]     = x^T dy
 *   bias gradient: tf.sum(dy, leading axes), one Sum, as the composed path does.
 *
 * FLOPs (M = rows of x, the product of its leading axes), exactly what the composed path
 * counts for the same work (its _FusedMatMul and the two BatchMatMuls of its gradient):
 *   forward 2*M*N*K (+ M*N with bias); dx 2*M*N*K; dW 2*M*N*K; the Sum M*N.
 *
 * Calls per layer forward + backward on the tape: 1 forward, 2 Identity clones of the saved
 * x and w (the engine's), GradX, GradW (and Sum with a bias): 5-6 instead of 14-23 (17 for
 * Linear.apply with bias, 23 for linear3d). The backward computes every gradient eagerly,
 * as the composed path does (see the gradient).
 */
import * as tf from '@tensorflow/tfjs';
import { tiledMatmul } from './tiledMatmul';
import { softwareAdapterKernels } from './softwareAdapter';
import type { Formula, KernelCall } from '../../flops/formulas';
import type { FusedModule } from '../module';

export const LINEAR = 'FlopLabLinear';
export const LINEAR_GRAD_X = 'FlopLabLinearGradX';
export const LINEAR_GRAD_W = 'FlopLabLinearGradW';

type Info = tf.TensorInfo;
/** FlopLabLinear's attrs: whether `bias` is among its inputs (its gradient needs to know). */
interface Attrs {
  hasBias: boolean;
}
type BackendKernel = (args: { inputs: Record<string, Info>; backend: unknown; attrs: Record<string, unknown> }) => Info;

type MatmulBackend = 'webgpu' | 'wasm';

/** Each backend's own matmul kernel functions, unwrapped (see `captureOriginals`). */
const originals: Record<MatmulBackend, { fused: BackendKernel | null; batch: BackendKernel | null }> = {
  webgpu: { fused: null, batch: null },
  wasm: { fused: null, batch: null },
};

/**
 * Captures the backend's `_FusedMatMul` and `BatchMatMul` kernel functions. Called when the
 * module's kernels are read for registration, which happens before installKernelHooks wraps
 * the backend's kernels for counting: what is captured then is the backend's own function (on
 * wasm, the fast matmul of src/engine/wasmKernels.ts), so calling it records nothing. Falls
 * back to capturing at the first call (a backend imported only after registration), which
 * would then be the counted wrapper.
 */
function captureOriginals(backend: MatmulBackend): void {
  const o = originals[backend];
  o.fused ??= (tf.getKernel('_FusedMatMul', backend)?.kernelFunc as unknown as BackendKernel | undefined) ?? null;
  o.batch ??= (tf.getKernel('BatchMatMul', backend)?.kernelFunc as unknown as BackendKernel | undefined) ?? null;
}

function original(backend: MatmulBackend, which: 'fused' | 'batch'): BackendKernel {
  captureOriginals(backend);
  const f = originals[backend][which];
  if (!f) throw new Error(`fused linear: the ${backend} backend has no ${which === 'fused' ? '_FusedMatMul' : 'BatchMatMul'} kernel`);
  return f;
}

const lastDim = (s: readonly number[]) => s[s.length - 1];
const rowsOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1) / lastDim(s);

/**
 * A [rows, last] view of `t`: same data, no copy, no reference taken. The backend's matmul
 * takes (and releases) its own reference when it reshapes its inputs to 3-D.
 */
const view2d = (t: Info): Info => ({ dataId: t.dataId, shape: [rowsOf(t.shape), lastDim(t.shape)], dtype: t.dtype });

/** The matmul's [M, C] result under the shape `lead` + [C]: the result's own (only) reference. */
const reshaped = (out: Info, lead: readonly number[]): Info => ({ dataId: out.dataId, shape: [...lead, lastDim(out.shape)], dtype: out.dtype });

const lead = (s: readonly number[]) => s.slice(0, -1);

/** The attrs tf.fused.matMul passes for a plain Linear: the same program (and shader key) runs. */
const FUSED_ATTRS = { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0.2 };

const leadingAxes = (rank: number) => Array.from({ length: rank - 1 }, (_, i) => i);

/**
 * The three kernels for `backend`, each one call of that backend's own matmul on views of its
 * inputs: 2-D on WebGPU (its matmul makes them 3-D itself), [1, rows, last] on wasm, whose
 * kernels read the batch from the first of three axes.
 */
export function linearKernels(backend: MatmulBackend): FusedModule['kernels'] {
  captureOriginals(backend);
  const view =
    backend === 'wasm'
      ? (t: Info): Info => {
          const v = view2d(t);
          return { ...v, shape: [1, ...v.shape] };
        }
      : view2d;
  return [
    {
      kernelName: LINEAR,
      kernelFunc: ({ inputs, backend: b }) => {
        const { x, w, bias } = inputs as { x: Info; w: Info; bias?: Info };
        if (backend === 'webgpu' && softwareAdapterKernels()) {
          const [k, n] = [lastDim(x.shape), lastDim(w.shape)];
          return tiledMatmul(b, x, w, { m: rowsOf(x.shape), n, inner: k, ai: k, al: 1, bl: n, bj: 1 }, [...lead(x.shape), n], bias);
        }
        const mmInputs: Record<string, Info> = { a: view(x), b: view(w) };
        if (bias) mmInputs.bias = bias;
        const out = original(backend, 'fused')({ inputs: mmInputs, backend: b, attrs: FUSED_ATTRS });
        return reshaped(out, lead(x.shape));
      },
    },
    {
      kernelName: LINEAR_GRAD_X,
      kernelFunc: ({ inputs, backend: b }) => {
        const { dy, w } = inputs as { dy: Info; w: Info };
        if (backend === 'webgpu' && softwareAdapterKernels()) {
          const [k, n] = w.shape;
          return tiledMatmul(b, dy, w, { m: rowsOf(dy.shape), n: k, inner: n, ai: n, al: 1, bl: 1, bj: n }, [...lead(dy.shape), k]);
        }
        const out = original(backend, 'batch')({ inputs: { a: view(dy), b: view(w) }, backend: b, attrs: { transposeA: false, transposeB: true } });
        return reshaped(out, lead(dy.shape));
      },
    },
    {
      kernelName: LINEAR_GRAD_W,
      kernelFunc: ({ inputs, backend: b }) => {
        const { x, dy } = inputs as { x: Info; dy: Info };
        if (backend === 'webgpu' && softwareAdapterKernels()) {
          const [k, n] = [lastDim(x.shape), lastDim(dy.shape)];
          return tiledMatmul(b, x, dy, { m: k, n, inner: rowsOf(x.shape), ai: 1, al: k, bl: n, bj: 1 }, [k, n]);
        }
        const out = original(backend, 'batch')({ inputs: { a: view(x), b: view(dy) }, backend: b, attrs: { transposeA: true, transposeB: false } });
        return reshaped(out, [lastDim(x.shape)]);
      },
    },
  ] as FusedModule['kernels'];
}

export const linearModule: FusedModule = {
  // A getter: registration (before the FLOP hooks wrap the backend) is when the originals are captured.
  get kernels() {
    return linearKernels('webgpu');
  },
  gradients: [
    {
      kernelName: LINEAR,
      inputsToSave: ['x', 'w'],
      gradFunc: (dy, saved, attrs) => {
        const [x, w] = saved;
        const g = dy as tf.Tensor;
        const engine = tf.engine();
        // Eager, as tf.fused.matMul's customGrad is: every gradient runs (and is counted) even
        // when the tape needs only some, e.g. no dx for the patch embedding, whose input is
        // data. Counted FLOPs thus stay those of the composed path and of the analytic
        // convention (backward = 2x the forward matmuls); unused results are freed by the
        // backward pass's tidy. Lazy thunks would skip that work (toy-B supervised: one call and
        // 9.4 MFLOPs, 2.9 % of a step) at the price of counts that differ from the composed path's.
        const dx = engine.runKernel(LINEAR_GRAD_X, { dy: g, w }, {}) as tf.Tensor;
        const dw = engine.runKernel(LINEAR_GRAD_W, { x, dy: g }, {}) as tf.Tensor;
        const db = (attrs as unknown as Attrs).hasBias ? tf.sum(g, leadingAxes(g.rank)) : null;
        return { x: () => dx, w: () => dw, ...(db ? { bias: () => db } : {}) };
      },
    },
  ],
  formulas: new Map<string, Formula>([
    [
      LINEAR,
      (c: KernelCall) => {
        const m = rowsOf(c.inputs.x);
        const n = lastDim(c.inputs.w);
        return 2 * m * n * lastDim(c.inputs.x) + (c.inputs.bias ? m * n : 0);
      },
    ],
    [LINEAR_GRAD_X, (c: KernelCall) => 2 * rowsOf(c.inputs.dy) * lastDim(c.inputs.dy) * c.inputs.w[0]],
    [LINEAR_GRAD_W, (c: KernelCall) => 2 * rowsOf(c.inputs.x) * lastDim(c.inputs.x) * lastDim(c.inputs.dy)],
  ]),
};

/**
 * x [..., K] W [K, N] (+ bias [N]) -> [..., N], one kernel call on WebGPU or wasm (the backends
 * its kernels are registered for); callers check `useFused('linear')`.
 */
export function fusedLinear<T extends tf.Tensor>(x: T, w: tf.Tensor, bias?: tf.Tensor | null): T {
  if (lastDim(x.shape) !== w.shape[0] || w.rank !== 2) throw new Error(`fusedLinear: x [${x.shape}] does not fit w [${w.shape}]`);
  const inputs: Record<string, tf.Tensor> = { x, w };
  if (bias) inputs.bias = bias;
  const attrs: Attrs = { hasBias: Boolean(bias) };
  return tf.engine().runKernel(LINEAR, inputs, attrs as unknown as tf.NamedAttrMap) as T;
}
