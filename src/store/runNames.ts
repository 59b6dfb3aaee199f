/**
 * Run names a person can tell apart in the Runs table (issue 19): the method, the dataset, the
 * model, the budget in words and the seed, e.g. "SimCLR · imagenet-1k · toy-B · 25 GFLOP budget ·
 * seed 1". A name already taken gets " (2)", " (3)", ... so no two stored runs share one.
 */
import { methodSpec } from '../methods/catalog';
import { presetOf } from '../models/presets';
import type { ExperimentConfig } from '../train/config';

const PREFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** 2.5e10 -> "25 G", 1.2e12 -> "1.2 T", 800 -> "800 ": three significant digits at most. */
function compact(x: number): string {
  let k = 0;
  while (Math.abs(x) >= 1000 && k < PREFIXES.length - 1) {
    x /= 1000;
    k++;
  }
  return `${Number(x.toPrecision(3))} ${PREFIXES[k]}`;
}

/** The run's length in words: its FLOP budget when it has one, else its steps. */
export function budgetInWords(config: Pick<ExperimentConfig, 'budgetFlops' | 'steps'>): string {
  if (config.budgetFlops) return `${compact(config.budgetFlops)}FLOP budget`;
  return `${config.steps.toLocaleString('en-US')} step${config.steps === 1 ? '' : 's'}`;
}

export function runName(config: ExperimentConfig): string {
  const method = methodSpec(config.method)?.label ?? config.method;
  const model = presetOf(config.model) ?? `dim ${config.model.dim} x ${config.model.depth}`;
  return [method, config.dataset.preset, model, budgetInWords(config), `seed ${config.seed}`].join(' · ');
}

/** `name`, or `name (n)` with the smallest n >= 2 that no name in `taken` has. */
export function uniqueName(name: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(name)) return name;
  for (let n = 2; ; n++) if (!used.has(`${name} (${n})`)) return `${name} (${n})`;
}
