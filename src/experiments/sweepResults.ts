/**
 * A sweep's results as one file: every run's point (what it was, what it cost,
 * what it reached, why it failed), the order of the full sweep, and the shard
 * it came from. The page exports it, `npm run reproduce` writes it as
 * results.json/results.csv, and `npm run merge` joins shard files back into the
 * unsharded one. A file read back is validated (strict schema, bounded sizes).
 * Free of tfjs.
 */
import { z } from 'zod';
import { mergeShards } from './sweep';
import { paperEquivalent } from '../carbon/paperEquivalent';
import { csvText } from '../lib/csv';

const SWEEP_FILE_FORMAT = 'floplab-sweep';
const SWEEP_FILE_VERSION = 1;
const MAX_POINTS = 2000;

const fraction = () => z.number().min(0).max(1);
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !/[<>]/.test(s), { error: 'contains "<" or ">": HTML is not allowed' });

const sweepPointSchema = z.strictObject({
  /** Stable key (src/experiments/sweep.ts): method, options, dataset, model, budget, seed. */
  key: text(400),
  runId: text(80).nullable(),
  status: z.enum(['done', 'stopped', 'diverged', 'error']),
  reason: text(4000).optional(),
  method: text(40),
  /** Method options that differ from the defaults (the sweep's variant), e.g. {maskRatio: 0.85}. */
  options: z.record(z.string().max(40), z.union([z.string().max(80), z.number(), z.boolean()])),
  dataset: text(40),
  /** A model preset name, or 'custom'. */
  model: text(40),
  budget: z.number().positive(),
  seed: z.number().int().min(0),
  /** Steps the budget bought and FLOPs actually spent (counted). */
  steps: z.number().int().min(0),
  flops: z.number().min(0),
  accuracy: fraction().optional(),
  probeInterval: z.tuple([fraction(), fraction()]).optional(),
  patchMiou: fraction().optional(),
  /** The random-init encoder's probe and patch mIoU for the same seed (the chance line). */
  randomInit: z.strictObject({ accuracy: fraction(), patchMiou: fraction().optional() }).optional(),
  wallMs: z.number().min(0),
  backend: text(40),
  /** The run's full input config: paste it into the page (#config=) to reopen it. */
  config: z.record(z.string(), z.unknown()),
});

export type SweepPoint = z.infer<typeof sweepPointSchema>;

const sweepFileSchema = z.strictObject({
  format: z.literal(SWEEP_FILE_FORMAT),
  version: z.literal(SWEEP_FILE_VERSION),
  name: text(200),
  preset: text(40).optional(),
  createdAt: text(40),
  /** [index, count] when this file holds one shard of the sweep. */
  shard: z.tuple([z.number().int().min(0), z.number().int().min(1)]).optional(),
  /** Every run key of the whole sweep, in sweep order (so shards can be merged and gaps named). */
  order: z.array(text(400)).max(MAX_POINTS),
  points: z.array(sweepPointSchema).max(MAX_POINTS),
});

export type SweepFile = z.infer<typeof sweepFileSchema>;

export function sweepFile(name: string, order: string[], points: SweepPoint[], extra: { preset?: string; shard?: [number, number] } = {}): SweepFile {
  return { format: SWEEP_FILE_FORMAT, version: SWEEP_FILE_VERSION, name, ...extra, createdAt: new Date().toISOString(), order, points };
}

/** Parses a sweep file, naming the first bad field. */
export function parseSweepFile(textIn: string): SweepFile {
  let raw: unknown;
  try {
    raw = JSON.parse(textIn);
  } catch (e) {
    throw new Error(`not a sweep results file: not JSON (${(e as Error).message})`);
  }
  const r = sweepFileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`not a valid sweep results file: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return r.data;
}

/** Shard files of one sweep back into one file in sweep order; refuses files of different sweeps, overlaps and gaps. */
export function mergeSweepFiles(files: readonly SweepFile[]): SweepFile {
  if (files.length === 0) throw new Error('nothing to merge: give at least one results.json');
  const order = files[0].order;
  for (const f of files)
    if (f.order.length !== order.length || f.order.some((k, i) => k !== order[i]))
      throw new Error(`'${f.name}' belongs to a different sweep (its run list differs from '${files[0].name}')`);
  const points = mergeShards(
    files.map((f) => f.points),
    order,
  );
  const { shard: _shard, ...first } = files[0];
  return { ...first, createdAt: new Date().toISOString(), points };
}

export const SWEEP_CSV_COLUMNS = [
  'key',
  'status',
  'reason',
  'method',
  'options',
  'dataset',
  'model',
  'budget',
  'seed',
  'steps',
  'flops',
  'probe',
  'probe_low',
  'probe_high',
  'patch_miou',
  'random_init_probe',
  'random_init_patch_miou',
  'wall_s',
  'paper_equivalent_hours',
  'paper_equivalent_kg_co2',
  'backend',
  'run_id',
] as const;

/** One row per run; hours and CO2 are the paper-equivalent readout (32 TPUv3, europe-west1; src/carbon/paperEquivalent.ts). */
export function sweepCsv(file: SweepFile): string {
  const rows = file.points.map((p) => {
    const paper = paperEquivalent(p.flops);
    return [
      p.key,
      p.status,
      p.reason,
      p.method,
      p.options,
      p.dataset,
      p.model,
      p.budget,
      p.seed,
      p.steps,
      p.flops,
      p.accuracy,
      p.probeInterval?.[0],
      p.probeInterval?.[1],
      p.patchMiou,
      p.randomInit?.accuracy,
      p.randomInit?.patchMiou,
      (p.wallMs / 1000).toFixed(1),
      paper.hours.toPrecision(4),
      paper.kgCo2.toPrecision(4),
      p.backend,
      p.runId,
    ];
  });
  return csvText([SWEEP_CSV_COLUMNS, ...rows]);
}

/** The measure a preset plots, read off a point. */
export const measureOf = (p: SweepPoint, measure: 'probe' | 'patchMiou'): number | undefined => (measure === 'probe' ? p.accuracy : p.patchMiou);
