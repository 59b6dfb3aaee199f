/** What the dataset preset tests share: a preset's scene source at 16 px, samples, and rates. */
import type { AnnotatedSample } from '../src/data/dataset';
import { SceneSource } from '../src/data/dataset';
import { createDataSource, type PresetId } from '../src/data/presets';

export const S = 16;
export const PRESETS: PresetId[] = ['coco', 'imagenet-1k', 'imagenet-21k', 'jft', 'align', 'shapes'];

export const source = (preset: PresetId, seed = 0, stream = 'pretrain'): SceneSource => {
  const s = createDataSource({ preset }, S, seed, stream);
  if (!(s instanceof SceneSource)) throw new Error(`${preset} is not a SceneSource`);
  return s;
};
export const bytesEqual = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => Buffer.from(a as Uint8Array).equals(Buffer.from(b as Uint8Array));
export const samples = (src: SceneSource, n: number): AnnotatedSample[] => Array.from({ length: n }, (_, i) => src.annotated(i));
export const shapesInMask = (mask: Uint8Array): number[] =>
  [
    ...new Set(
      Array.from(mask)
        .filter((m) => m > 0)
        .map((m) => m - 1),
    ),
  ].sort((a, b) => a - b);
export const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
/** Binomial standard deviation of a rate p measured over n trials. */
export const sd = (p: number, n: number): number => Math.sqrt((p * (1 - p)) / n);
