/** Which reductions the column-sum kernels take (./wasm/columnSum.ts, ./webgpu/columnSum.ts). */

/** The number of leading axes `axis` names when they are exactly 0..k-1 of a rank-`rank` tensor (0 < k < rank), else 0. */
export function leadingAxesCount(axis: number | number[], rank: number): number {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i);
  return leading && axes.length > 0 && axes.length < rank ? axes.length : 0;
}
