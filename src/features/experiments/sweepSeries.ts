/**
 * A sweep's points as what the Experiments card draws (pure, no React):
 *
 * - curves: one per method variant x model x dataset, a point per budget,
 *   the seeds of a budget averaged, with error bars spanning the seeds
 *   (min-max) or, with one seed, the probe's 95 % interval;
 * - x on one of the paper's three axes: FLOPs, hours on a device, kg CO2;
 * - the Pareto frontier of those points (best measure for no more compute);
 * - the runs left off the curves (failed, diverged, stopped, unmeasured), each with why;
 * - the mean random-init level (the chance line);
 * - a Table-1 grid: method variant x dataset, the mean at the largest budget.
 */
import { co2Of, hoursOn, type Device, type Region } from '../../carbon/devices';
import { paretoFrontier } from '../../experiments/sweep';
import { measureOf, type SweepPoint } from '../../experiments/sweepResults';

export type Measure = 'probe' | 'patchMiou';
export type XAxisKind = 'flops' | 'hours' | 'co2';

/** Where the FLOPs would run, for the hours and CO2 axes. */
export interface CarbonSetup {
  device: Device;
  utilisation: number;
  pue: number;
  region: Region;
}

export interface CurvePoint {
  seriesId: string;
  budget: number;
  /** Mean FLOPs the seeds spent, and that on the chosen axis. */
  flops: number;
  /** Mean steps the seeds took (the budget over their FLOPs per step). */
  steps: number;
  x: number;
  /** Mean of the measure over the seeds, and the error bar's ends. */
  y: number;
  low: number;
  high: number;
  spread: 'seeds' | 'probe interval' | 'none';
  seeds: number[];
  wallMs: number;
  runs: SweepPoint[];
}

export interface Series {
  id: string;
  method: string;
  /** The options that differ from the method's defaults, e.g. "maskRatio 0.85, decoder tiny" ('' at the defaults). */
  variant: string;
  model: string;
  dataset: string;
  label: string;
  points: CurvePoint[];
}

/**
 * Each curve's name with only the parts that tell curves apart: the method
 * (and variant), then the model and the dataset when the sweep has several.
 */
export function seriesNames(series: readonly Series[]): Map<string, string> {
  const manyModels = new Set(series.map((s) => s.model)).size > 1;
  const manyDatasets = new Set(series.map((s) => s.dataset)).size > 1;
  return new Map(
    series.map((s) => [
      s.id,
      [s.variant ? `${s.method} (${s.variant})` : s.method, ...(manyModels ? [s.model] : []), ...(manyDatasets ? [s.dataset] : [])].join(' · '),
    ]),
  );
}

interface Excluded {
  point: SweepPoint;
  reason: string;
}

export interface SweepSeries {
  series: Series[];
  frontier: CurvePoint[];
  excluded: Excluded[];
  /** Mean random-init value of the measure over the plotted runs; null when none was recorded. */
  randomInit: number | null;
}

/** `flops` (spent in `steps` steps: the A.1 fit needs them) on the chosen axis. */
export function xOf(flops: number, axis: XAxisKind, setup: CarbonSetup, steps?: number): number {
  if (axis === 'flops') return flops;
  const hours = hoursOn(flops, setup.device, setup.utilisation, steps);
  return axis === 'hours' ? hours : co2Of(hours, setup.device.watts, setup.pue, setup.region).kgCo2;
}

const variantLabel = (options: SweepPoint['options']): string =>
  Object.entries(options)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');

/** Order-free identity of a method variant (options in any key order are the same variant). */
const variantKey = (p: SweepPoint): string =>
  [
    p.method,
    ...Object.keys(p.options)
      .sort()
      .map((k) => `${k}=${String(p.options[k])}`),
  ].join('|');

const methodVariantLabel = (p: Pick<SweepPoint, 'method' | 'options'>): string => {
  const v = variantLabel(p.options);
  return v ? `${p.method} (${v})` : p.method;
};

