/**
 * The per-method comparison's rows (the paper's Figure 3, and A.5's MAE mask
 * ratio x decoder grid): every catalogued method once at its defaults, and a
 * method whose options declare `sweep` values once per combination of them.
 * The sweep values live in the method's options schema, so the comparison and
 * the page's table read the same grid. Free of tfjs.
 */
import { listMethods } from '../methods/catalog';
import type { OptionControl } from '../methods/spec';
import type { MethodId } from '../train/config';

export interface Variant {
  key: string;
  method: MethodId;
  label: string;
  options: Record<string, unknown>;
}

/** Every combination of the swept options' values; the first declared varies fastest (MAE: every ratio with one decoder, then the next). */
function combinations(swept: OptionControl[]): Record<string, unknown>[] {
  return [...swept]
    .reverse()
    .reduce<Record<string, unknown>[]>((acc, o) => acc.flatMap((partial) => (o.sweep ?? []).map((v) => ({ ...partial, [o.key]: v }))), [{}]);
}

const showValue = (o: OptionControl, v: unknown): string =>
  typeof v === 'number' ? (v > 0 && v < 1 ? `${Math.round(v * 100)}%` : String(v)) : v === o.default ? '' : `${String(v)} ${o.label.toLowerCase()}`;

export function comparisonVariants(): Variant[] {
  return listMethods().flatMap((m): Variant[] => {
    const method = m.id as MethodId;
    const swept = m.options.filter((o) => o.sweep && o.sweep.length > 0);
    if (swept.length === 0) return [{ key: m.id, method, label: m.label, options: {} }];
    // Key and label in declaration order: `mae-0.75-standard`, "MAE 75% tiny decoder".
    return combinations(swept).map((options) => ({
      key: [m.id, ...swept.map((o) => String(options[o.key]))].join('-'),
      method,
      label: [m.label.split(' ')[0], ...swept.map((o) => showValue(o, options[o.key]))].filter(Boolean).join(' '),
      options,
    }));
  });
}
