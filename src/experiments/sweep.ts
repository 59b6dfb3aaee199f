/**
 * Sweeps: the grid the paper's question needs (methods x datasets x model
 * sizes x FLOP budgets x method-option variants x seeds) as a list of run
 * configs, each with a stable key; shards of it for job arrays; and the Pareto
 * frontier of finished runs (best accuracy at no more compute). Free of tfjs.
 */
import { z } from 'zod';
import { validateConfig, type ExperimentInput } from '../train/config';

const nonEmpty = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(64);

const sweepSchema = z.strictObject({
  /** Everything the runs share (model size, batch, probe, transfer, backend ...). */
  base: z.record(z.string(), z.unknown()).default({}),
  methods: nonEmpty(z.string()),
  datasets: nonEmpty(z.string()).default(['imagenet-1k']),
  models: nonEmpty(z.string()).default(['toy-B']),
  /** Pre-training FLOP budgets: each run gets the steps its budget buys and a schedule ending there. */
  budgets: nonEmpty(z.number().positive().max(1e24)),
  /** Method-option variants by method id (e.g. MAE mask ratios); a method without any runs at its defaults. */
  variants: z.record(z.string(), nonEmpty(z.record(z.string(), z.unknown()))).default({}),
  seeds: nonEmpty(
    z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
  ).default([0]),
});

export type SweepSpec = z.input<typeof sweepSchema>;

export interface SweepRun {
  /** Stable across machines and shards: method, options, dataset, model, budget, seed. */
  key: string;
  input: ExperimentInput;
  /** The grid coordinates the key is made of. */
  method: string;
  options: Record<string, unknown>;
  dataset: string;
  model: string;
  budget: number;
  seed: number;
}

/** At most this many runs in one sweep (a typo in a list should not queue a week of work). */
const MAX_SWEEP_RUNS = 2000;

const optionKey = (o: Record<string, unknown>) =>
  Object.keys(o)
    .sort()
    .map((k) => `${k}=${String(o[k])}`)
    .join(',');

/** Every run of the sweep, each config validated; throws naming the first bad run and field. */
export function expandSweep(spec: SweepSpec): SweepRun[] {
  const s = sweepSchema.parse(spec);
  const runs: SweepRun[] = [];
  for (const method of s.methods)
    for (const options of s.variants[method] ?? [{}])
      for (const preset of s.datasets)
        for (const model of s.models)
          for (const budget of s.budgets)
            for (const seed of s.seeds) {
              const input = {
                ...s.base,
                method,
                methodOptions: options,
                dataset: { ...(s.base.dataset as object), preset },
                model,
                budgetFlops: budget,
                seed,
              } as ExperimentInput;
              const key = [method, optionKey(options), preset, model, budget.toExponential(3), `s${seed}`].filter(Boolean).join('|');
              const v = validateConfig(input);
              if (!v.ok) throw new Error(`sweep run ${key}: ${v.error.message}`);
              runs.push({ key, input, method, options, dataset: preset, model, budget, seed });
              if (runs.length > MAX_SWEEP_RUNS) throw new Error(`the sweep has more than ${MAX_SWEEP_RUNS} runs; split it or shorten a list`);
            }
  return runs;
}

/** Shard `index` of `count` (0-based): every count-th run, so shards of a job array balance methods and budgets. */
export function shardOf<T>(runs: readonly T[], index: number, count: number): T[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`shard count must be a positive integer, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`shard index must be in 0..${count - 1}, got ${index}`);
  return runs.filter((_, i) => i % count === index);
}

/** Shard outputs back into sweep order (by key); a key seen twice or missing is an error. */
export function mergeShards<T extends { key: string }>(shards: readonly (readonly T[])[], order: readonly string[]): T[] {
  const byKey = new Map<string, T>();
  for (const shard of shards)
    for (const item of shard) {
      if (byKey.has(item.key)) throw new Error(`run ${item.key} appears in two shards`);
      byKey.set(item.key, item);
    }
  const missing = order.filter((k) => !byKey.has(k));
  if (missing.length > 0) throw new Error(`${missing.length} run(s) missing from the shards, e.g. ${missing[0]}`);
  return order.map((k) => byKey.get(k)!);
}

export interface ParetoPoint {
  /** Compute spent (FLOPs, hours or kg CO2: anything where less is better). */
  x: number;
  /** Accuracy (more is better). */
  y: number;
}

/**
 * The points no other point beats: none with at most its compute and more
 * accuracy (or equal accuracy for less compute). Sorted by compute, so the
 * accuracy rises along it.
 */
export function paretoFrontier<T extends ParetoPoint>(points: readonly T[]): T[] {
  const sorted = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x || b.y - a.y);
  const frontier: T[] = [];
  for (const p of sorted) if (frontier.length === 0 || p.y > frontier[frontier.length - 1].y) frontier.push(p);
  return frontier;
}
