/**
 * Softmax cross-entropy with soft targets as one WebGPU kernel forward and one backward:
 *
 *     loss = scale * sum_b sum_k -t[b,k] * log_softmax(inScale * x[b])[k]
 *
 * x the logits [B, K] (or, with `transpose`, a [K, B] tensor read as its transpose, which saves
 * CLIP's Transpose kernel and its gradient), t the targets [B, K], `inScale` a temperature
 * folded in (DINO's 1 / studentTemp, NT-Xent's 1 / t), `scale` the batch mean (1 / B) or any
 * other constant the caller divides by. The output is a scalar: every caller reduces the
 * per-row losses to one number, so doing it in the kernel saves the reduction and its gradient.
 * The composed path (log_softmax, multiply, sum, mean, negate) runs ~10 kernels forward and
 * ~12 backward.
 *
 * Forward: ONE workgroup of 256 invocations, one row each in turn (rows strided by 256), then a
 * tree sum in workgroup memory; rows are short (K = classes or DINO prototypes) and B is a
 * batch, so one workgroup is enough and no second reduction kernel is needed. Per row:
 * m = max x, s = sum exp(x - m), and loss_b = (sum t) log s - sum t (x - m), which equals
 * -sum t (x - lse) without the cancellation of (sum t) lse - sum t x.
 * Backward: one workgroup of 64 per row, which recomputes m and s cooperatively, then writes
 * dL/dx = dy * scale * inScale * (softmax(x) * sum t - t) (sum t is 1 for a distribution; DINO's
 * summed teacher targets have sum t = #views, hence the general form). The targets' gradient,
 * dL/dt = -dy * scale * log_softmax(x), has its own kernel and runs only when the tape asks
 * for it: in the lab every target is a constant (labels, one-hot/identity, DINO's teacher,
 * which has no trainable parameters), so it normally never runs.
 *
 * These bodies use workgroupBarrier, which WGSL only allows in uniform control flow, so they
 * cannot sit behind program.ts's `if (index >= threads) { return; }`: the programs below are
 * made by `makeProgram` with their own `getUserCode` (no change to program.ts).
 *
 * FLOPs, from what each kernel computes (1 per add/sub/mul/div/max, 1 per exp/log; the
 * in-workgroup combination of partial sums is not counted, like a Sum's), n = B K:
 * forward 7 n + 4 B + 1 (max; sub, exp, add, add, mul, add; per row log, mul, sub, add; the
 * scale); dx 11 n + 2 B (max; sub, exp, add, add; sub, exp, div, mul, sub, mul; per row the
 * two muls of dy * scale * inScale); dt 7 n + 3 B (max; sub, exp, add, add; sub, mul; per row
 * log, add, and the negated dy * scale); with inScale != 1, + 1 per element per pass over x
 * (2 n forward, 3 n dx, 3 n dt). The composed path counts 7 n + 2 B + 1 forward (log_softmax
 * 5 n + B, multiply n, sum n, mean B, neg 1) and about 6 n + 2 B backward, plus n for each
 * temperature Div forward and backward; the fused kernels count ~5 n more per call, which is
 * under 0.1 % of a training step (the classifier's or DINO head's matmul alone is 2 n D).
 * Measured, toy-B: supervised CE 5,953 FLOPs fused vs ~4,300 composed (of 329 M a step);
 * DINO's 4 views 754 k fused vs ~490 k composed (of 1.13 G a step).
 */
import * as tf from '@tensorflow/tfjs';
import type { Formula, KernelCall } from '../../flops/formulas';
import { makeProgram, size, type ProgramUniform, type WebGPUBackendLike } from './program';
import type { FusedModule } from '../module';

export const SOFTMAX_CE = 'FlopLabSoftmaxCrossEntropy';
export const SOFTMAX_CE_GRAD_LOGITS = 'FlopLabSoftmaxCrossEntropyGradLogits';
export const SOFTMAX_CE_GRAD_TARGETS = 'FlopLabSoftmaxCrossEntropyGradTargets';

export interface CrossEntropyOptions {
  /** Multiplies the summed per-row losses (1 / B for the batch mean). Default 1. */
  scale?: number;
  /** Multiplies the logits before the softmax (an inverse temperature). Default 1. */
  inScale?: number;
  /** Read `logits` [K, B] as its transpose [B, K]. Default false. */
  transpose?: boolean;
}

interface CeAttrs {
  scale: number;
  inScale: number;
  transpose: boolean;
}

type Info = tf.TensorInfo;

const FWD_WG = 256;
const BWD_WG = 64;

const UNIFORMS = 'rows : i32, k : i32, rs : i32, cs : i32, inScale : f32, scale : f32,';

/** WGSL: logical logits element (r, j), scaled; targets are always row-major [rows, k]. */
const ACCESS = `
  fn floplabX(r : i32, j : i32) -> f32 { return logits[r * uniforms.rs + j * uniforms.cs] * uniforms.inScale; }`;

