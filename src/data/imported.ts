/**
 * Bring-your-own-images, step 3: the imported images as a DataSource, so the
 * trainer, the probe and the explorer use them like any preset. tfjs-free.
 *
 * Every image is kept once, as a STORED_SIZE square of RGB bytes; a sample is
 * that square resized to the model's image size with resizeSquare (area
 * average when shrinking, bilinear when growing; deterministic plain TS).
 *
 * Split (importedSplit): a fixed 80/10/10 split into 'train' (pre-training),
 * 'probe-train' and 'probe-test' (the probe's labelled sets), so the probe is
 * measured on images pre-training never saw. It is stratified: within each
 * class (or the whole set when unlabelled) images are put in an order drawn
 * from a fixed seed, then round(10%) go to probe-test, round(10%) to
 * probe-train and the rest to train. A class with at least 3 images gives each
 * split at least one; smaller classes go to train only. The split depends only
 * on the imported set (paths are sorted on import), not on the experiment seed,
 * so the probe's held-out images stay held out across runs.
 */
import { assembleBatch, uniformStepIndices } from './batching';
import { hashSeed, Rng } from '../engine/rng';
import { resizeSquare } from './decodeImage';
import type { ImportReport } from './importFiles';
import type { DataSample, DataSource, DatasetInfo, HostBatch } from './source';

/** The images of one import, as the worker keeps them. */
export interface ImportedSet {
  /** Folder or zip name. */
  source: string;
  /** Side of every stored image. */
  storedSize: number;
  /** storedSize^2 * 3 RGB bytes per image, in path order. */
  images: Uint8ClampedArray[];
  /** Class index per image; -1 when unlabelled. */
  labels: Int32Array;
  paths: string[];
  classes: string[];
  report: ImportReport;
}

const IMPORTED_SPLITS = ['train', 'probe-train', 'probe-test'] as const;
export type ImportedSplit = (typeof IMPORTED_SPLITS)[number];

/** Fraction of each class held out for probe-test, and for probe-train. */
const PROBE_FRACTION = 0.1;
/** Fixed: the split is a property of the imported set, not of an experiment. */
const SPLIT_SEED = 0x5eed5;

const splitCache = new WeakMap<ImportedSet, Record<ImportedSplit, Int32Array>>();

/** Image indices (ascending) of one split; the three splits are disjoint and cover the set. */
export function importedSplit(set: ImportedSet, split: ImportedSplit): Int32Array {
  if (!IMPORTED_SPLITS.includes(split)) throw new Error(`importedSplit: split '${split}' is not one of ${IMPORTED_SPLITS.join(', ')}`);
  let splits = splitCache.get(set);
  if (!splits) {
    splits = computeSplits(set);
    splitCache.set(set, splits);
  }
  return splits[split];
}

function computeSplits(set: ImportedSet): Record<ImportedSplit, Int32Array> {
  const groups = new Map<number, number[]>();
  set.labels.forEach((label, i) => {
    const group = groups.get(label) ?? [];
    group.push(i);
    groups.set(label, group);
  });
  const out: Record<ImportedSplit, number[]> = { train: [], 'probe-train': [], 'probe-test': [] };
  for (const [label, members] of groups) {
    const m = members.length;
    const held = m >= 3 ? Math.max(1, Math.round(m * PROBE_FRACTION)) : 0;
    const order = new Rng(hashSeed(SPLIT_SEED, 'imported-split', label)).permutation(m);
    order.forEach((j, rank) => {
      const split: ImportedSplit = rank < held ? 'probe-test' : rank < 2 * held ? 'probe-train' : 'train';
      out[split].push(members[j]);
    });
  }
  const sorted = (xs: number[]) => Int32Array.from(xs).sort();
  return { train: sorted(out.train), 'probe-train': sorted(out['probe-train']), 'probe-test': sorted(out['probe-test']) };
}

/** The documented character of an imported set (what the explorer's facts table shows). */
function importedInfo(set: ImportedSet, size: number): DatasetInfo {
  const labelled = set.classes.length > 0;
  const counts = set.report.perClass.filter((c) => c > 0);
  return {
    id: 'imported',
    name: 'Imported images',
    mirrors: `your images: ${set.source} (${set.images.length} images${labelled ? `, ${set.classes.length} classes` : ''})`,
    description: labelled
      ? `Images you imported; labels are their class sub-folders. Stored at ${set.storedSize} px (centre-cropped square), resized to the model's image size.`
      : `Images you imported from a flat folder or zip: no labels. Stored at ${set.storedSize} px (centre-cropped square), resized to the model's image size.`,
    defaultSize: size,
    numClasses: set.classes.length,
    classNames: set.classes,
    labels: labelled ? 'folder' : 'none',
    captions: 'none',
    // Not annotated: nominally one subject per image, framing unknown.
    objectsPerImage: [1, 1],
    centred: false,
    headToTail: counts.length > 0 ? Math.max(...counts) / Math.min(...counts) : 1,
    labelNoise: 0,
    captionNoise: null,
    hierarchy: false,
  };
}

