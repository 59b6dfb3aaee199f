/**
 * Every method the lab knows: the list of their specs (label, paper, options
 * schema with defaults, ranges, help and the paper's value, and a loader for the
 * implementation). A method is a folder, src/methods/<id>/: options.ts (schema),
 * spec.ts, method.ts (tfjs) and loss.ts; adding one is its folder plus one entry
 * here. Free of tfjs: the implementations load on demand (in the worker), so the
 * page bundle can validate configs and draw option controls from this file alone.
 * Nothing here is imported back by a method's folder (no import circle).
 *
 * Each default sits beside the paper's value; comments say why the toy value
 * differs, with the measurement (docs/recipes.md has the sweeps).
 */
import type { z } from 'zod';
import { optionControls, type MethodSpec, type OptionControl } from './spec';
import { supervisedSpec } from './supervised/spec';
import { maeSpec } from './mae/spec';
import { simclrSpec } from './simclr/spec';
import { byolSpec } from './byol/spec';
import { dinoSpec } from './dino/spec';
import { clipSpec } from './clip/spec';

export { lenKeep, type MaeOptions } from './mae/options';
export { type ByolOptions } from './byol/options';
export { dinoLocalSide, type DinoOptions } from './dino/options';
export { type ClipOptions } from './clip/options';

export const CATALOG = {
  supervised: supervisedSpec,
  mae: maeSpec,
  simclr: simclrSpec,
  byol: byolSpec,
  dino: dinoSpec,
  clip: clipSpec,
};

export type MethodId = keyof typeof CATALOG;
export const METHOD_IDS = Object.keys(CATALOG) as [MethodId, ...MethodId[]];

/** A catalogued method's options at their defaults, typed. */
export function defaultOptions<M extends MethodId>(id: M): z.output<(typeof CATALOG)[M]['options']> {
  return CATALOG[id].options.parse({}) as z.output<(typeof CATALOG)[M]['options']>;
}

/** The catalog plus methods added at run time (a test's throwaway method, a plugin). */
const specs = new Map<string, MethodSpec>(Object.entries(CATALOG));

/** Adds a method at run time, under a new id. */
export function addMethod(id: string, spec: MethodSpec): void {
  if (specs.has(id)) throw new Error(`method '${id}' is already in the catalog`);
  specs.set(id, spec);
}

export const methodSpec = (id: string): MethodSpec | undefined => specs.get(id);
export const methodIds = (): string[] => [...specs.keys()];

export interface MethodInfo {
  id: string;
  label: string;
  /** Every catalogued method is implemented; kept so API callers can filter as before. */
  available: true;
  paper: string;
  summary: string;
  atLabScale: string;
  /** Each option with its default, range, help and the paper's value. */
  options: OptionControl[];
}

export function listMethods(): MethodInfo[] {
  return [...specs].map(([id, m]) => ({
    id,
    label: m.label,
    available: true,
    paper: m.paper,
    summary: m.summary,
    atLabScale: m.atLabScale,
    options: optionControls(m.options),
  }));
}