/** Uniform values: rows, k, the logits' row and column strides, inScale, scale. */
function uniforms(logits: Info, attrs: CeAttrs): { rows: number; k: number; values: ProgramUniform } {
  const [d0, d1] = logits.shape;
  const rows = attrs.transpose ? d1 : d0;
  const k = attrs.transpose ? d0 : d1;
  const [rs, cs] = attrs.transpose ? [1, rows] : [k, 1];
  return {
    rows,
    k,
    values: [
      { type: 'int32', data: [rows] },
      { type: 'int32', data: [k] },
      { type: 'int32', data: [rs] },
      { type: 'int32', data: [cs] },
      { type: 'float32', data: [attrs.inScale] },
      { type: 'float32', data: [attrs.scale] },
    ],
  };
}

function run(backend: unknown, program: ReturnType<typeof makeProgram>, threads: number, inputs: Info[], values: ProgramUniform): Info {
  return (backend as WebGPUBackendLike).runWebGPUProgram(program, inputs, 'float32', [{ type: 'int32', data: [threads] }, ...values]);
}

/** One workgroup: each invocation sums the losses of rows lid, lid + 256, ...; then a tree sum. */
function forwardProgram() {
  const program = makeProgram({
    key: 'ce_fwd',
    inputs: ['logits', 'targets'],
    outputShape: [],
    threads: FWD_WG,
    workgroup: FWD_WG,
    uniforms: UNIFORMS,
    body: '',
  });
  program.getUserCode = () => `
    var<workgroup> partial : array<f32, ${FWD_WG}>;
    ${ACCESS}
    fn main(index : i32) {
      let lid = i32(localIndex);
      let k = uniforms.k;
      var acc = 0.0;
      for (var r = lid; r < uniforms.rows; r += ${FWD_WG}) {
        var m = floplabX(r, 0);
        for (var j = 1; j < k; j++) { m = max(m, floplabX(r, j)); }
        var s = 0.0;
        var st = 0.0;
        var tdot = 0.0;
        for (var j = 0; j < k; j++) {
          let d = floplabX(r, j) - m;
          let t = targets[r * k + j];
          s += exp(d);
          st += t;
          tdot += t * d;
        }
        acc += st * log(s) - tdot;
      }
      partial[lid] = acc;
      workgroupBarrier();
      for (var stride = ${FWD_WG / 2}; stride > 0; stride = stride / 2) {
        if (lid < stride) { partial[lid] += partial[lid + stride]; }
        workgroupBarrier();
      }
      if (lid == 0) { result[0] = partial[0] * uniforms.scale; }
    }`;
  return program;
}

/**
 * One workgroup of 64 per row: m = max and s = sum exp(x - m) (and sum t for dx) reduced in
 * workgroup memory, then `write` per element. Rows past the end (a dispatch reshaped by tfjs
 * for > 65535 rows) compute on the last row and write nothing, so every barrier stays uniform.
 */
function backwardProgram(key: string, inputs: string[], outputShape: number[], rows: number, perRow: string, write: string) {
  const program = makeProgram({ key, inputs, outputShape, threads: rows * BWD_WG, workgroup: BWD_WG, uniforms: UNIFORMS, body: '' });
  program.getUserCode = () => `
    var<workgroup> redA : array<f32, ${BWD_WG}>;
    var<workgroup> redB : array<f32, ${BWD_WG}>;
    ${ACCESS}
    fn main(index : i32) {
      let lid = i32(localIndex);
      let k = uniforms.k;
      let rowIndex = index / ${BWD_WG};
      let r = min(rowIndex, uniforms.rows - 1);
      var m = -3.4e38;
      for (var j = lid; j < k; j += ${BWD_WG}) { m = max(m, floplabX(r, j)); }
      redA[lid] = m;
      workgroupBarrier();
      for (var stride = ${BWD_WG / 2}; stride > 0; stride = stride / 2) {
        if (lid < stride) { redA[lid] = max(redA[lid], redA[lid + stride]); }
        workgroupBarrier();
      }
      let mx = redA[0];
      workgroupBarrier();
      var s = 0.0;
      var st = 0.0;
      for (var j = lid; j < k; j += ${BWD_WG}) {
        s += exp(floplabX(r, j) - mx);
        st += targets[r * k + j];
      }
      redA[lid] = s;
      redB[lid] = st;
      workgroupBarrier();
      for (var stride = ${BWD_WG / 2}; stride > 0; stride = stride / 2) {
        if (lid < stride) {
          redA[lid] += redA[lid + stride];
          redB[lid] += redB[lid + stride];
        }
        workgroupBarrier();
      }
      let sum = redA[0];
      let tsum = redB[0];
      ${perRow}
      if (rowIndex < uniforms.rows) {
        for (var j = lid; j < k; j += ${BWD_WG}) {
          ${write}
        }
      }
    }`;
  return program;
}

