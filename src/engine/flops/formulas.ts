/**
 * FLOP formulas per tfjs kernel, from input/output shapes and attributes.
 *
 * Conventions (stated in the README too):
 * - one multiply-add = 2 FLOPs: a [M,K]x[K,N] matmul is 2*M*N*K;
 * - elementwise ops (arithmetic, comparisons, transcendentals such as exp, erf,
 *   tanh) are 1 FLOP per output element;
 * - reductions are 1 FLOP per input element;
 * - pure data movement (reshape, transpose, slice, gather, concat, cast, fill...)
 *   is 0 FLOPs but is still "counted": it has a formula, the formula says zero;
 * - a kernel with no entry here is "uncounted": it contributes 0 and is listed by
 *   name with its call count, never silently dropped.
 */

export type Shape = readonly number[];

export interface KernelCall {
  /** Input shapes by the kernel's input name (a, b, x, dy, ...), in tfjs order. */
  inputs: Record<string, Shape>;
  outputs: Shape[];
  attrs: Record<string, unknown>;
}

export type Formula = (call: KernelCall) => number;

const size = (s: Shape | undefined): number => {
  if (!s) return 0;
  let n = 1;
  for (const d of s) n *= d;
  return n;
};

const outSize = (c: KernelCall) => size(c.outputs[0]);
const firstInput = (c: KernelCall): Shape | undefined => {
  for (const k in c.inputs) return c.inputs[k];
  return undefined;
};

/** Batched matmul: out [...batch, M, N], reduction length K from `a`. */
function matMul(c: KernelCall): number {
  const a = c.inputs.a;
  const transposeA = Boolean(c.attrs.transposeA);
  const k = transposeA ? a[a.length - 2] : a[a.length - 1];
  let flops = 2 * outSize(c) * k;
  // _FusedMatMul folds a bias add, an activation and an optional prelu into the kernel.
  if (c.inputs.bias) flops += outSize(c);
  const act = c.attrs.activation;
  if (act && act !== 'linear') flops += outSize(c);
  return flops;
}

/** Conv2D: 2 * out elements * (kh * kw * inChannels). Filter is [kh, kw, in, out]. */
function conv2d(c: KernelCall): number {
  const f = c.inputs.filter;
  return 2 * outSize(c) * f[0] * f[1] * f[2] + (c.inputs.bias ? outSize(c) : 0);
}
/** dx of a conv: every dy element meets kh*kw*in filter taps. */
function conv2dBackpropInput(c: KernelCall): number {
  const f = c.inputs.filter;
  return 2 * size(c.inputs.dy) * f[0] * f[1] * f[2];
}
/** dW of a conv: every dy element meets kh*kw*in input taps. */
function conv2dBackpropFilter(c: KernelCall): number {
  const dy = c.inputs.dy;
  const fs = c.attrs.filterShape as number[];
  return 2 * size(dy) * fs[0] * fs[1] * fs[2];
}
function depthwiseConv(c: KernelCall): number {
  const f = c.inputs.filter;
  return 2 * outSize(c) * f[0] * f[1];
}

const elementwise: Formula = (c) => outSize(c);
const reduction: Formula = (c) => size(firstInput(c));
const zero: Formula = () => 0;
/** AddN sums n inputs: n-1 adds per output element. */
const addN: Formula = (c) => (Object.keys(c.inputs).length - 1) * outSize(c);
/** Softmax = max, subtract, exp, sum, divide: 5 FLOPs per element. */
const softmax: Formula = (c) => 5 * outSize(c);
/** Bilinear resize: 4 taps weighted and summed (7) + weight arithmetic (1) per output element. */
const resizeBilinear: Formula = (c) => 8 * outSize(c);
const resizeBilinearGrad: Formula = (c) => 8 * size(c.inputs.dy);

