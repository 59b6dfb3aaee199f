/** Which reductions the column-sum kernels take (./wasm/columnSum.ts, ./webgpu/columnSum.ts). */

/** The number of leading axes `axis` names when they are exactly 0..k-1 of a rank-`rank` tensor (0 < k < rank), else 0. */
export function leadingAxesCount(axis: number | number[], rank: number): number {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i);
  return leading && axes.length > 0 && axes.length < rank ? axes.length : 0;
}

/**
 * A Sum of a non-empty tensor of `shape` over `axis` seen as column sums of a [rows, cols] matrix,
 * with the Sum's output shape; null when the axes are not a leading run (or nothing is summed).
 */
export function leadingReduction(
  shape: readonly number[],
  axis: number | number[],
  keepDims: boolean,
): { rows: number; cols: number; outShape: number[] } | null {
  const k = leadingAxesCount(axis, shape.length);
  const count = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  if (k === 0 || count(shape) === 0) return null;
  const rest = shape.slice(k);
  return { rows: count(shape.slice(0, k)), cols: count(rest), outShape: keepDims ? [...shape.slice(0, k).map(() => 1), ...rest] : rest };
}
