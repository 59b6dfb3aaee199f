/**
 * The custom sweep builder's form, as data: which methods, datasets and models
 * are ticked, the budgets and per-option values as typed text, and the seeds.
 * `buildSweep` turns it into a sweep spec and its run count, or the first
 * thing wrong, named. Option values are typed as comma-separated lists; each
 * method runs every combination of its listed values (none listed: its
 * defaults). Free of React and tfjs.
 */
import { expandSweep, type SweepSpec } from '../../experiments/sweep';

export interface BuilderState {
  methods: string[];
  datasets: string[];
  models: string[];
  /** e.g. "2.5e10, 5e10, 1e11" */
  budgets: string;
  /** methodId -> optionKey -> typed list, e.g. { mae: { maskRatio: '0.75, 0.85' } } */
  options: Record<string, Record<string, string>>;
  seeds: number;
  /** Shared by every run: backend, batch, probe ... (the experiment panel's config). */
  base: Record<string, unknown>;
}

export type BuildResult = { ok: true; spec: SweepSpec; runs: number } | { ok: false; error: string };

const items = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Numbers as numbers, true/false as booleans, anything else as the text (the method's schema names what is wrong). */
const parseValue = (s: string): string | number | boolean => (s === 'true' ? true : s === 'false' ? false : Number.isFinite(Number(s)) ? Number(s) : s);

/** Every combination of the listed values of each option, e.g. {a: [1, 2], b: ['x']} -> [{a: 1, b: 'x'}, {a: 2, b: 'x'}]. */
export function combinations(lists: Record<string, unknown[]>): Record<string, unknown>[] {
  return Object.entries(lists).reduce<Record<string, unknown>[]>((acc, [key, values]) => acc.flatMap((o) => values.map((v) => ({ ...o, [key]: v }))), [{}]);
}

export function parseBudgets(text: string): number[] | string {
  const list = items(text);
  if (list.length === 0) return 'budgets: give at least one FLOP budget, e.g. 2.5e10, 1e11';
  const bad = list.find((s) => !(Number(s) > 0));
  if (bad !== undefined) return `budgets: '${bad}' is not a positive number of FLOPs`;
  return list.map(Number);
}

export function buildSweep(s: BuilderState): BuildResult {
  if (s.methods.length === 0) return { ok: false, error: 'methods: tick at least one method' };
  if (s.datasets.length === 0) return { ok: false, error: 'datasets: tick at least one dataset' };
  if (s.models.length === 0) return { ok: false, error: 'models: tick at least one model' };
  const budgets = parseBudgets(s.budgets);
  if (typeof budgets === 'string') return { ok: false, error: budgets };
  if (!(Number.isInteger(s.seeds) && s.seeds >= 1 && s.seeds <= 64)) return { ok: false, error: 'seeds: a whole number from 1 to 64' };
  const variants: Record<string, Record<string, unknown>[]> = {};
  for (const m of s.methods) {
    const lists = Object.fromEntries(
      Object.entries(s.options[m] ?? {})
        .map(([k, text]) => [k, items(text).map(parseValue)] as const)
        .filter(([, values]) => values.length > 0),
    );
    if (Object.keys(lists).length > 0) variants[m] = combinations(lists);
  }
  const spec: SweepSpec = {
    base: s.base,
    methods: s.methods,
    datasets: s.datasets,
    models: s.models,
    budgets,
    variants,
    seeds: Array.from({ length: s.seeds }, (_, i) => i),
  };
  try {
    return { ok: true, spec, runs: expandSweep(spec).length };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}