/** Why a run is not on the curves, or null when it is. */
function exclusionOf(p: SweepPoint, measure: Measure): string | null {
  if (p.status === 'stopped') return p.reason ?? 'stopped before its budget was spent';
  if (p.status !== 'done') return p.reason ?? p.status;
  const v = measureOf(p, measure);
  if (v === undefined || !Number.isFinite(v)) return measure === 'patchMiou' ? 'no patch mIoU (the dense patch probe was off)' : 'no probe result';
  return null;
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** The seeds of one budget of one curve, as one point. */
function aggregate(seriesId: string, runs: SweepPoint[], measure: Measure, axis: XAxisKind, setup: CarbonSetup): CurvePoint {
  const values = runs.map((r) => measureOf(r, measure) as number);
  const y = mean(values);
  const flops = mean(runs.map((r) => r.flops));
  const steps = mean(runs.map((r) => r.steps));
  const interval = measure === 'probe' && runs.length === 1 ? runs[0].probeInterval : undefined;
  const [low, high, spread]: [number, number, CurvePoint['spread']] =
    runs.length > 1 ? [Math.min(...values), Math.max(...values), 'seeds'] : interval ? [interval[0], interval[1], 'probe interval'] : [y, y, 'none'];
  return {
    seriesId,
    budget: runs[0].budget,
    flops,
    steps,
    x: xOf(flops, axis, setup, steps),
    y,
    low,
    high,
    spread,
    seeds: runs.map((r) => r.seed),
    wallMs: mean(runs.map((r) => r.wallMs)),
    runs,
  };
}

/** Groups items by key, keeping the order in which keys first appear. */
function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function sweepSeries(points: readonly SweepPoint[], measure: Measure, axis: XAxisKind, setup: CarbonSetup): SweepSeries {
  const excluded: Excluded[] = [];
  const plotted: SweepPoint[] = [];
  for (const p of points) {
    const reason = exclusionOf(p, measure);
    if (reason === null) plotted.push(p);
    else excluded.push({ point: p, reason });
  }
  const series = [...groupBy(plotted, (p) => [variantKey(p), p.model, p.dataset].join('#'))].map(([id, runs]): Series => {
    const first = runs[0];
    const byBudget = [...groupBy(runs, (r) => String(r.budget))].map(([, cell]) => aggregate(id, cell, measure, axis, setup));
    return {
      id,
      method: first.method,
      variant: variantLabel(first.options),
      model: first.model,
      dataset: first.dataset,
      label: `${methodVariantLabel(first)} · ${first.model} · ${first.dataset}`,
      points: byBudget.sort((a, b) => a.budget - b.budget),
    };
  });
  const baselines = plotted.map((p) => (measure === 'probe' ? p.randomInit?.accuracy : p.randomInit?.patchMiou)).filter((v): v is number => v !== undefined);
  return {
    series,
    // Runs of one budget spend it to within a step, so they compete at their budget: ranked by the FLOPs each happened
    // to spend, a worse run 0.1 % cheaper would join the frontier. Budgets rank the same way on every axis.
    frontier: paretoFrontier(series.flatMap((s) => s.points).map((p) => ({ point: p, x: p.budget, y: p.y }))).map((f) => f.point),
    excluded,
    randomInit: baselines.length > 0 ? mean(baselines) : null,
  };
}

interface GridCell {
  /** Mean of the measure over the seeds at `budget`, the cell's largest budget. */
  value: number;
  budget: number;
  seeds: number;
}

interface GridRow {
  id: string;
  label: string;
  /** One per dataset column; null where the row has no measured run on that dataset. */
  cells: (GridCell | null)[];
  /** Column indices of the row's best dataset (ties all flagged); empty with fewer than two filled cells. */
  best: number[];
}

export interface SweepGrid {
  datasets: string[];
  rows: GridRow[];
}

/** Table 1: rows are method variants (and models, when the sweep has several), columns datasets. */
export function sweepGrid(points: readonly SweepPoint[], measure: Measure): SweepGrid {
  const measured = points.filter((p) => exclusionOf(p, measure) === null);
  const datasets = [...new Set(points.map((p) => p.dataset))];
  const manyModels = new Set(points.map((p) => p.model)).size > 1;
  const rows = [...groupBy(measured, (p) => (manyModels ? `${variantKey(p)}#${p.model}` : variantKey(p)))].map(([id, runs]): GridRow => {
    const cells = datasets.map((dataset): GridCell | null => {
      const here = runs.filter((r) => r.dataset === dataset);
      if (here.length === 0) return null;
      const budget = Math.max(...here.map((r) => r.budget));
      const atBudget = here.filter((r) => r.budget === budget);
      return { value: mean(atBudget.map((r) => measureOf(r, measure) as number)), budget, seeds: atBudget.length };
    });
    const filled = cells.filter((c): c is GridCell => c !== null);
    const top = Math.max(...filled.map((c) => c.value));
    return {
      id,
      label: manyModels ? `${methodVariantLabel(runs[0])} · ${runs[0].model}` : methodVariantLabel(runs[0]),
      cells,
      best: filled.length < 2 ? [] : cells.flatMap((c, i) => (c !== null && c.value === top ? [i] : [])),
    };
  });
  return { datasets, rows };
}
