/**
 * What a training or evaluation dataset is to the rest of the lab: an indexable,
 * seeded pool of `size` unique images with whatever annotations the dataset has.
 * Procedural presets (src/data/presets.ts) and imported image folders
 * (src/data/imported.ts) both implement it, so the trainer never knows which
 * it has. tfjs-free: it runs in the worker, in Node tests and in the page.
 */

export const DATASET_IDS = ['imagenet-1k', 'imagenet-21k', 'coco', 'jft', 'align', 'shapes', 'imported'] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

/** How a dataset's labels come about; 'none' means methods that need labels cannot use it. */
type LabelKind = 'single' | 'multi' | 'caption-derived' | 'folder' | 'none';
/** 'descriptive': clean scene captions; 'alt-text': noisy web-like captions; 'none': no captions (CLIP falls back to pseudo-captions from labels). */
type CaptionKind = 'descriptive' | 'alt-text' | 'none';

/** The documented character of a dataset: shown in the README table, the UI and `floplab.datasets()`, and asserted by tests. */
export interface DatasetInfo {
  id: DatasetId;
  /** Display name, e.g. "ImageNet-1K-like". */
  name: string;
  /** The real dataset this preset mirrors, e.g. "ImageNet-1K (1.28M images, 1000 classes)". */
  mirrors: string;
  /** One or two sentences on its character. */
  description: string;
  /** Default unique images (a parameter: `dataset.size` overrides it). */
  defaultSize: number;
  numClasses: number;
  classNames: readonly string[];
  labels: LabelKind;
  captions: CaptionKind;
  /** Objects per image, inclusive. */
  objectsPerImage: readonly [number, number];
  /** One well-framed object in the centre. */
  centred: boolean;
  /** Ratio of the most to the least frequent class's expected frequency (1 = balanced). */
  headToTail: number;
  /** Fraction of images whose annotation has one wrong label. */
  labelNoise: number;
  /** Fraction of captions with a wrong word, with a dropped word, unrelated to the image; null without captions. */
  captionNoise: { wrongWord: number; droppedWord: number; unrelated: number } | null;
  /** Labels include coarse parent classes as well as fine ones. */
  hierarchy: boolean;
}

/** One image and its annotations. */
export interface DataSample {
  /** imageSize * imageSize * 3 RGB bytes, row-major HWC. */
  pixels: Uint8ClampedArray;
  /** imageSize * imageSize per-pixel class (0 background, k+1 shape class k); absent for imported images. */
  mask?: Uint8Array;
  /** Class indices into `info.classNames` (noisy where the dataset is); empty for unlabelled data. */
  labels: number[];
  /** Caption ('' where the dataset has none). */
  caption: string;
}

/** Host-side batch: plain arrays, turned into tensors by the trainer. */
export interface HostBatch {
  batchSize: number;
  imageSize: number;
  /** [B, H, W, 3] ImageNet-normalised. */
  images: Float32Array;
  /** The raw pixels, for augmentations. */
  pixels: Uint8ClampedArray[];
  labels: number[][];
  captions: string[];
}

export interface DataSource {
  readonly info: DatasetInfo;
  /** Unique images in this pool. */
  readonly size: number;
  readonly imageSize: number;
  /** Size of the label space (0 when the dataset has no labels). */
  readonly numClasses: number;
  sample(index: number): DataSample;
  /** Indices of training step `step`: seeded per step, so a step always sees the same images. */
  stepIndices(step: number, batchSize: number): number[];
  batch(indices: readonly number[]): HostBatch;
}
