/** Pure figures for the per-method FLOP comparison (the paper's Figure 3) and the MAE decoder-share table (A.5). */
import { presetOf } from '../../models/presets';
import type { VitConfig } from '../../models/vit';
import { comparisonVariants } from '../../experiments/variants';
import type { ComparisonRow } from '../../train/records';
import { maeDecoderQuote } from '../../methods/mae/paperQuotes';

/** Stacking order of the bars, left to right. */
const COMPONENTS = ['encoder', 'decoder', 'head', 'teacher', 'text', 'loss', 'optimizer', 'ema'] as const;

/** How many rows a comparison yields: each method once, a method with swept options once per combination (MAE: mask ratio x decoder). */
export function expectedComparisonRows(): number {
  return comparisonVariants().length;
}

/** Components present in the rows, in stacking order (unknown ones last). */
export function componentsIn(rows: ComparisonRow[]): string[] {
  const seen = new Set(rows.flatMap((r) => Object.keys(r.byComponent).filter((k) => r.byComponent[k] > 0)));
  const known: string[] = COMPONENTS.filter((c) => seen.has(c));
  return [...known, ...[...seen].filter((c) => !known.includes(c)).sort()];
}

export interface ChartRow {
  key: string;
  label: string;
  totalFlops: number;
  [component: string]: number | string;
}

/** One chart row per comparison row, largest step first. */
export function chartRows(rows: ComparisonRow[]): ChartRow[] {
  return [...rows].sort((a, b) => b.totalFlops - a.totalFlops).map((r) => ({ ...r.byComponent, key: r.key, label: r.label, totalFlops: r.totalFlops }));
}

export interface MaeShareRow {
  key: string;
  maskRatio: number;
  decoder: string;
  /** Decoder FLOPs / forward+backward FLOPs (the step less the optimizer). */
  flopShare: number | null;
  /** Decoder kernel ms / forward+backward kernel ms, null when the backend measured no times. */
  timeShare: number | null;
  /** For the tiny decoder: standard-decoder kernel time / tiny kernel time - 1 at the same ratio. */
  speedup: number | null;
  paper: string;
}

const ratio = (num: number, den: number): number | null => (den > 0 && Number.isFinite(num) ? num / den : null);

function maskOf(r: ComparisonRow): number {
  const m = r.options.maskRatio;
  return typeof m === 'number' ? m : Number(r.key.split('-')[1]);
}

function decoderOf(r: ComparisonRow): string {
  const d = r.options.decoder;
  return typeof d === 'string' ? d : (r.key.split('-')[2] ?? 'standard');
}

/** The MAE rows, standard decoder first, each by mask ratio. */
export function maeShareRows(rows: ComparisonRow[]): MaeShareRow[] {
  const mae = rows.filter((r) => r.method === 'mae');
  const standardMs = new Map(mae.filter((r) => decoderOf(r) === 'standard').map((r) => [maskOf(r), r.kernelMs]));
  return mae
    .map((r) => {
      const maskRatio = maskOf(r);
      const decoder = decoderOf(r);
      const opt = r.byComponent.optimizer ?? 0;
      const hasTimes = Object.keys(r.msByComponent).length > 0;
      const std = standardMs.get(maskRatio);
      return {
        key: r.key,
        maskRatio,
        decoder,
        flopShare: ratio(r.byComponent.decoder ?? 0, r.totalFlops - opt),
        timeShare: hasTimes ? ratio(r.msByComponent.decoder ?? 0, r.kernelMs - (r.msByComponent.optimizer ?? 0)) : null,
        speedup: decoder === 'tiny' && std !== undefined && std > 0 && r.kernelMs > 0 ? std / r.kernelMs - 1 : null,
        paper: maeDecoderQuote(maskRatio, decoder) ?? '—',
      };
    })
    .sort((a, b) => (a.decoder === b.decoder ? a.maskRatio - b.maskRatio : a.decoder === 'standard' ? -1 : 1));
}

/** A preset's name when the model is one, else its shape. */
export function modelLabel(model: VitConfig): string {
  return presetOf(model) ?? `custom ViT (dim ${model.dim}, depth ${model.depth})`;
}
