/** Rows of the per-kernel breakdown: every kernel that ran, counted or not. */
import type { StepProfile } from '../../train/records';

export interface KernelRow {
  kernel: string;
  flops: number;
  calls: number;
  share: number;
  counted: boolean;
}

export function kernelRows(profile: StepProfile): KernelRow[] {
  const names = new Set([...Object.keys(profile.byKernel), ...Object.keys(profile.calls)]);
  const total = profile.totalFlops;
  return [...names]
    .map((kernel) => {
      const flops = profile.byKernel[kernel] ?? 0;
      return {
        kernel,
        flops,
        calls: profile.calls[kernel] ?? 0,
        share: total > 0 ? flops / total : 0,
        counted: !(kernel in profile.uncounted),
      };
    })
    .sort((a, b) => b.flops - a.flops || b.calls - a.calls || a.kernel.localeCompare(b.kernel));
}

/** Name -> value pairs sorted largest first, for bar charts. */
export function sortedEntries(record: Record<string, number>): { name: string; value: number }[] {
  return Object.entries(record)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => b.value - a.value);
}
