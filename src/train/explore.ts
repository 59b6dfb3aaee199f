/**
 * What the dataset explorer shows: a few samples of a dataset with their labels,
 * captions and masks, and its class histogram over a larger sample. tfjs-free;
 * runs in the worker (which holds imported images) between training steps.
 */
import { createDataSource } from '../data/presets';
import type { DatasetInfo } from '../data/source';
import type { ExperimentConfig } from './config';

export interface ExploredSample {
  index: number;
  /** imageSize^2 * 3 RGB bytes. */
  pixels: Uint8ClampedArray;
  /** imageSize^2 per-pixel classes (0 background, k+1 shape k), where the dataset has masks. */
  mask: Uint8Array | null;
  labels: string[];
  caption: string;
}

export interface DatasetPreview {
  info: DatasetInfo;
  /** Unique images of the pool as configured. */
  size: number;
  imageSize: number;
  samples: ExploredSample[];
  /** Label counts over `histogramSamples` images, in class order (empty for unlabelled data). */
  histogram: { name: string; count: number }[];
  histogramSamples: number;
  /** Mean labels and objects per image over the histogram sample. */
  labelsPerImage: number;
}

export interface ExploreOptions {
  count?: number;
  histogramSamples?: number;
  /** First index shown (for "more samples"). */
  offset?: number;
}

export function exploreDataset(config: Pick<ExperimentConfig, 'dataset' | 'seed' | 'model'>, opts: ExploreOptions = {}): DatasetPreview {
  const imageSize = config.model.imageSize;
  const source = createDataSource(config.dataset, imageSize, config.seed);
  const count = Math.min(opts.count ?? 12, source.size);
  const offset = opts.offset ?? 0;
  const names = source.info.classNames;
  const samples: ExploredSample[] = [];
  for (let i = 0; i < count; i++) {
    const index = (offset + i) % source.size;
    const s = source.sample(index);
    samples.push({ index, pixels: s.pixels, mask: s.mask ?? null, labels: s.labels.map((l) => names[l] ?? `class ${l}`), caption: s.caption });
  }
  const histogramSamples = Math.min(opts.histogramSamples ?? 300, source.size);
  const counts = new Array<number>(source.numClasses).fill(0);
  let labelTotal = 0;
  // Spread over the pool (a stride, not the first N) so a small sample still sees all of it.
  const stride = Math.max(1, Math.floor(source.size / histogramSamples));
  for (let i = 0; i < histogramSamples; i++) {
    const labels = source.sample((i * stride) % source.size).labels;
    labelTotal += labels.length;
    for (const l of labels) if (l < counts.length) counts[l]++;
  }
  return {
    info: source.info,
    size: source.size,
    imageSize,
    samples,
    histogram: counts.map((count, k) => ({ name: names[k] ?? `class ${k}`, count })),
    histogramSamples,
    labelsPerImage: histogramSamples > 0 ? labelTotal / histogramSamples : 0,
  };
}
