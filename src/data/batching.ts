/** What every DataSource does the same way: seeded step indices and assembling a host batch. */
import { hashSeed, Rng } from '../engine/rng';
import { normalisePixels } from './scenes';
import type { DataSample, HostBatch } from './source';

/** Indices of training step `step`: uniform with replacement over `size`, seeded per step (a step always sees the same images). */
export function uniformStepIndices(seed: number, step: number, batchSize: number, size: number): number[] {
  const rng = new Rng(hashSeed(seed, 'batch', step));
  return Array.from({ length: batchSize }, () => rng.int(size));
}

/** Samples `indices` into one batch: normalised images, raw pixels for augmentation, labels and captions. */
export function assembleBatch(sample: (index: number) => DataSample, indices: readonly number[], imageSize: number): HostBatch {
  const per = imageSize * imageSize * 3;
  const images = new Float32Array(indices.length * per);
  const pixels: Uint8ClampedArray[] = [];
  const labels: number[][] = [];
  const captions: string[] = [];
  indices.forEach((index, i) => {
    const s = sample(index);
    normalisePixels(s.pixels, images, i * per);
    pixels.push(s.pixels);
    labels.push(s.labels);
    captions.push(s.caption);
  });
  return { batchSize: indices.length, imageSize, images, pixels, labels, captions };
}