/**
 * One split of an imported set at a model's image size. `stream` seeds the
 * batch order like SceneDataset's, so step s of a run always sees the same images.
 */
export class ImportedDataset implements DataSource {
  readonly info: DatasetInfo;
  readonly size: number;
  readonly numClasses: number;
  private readonly members: Int32Array;
  private readonly seed: number;

  constructor(
    readonly set: ImportedSet,
    readonly imageSize: number,
    seed: number,
    readonly stream = 'pretrain',
    split: ImportedSplit | 'all' = 'train',
  ) {
    if (!Number.isInteger(imageSize) || imageSize < 1) throw new Error(`imported dataset: imageSize ${imageSize} must be a positive integer`);
    this.members = split === 'all' ? Int32Array.from(set.images.keys()) : importedSplit(set, split);
    if (this.members.length === 0)
      throw new Error(
        `imported dataset: split '${split}' of ${set.source} is empty (${set.images.length} images; a class needs at least 3 images to give the probe splits one each)`,
      );
    this.size = this.members.length;
    this.numClasses = set.classes.length;
    this.seed = hashSeed(seed, 'dataset', 'imported', stream);
    this.info = importedInfo(set, this.size);
  }

  /** Image index in the whole set of this split's sample `index`. */
  imageIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new Error(`imported dataset index ${index} outside 0..${this.size - 1}`);
    return this.members[index];
  }

  sample(index: number): DataSample {
    const i = this.imageIndex(index);
    const stored = this.set.images[i];
    const s = this.set.storedSize;
    // A copy even at the stored size: augmentations must not write into the set.
    const pixels = this.imageSize === s ? stored.slice() : resizeSquare(stored, s, s, this.imageSize);
    const label = this.set.labels[i];
    return { pixels, labels: label >= 0 ? [label] : [], caption: '' };
  }

  stepIndices(step: number, batchSize: number): number[] {
    return uniformStepIndices(this.seed, step, batchSize, this.size);
  }

  batch(indices: readonly number[]): HostBatch {
    return assembleBatch((i) => this.sample(i), indices, this.imageSize);
  }
}

/**
 * An imported set as one record for IndexedDB (src/store/runsDb.ts): the stored squares
 * concatenated into one byte array, so a reload restores the set without the files.
 */
export interface ImportedSnapshot {
  version: 1;
  source: string;
  storedSize: number;
  /** images.length x storedSize^2 x 3 RGB bytes, in path order. */
  pixels: Uint8Array;
  labels: Int32Array;
  paths: string[];
  classes: string[];
  report: ImportReport;
}

export function toSnapshot(set: ImportedSet): ImportedSnapshot {
  const per = set.storedSize * set.storedSize * 3;
  const pixels = new Uint8Array(set.images.length * per);
  set.images.forEach((img, i) => pixels.set(img, i * per));
  return { version: 1, source: set.source, storedSize: set.storedSize, pixels, labels: set.labels, paths: set.paths, classes: set.classes, report: set.report };
}

/** The set a snapshot holds; throws naming what is inconsistent (a damaged or foreign record). */
export function fromSnapshot(s: ImportedSnapshot): ImportedSet {
  const problem = snapshotProblem(s);
  if (problem) throw new Error(`the stored imported images cannot be restored: ${problem}`);
  const per = s.storedSize * s.storedSize * 3;
  const images = Array.from({ length: s.labels.length }, (_, i) => new Uint8ClampedArray(s.pixels.buffer, s.pixels.byteOffset + i * per, per));
  return { source: s.source, storedSize: s.storedSize, images, labels: s.labels, paths: s.paths, classes: s.classes, report: s.report };
}

function snapshotProblem(s: ImportedSnapshot): string | null {
  if (!s || s.version !== 1) return `unknown format version ${JSON.stringify(s?.version)}`;
  if (!Number.isInteger(s.storedSize) || s.storedSize < 1) return `image side ${s.storedSize} is not a positive whole number`;
  if (!(s.pixels instanceof Uint8Array) || !(s.labels instanceof Int32Array)) return 'pixels or labels are not typed arrays';
  const n = s.labels.length;
  if (s.paths.length !== n || s.report?.imported !== n) return `${n} labels, ${s.paths.length} paths and ${s.report?.imported} images in its report disagree`;
  if (s.pixels.length !== n * s.storedSize * s.storedSize * 3) return `${s.pixels.length} bytes of pixels, not ${n} images of ${s.storedSize} px`;
  if (s.labels.some((l) => l < -1 || l >= s.classes.length)) return `a label is outside its ${s.classes.length} classes`;
  return null;
}