const gradLogits = (shape: number[], rows: number) =>
  backwardProgram(
    'ce_dx',
    ['dy', 'logits', 'targets'],
    shape,
    rows,
    'let g = dy[0] * uniforms.scale * uniforms.inScale;',
    `
          let p = exp(floplabX(r, j) - mx) / sum;
          result[r * uniforms.rs + j * uniforms.cs] = g * (p * tsum - targets[r * k + j]);`,
  );

const gradTargets = (shape: number[], rows: number) =>
  backwardProgram(
    'ce_dt',
    ['dy', 'logits', 'targets'],
    shape,
    rows,
    'let lse = mx + log(sum); let g = -dy[0] * uniforms.scale;',
    `
          result[r * k + j] = g * (floplabX(r, j) - lse);`,
  );

const ceAttrs = (attrs: unknown): CeAttrs => attrs as CeAttrs;

export const crossEntropyModule: FusedModule = {
  kernels: [
    {
      kernelName: SOFTMAX_CE,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { logits, targets } = inputs as { logits: Info; targets: Info };
        const u = uniforms(logits, ceAttrs(attrs));
        return run(backend, forwardProgram(), FWD_WG, [logits, targets], u.values);
      },
    },
    {
      kernelName: SOFTMAX_CE_GRAD_LOGITS,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, logits, targets } = inputs as { dy: Info; logits: Info; targets: Info };
        const u = uniforms(logits, ceAttrs(attrs));
        return run(backend, gradLogits(logits.shape, u.rows), u.rows * BWD_WG, [dy, logits, targets], u.values);
      },
    },
    {
      kernelName: SOFTMAX_CE_GRAD_TARGETS,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, logits, targets } = inputs as { dy: Info; logits: Info; targets: Info };
        const u = uniforms(logits, ceAttrs(attrs));
        return run(backend, gradTargets(targets.shape, u.rows), u.rows * BWD_WG, [dy, logits, targets], u.values);
      },
    },
  ],
  gradients: [
    {
      kernelName: SOFTMAX_CE,
      inputsToSave: ['logits', 'targets'],
      gradFunc: (dy, saved, attrs) => {
        const [logits, targets] = saved;
        const g = dy as tf.Tensor;
        const a = ceAttrs(attrs);
        const engine = tf.engine();
        const kernelAttrs = { scale: a.scale, inScale: a.inScale, transpose: a.transpose };
        return {
          logits: () => engine.runKernel(SOFTMAX_CE_GRAD_LOGITS, { dy: g, logits, targets }, kernelAttrs) as tf.Tensor,
          targets: () => engine.runKernel(SOFTMAX_CE_GRAD_TARGETS, { dy: g, logits, targets }, kernelAttrs) as tf.Tensor,
        };
      },
    },
  ],
  formulas: new Map<string, Formula>([
    [SOFTMAX_CE, (c: KernelCall) => ceFlops(c, 7, 4, 2) + 1],
    [SOFTMAX_CE_GRAD_LOGITS, (c: KernelCall) => ceFlops(c, 11, 2, 3)],
    [SOFTMAX_CE_GRAD_TARGETS, (c: KernelCall) => ceFlops(c, 7, 3, 3)],
  ]),
};

/** perElement n + perRow B, + scalePasses n when the logits are scaled (inScale != 1). */
function ceFlops(c: KernelCall, perElement: number, perRow: number, scalePasses: number): number {
  const n = size(c.inputs.targets);
  const rows = c.inputs.targets[0];
  const inScale = (c.attrs as Partial<CeAttrs>).inScale ?? 1;
  return (perElement + (inScale !== 1 ? scalePasses : 0)) * n + perRow * rows;
}

/**
 * scale * sum over rows of the softmax cross-entropy of `logits` against the soft `targets`
 * (both [B, K]; with `transpose`, logits is [K, B] read as its transpose). A scalar. On webgpu,
 * and on wasm through ../wasm/crossEntropy.ts: callers check useFused('crossEntropy').
 */
export function fusedSoftmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, opts: CrossEntropyOptions = {}): tf.Scalar {
  const attrs: CeAttrs = { scale: opts.scale ?? 1, inScale: opts.inScale ?? 1, transpose: opts.transpose ?? false };
  const [b, k] = attrs.transpose ? [logits.shape[1], logits.shape[0]] : logits.shape;
  if (targets.shape[0] !== b || targets.shape[1] !== k) {
    throw new Error(`fusedSoftmaxCrossEntropy: logits [${logits.shape}]${attrs.transpose ? ' (transposed)' : ''} vs targets [${targets.shape}]`);
  }
  return tf.engine().runKernel(SOFTMAX_CE, { logits, targets }, attrs as unknown as tf.NamedAttrMap) as tf.Scalar;
}
