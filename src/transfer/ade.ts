/**
 * The "ADE-like" held-out segmentation set: the lab's stand-in for ADE20K.
 * Cluttered multi-object scenes (2-4 objects of the 10 shape classes on plain,
 * gradient or noise backgrounds) with a per-pixel class mask, generated from
 * their own seed stream, hashSeed(seed, 'ade', split), which no pre-training
 * dataset draws from, so fine-tuning never sees a pre-training image.
 * Train and validation splits are fixed by the experiment seed alone.
 */
import { hashSeed } from '../engine/rng';
import { generateScene, normalisePixels, SHAPE_CLASSES, type SceneOptions } from '../data/scenes';

/** Segmentation classes: 0 background, k+1 shape class k. */
export const SEG_CLASSES: readonly string[] = ['background', ...SHAPE_CLASSES];
export const NUM_SEG_CLASSES = SEG_CLASSES.length;
/** Mask value of pixels that carry no label (padding after rescale-crop). */
export const IGNORE_INDEX = 255;

/** Documented character of the set, in the shape of the pre-training datasets' descriptions. */
export const ADE_LIKE_INFO = {
  name: 'ADE-like',
  mirrors: 'ADE20K (20k train / 2k val scene-parsing images, 150 classes)',
  description:
    'Held-out multi-object scenes with per-pixel class masks, from their own seed stream (never seen in pre-training); ' +
    'a fixed train split to fine-tune on and a fixed validation split to report mIoU on.',
  numClasses: NUM_SEG_CLASSES,
  classNames: SEG_CLASSES,
  objectsPerImage: [2, 4] as const,
  backgrounds: 'mixed (plain, gradient, noise)',
  ignoreIndex: IGNORE_INDEX,
} as const;

export type AdeSplitName = 'train' | 'val';

export interface AdeSplit {
  size: number;
  imageSize: number;
  /** Raw RGB bytes per image (augmentation works on these). */
  pixels: Uint8ClampedArray[];
  /** [N, S, S, 3] ImageNet-normalised (see normalisePixels). */
  images: Float32Array;
  /** [N, S, S] class per pixel: 0 background, k+1 shape class k. */
  masks: Uint8Array;
}

export interface AdeData {
  train: AdeSplit;
  val: AdeSplit;
}

export function adeSceneOptions(imageSize: number): SceneOptions {
  return { imageSize, numClasses: SHAPE_CLASSES.length, minObjects: 2, maxObjects: 4, background: 'mixed' };
}

/** One split: scenes 0..size-1 of the split's own stream. */
export function adeSplit(seed: number, split: AdeSplitName, size: number, imageSize: number): AdeSplit {
  if (!Number.isInteger(size) || size < 1) throw new Error(`ADE-like ${split} size must be a positive integer, got ${size}`);
  const streamSeed = hashSeed(seed, 'ade', split);
  const opts = adeSceneOptions(imageSize);
  const per = imageSize * imageSize;
  const pixels: Uint8ClampedArray[] = [];
  const images = new Float32Array(size * per * 3);
  const masks = new Uint8Array(size * per);
  for (let i = 0; i < size; i++) {
    const scene = generateScene(streamSeed, i, opts);
    pixels.push(scene.pixels);
    normalisePixels(scene.pixels, images, i * per * 3);
    masks.set(scene.mask, i * per);
  }
  return { size, imageSize, pixels, images, masks };
}

export function adeData(seed: number, trainSize: number, valSize: number, imageSize: number): AdeData {
  return { train: adeSplit(seed, 'train', trainSize, imageSize), val: adeSplit(seed, 'val', valSize, imageSize) };
}
