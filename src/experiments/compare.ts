/**
 * The per-method FLOP comparison (the analogue of the paper's Figure 3): one
 * instrumented step of every method, and of MAE at each mask ratio with both
 * decoders, on the same model and batch. Each row also carries the measured
 * kernel time of the step by component (tf.profile after a warm-up step, its
 * kernel records matched in order to the counter's trace), which gives the MAE
 * decoder's share of step time beside its share of FLOPs (paper A.5).
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../train/config';
import type { ComparisonRow } from '../train/records';
import { createTrainer, type Trainer } from '../train/trainer';
import type { Variant } from './variants';

/**
 * Sums measured kernel times by component. Profile records and the counter's
 * trace list the same kernel calls in nearly the same order (the profiler also
 * records op-level "__op" wrappers and engine-internal Identity/Reshape calls,
 * and nested calls can come a few places earlier or later), so each trace entry
 * takes the earliest unused record of its name in a short window. Returns null
 * when more than 2% of the trace found no record.
 */
export function timeByComponent(
  kernels: { name: string; kernelTimeMs: number | { error: string } }[],
  trace: [string, string][],
): Record<string, number> | null {
  const ms: Record<string, number> = {};
  const used = new Uint8Array(kernels.length);
  let base = 0; // every record before `base` is used
  let unmatched = 0;
  for (const [name, component] of trace) {
    let k = base;
    while (k < kernels.length && k < base + 24 && (used[k] || kernels[k].name !== name)) k++;
    if (k >= kernels.length || used[k] || kernels[k].name !== name) {
      unmatched++;
      continue;
    }
    used[k] = 1;
    const t = kernels[k].kernelTimeMs;
    if (typeof t === 'number') ms[component] = (ms[component] ?? 0) + t;
    while (base < kernels.length && (used[base] || kernels[base].name.endsWith('__op'))) base++;
  }
  return unmatched <= 0.02 * trace.length ? ms : null;
}

export async function profileVariant(base: ExperimentConfig, v: Variant): Promise<ComparisonRow> {
  const trainer = await createTrainer({ ...base, method: v.method, methodOptions: v.options });
  try {
    trainer.step(0).loss.dispose(); // warm-up: pipelines compile, constants upload
    const trace: [string, string][] = [];
    trainer.counter.trace = trace;
    let counts: ReturnType<Trainer['step']>['counts'] | undefined;
    const info = await tf.profile(() => {
      const r = trainer.step(1);
      counts = r.counts;
      return r.loss;
    });
    trainer.counter.trace = null;
    tf.dispose(info.result);
    const msByComponent = timeByComponent(info.kernels as never, trace) ?? {};
    const { forward, backward, optimizer } = counts!.byPhase;
    return {
      key: v.key,
      backend: tf.getBackend(),
      method: v.method,
      label: v.label,
      options: v.options,
      totalFlops: counts!.total,
      byComponent: counts!.byComponent,
      byPhase: { forward, backward, optimizer },
      msByComponent,
      kernelMs: Object.values(msByComponent).reduce((a, b) => a + b, 0),
      batchSize: trainer.config.batchSize,
    };
  } finally {
    trainer.dispose();
  }
}