export const ELEMENTWISE = [
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'FloorDiv',
  'Mod',
  'Maximum',
  'Minimum',
  'Pow',
  'SquaredDifference',
  'Atan2',
  'Exp',
  'Expm1',
  'Log',
  'Log1p',
  'Sqrt',
  'Rsqrt',
  'Square',
  'Neg',
  'Abs',
  'Sign',
  'Reciprocal',
  'Floor',
  'Ceil',
  'Round',
  'Relu',
  'Relu6',
  'Elu',
  'EluGrad',
  'Selu',
  'LeakyRelu',
  'Prelu',
  'Sigmoid',
  'Softplus',
  'Tanh',
  'Erf',
  'Sin',
  'Cos',
  'Tan',
  'Asin',
  'Acos',
  'Atan',
  'Sinh',
  'Cosh',
  'Asinh',
  'Acosh',
  'Atanh',
  'Step',
  'ClipByValue',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'Equal',
  'NotEqual',
  'LogicalAnd',
  'LogicalOr',
  'LogicalNot',
  'LogicalXor',
  'Select',
  'IsNan',
  'IsInf',
  'IsFinite',
];
// TopK is a selection over its input: counted like a reduction.
export const REDUCTIONS = ['TopK', 'Cumsum', 'Sum', 'Mean', 'Max', 'Min', 'Prod', 'All', 'Any', 'ArgMax', 'ArgMin', 'UnsortedSegmentSum'];
export const DATA_MOVEMENT = [
  'Reshape',
  'Transpose',
  'Identity',
  'Cast',
  'Concat',
  'Slice',
  'StridedSlice',
  'GatherV2',
  'GatherNd',
  'Tile',
  'PadV2',
  'MirrorPad',
  'FlipLeftRight',
  'Fill',
  'ZerosLike',
  'OnesLike',
  'Range',
  'OneHot',
  'ExpandDims',
  'Pack',
  'Unpack',
  'SplitV',
  'BroadcastTo',
  'Reverse',
  'ScatterNd',
  'TensorScatterUpdate',
  'Complex',
  'Real',
  'Imag',
];

const TABLE = new Map<string, Formula>([
  ['BatchMatMul', matMul],
  ['_FusedMatMul', matMul],
  ['Conv2D', conv2d],
  ['FusedConv2D', conv2d],
  ['Conv2DBackpropInput', conv2dBackpropInput],
  ['Conv2DBackpropFilter', conv2dBackpropFilter],
  ['DepthwiseConv2dNative', depthwiseConv],
  ['FusedDepthwiseConv2D', depthwiseConv],
  ['AddN', addN],
  ['Softmax', softmax],
  ['ResizeBilinear', resizeBilinear],
  ['ResizeBilinearGrad', resizeBilinearGrad],
  ['CropAndResize', resizeBilinear],
  // LogSoftmax = max, subtract, exp, sum, log, subtract: 6 per element (webgpu/cpu compose it from these otherwise).
  ['LogSoftmax', (c) => 6 * outSize(c)],
  ...ELEMENTWISE.map((n): [string, Formula] => [n, elementwise]),
  ...REDUCTIONS.map((n): [string, Formula] => [n, reduction]),
  ...DATA_MOVEMENT.map((n): [string, Formula] => [n, zero]),
]);

export const FORMULAS: ReadonlyMap<string, Formula> = TABLE;

/**
 * Adds the formula of a kernel the lab registers itself (the fused WebGPU kernels in
 * src/engine/fused): each states what its own kernel computes. A name already in the table
 * is refused, so no tfjs kernel's formula can be replaced by accident.
 */
export function registerFormula(name: string, formula: Formula): void {
  const existing = TABLE.get(name);
  if (existing && existing !== formula) throw new Error(`kernel ${name} already has a FLOP formula`);
  TABLE.set(name, formula);
}

/** FLOPs of one kernel call, or undefined when the kernel has no formula. */
export function kernelFlops(name: string, call: KernelCall): number | undefined {
  const f = FORMULAS.get(name);
  return f ? f(call) : undefined;
}
