/**
 * A dataset is a seeded, indexable family of procedural scenes: `size` unique
 * images generated on demand by index, so size is a parameter, not a download.
 * Batches are drawn by a data stream of the experiment's RNG, so step s of a run
 * always sees the same images whatever happened before it.
 */
import { hashSeed, Rng } from '../engine/rng';
import { generateScene, normalisePixels, type Scene, type SceneOptions } from './scenes';

export interface DatasetSpec {
  preset: 'shapes';
  size: number;
  numClasses: number;
  maxObjects: number;
}

/** Host-side batch: plain arrays, turned into tensors by the trainer. */
export interface HostBatch {
  batchSize: number;
  imageSize: number;
  /** [B, H, W, 3] ImageNet-normalised. */
  images: Float32Array;
  /** The raw scene pixels, for augmentations. */
  pixels: Uint8ClampedArray[];
  labels: number[][];
  captions: string[];
}

export class SceneDataset {
  readonly sceneOptions: SceneOptions;
  private readonly seed: number;

  /** `stream` separates pools drawn from one experiment seed (pre-training, probe train/test). */
  constructor(readonly spec: DatasetSpec, imageSize: number, seed: number, readonly stream = 'pretrain') {
    this.seed = hashSeed(seed, 'dataset', stream);
    this.sceneOptions = { imageSize, numClasses: spec.numClasses, maxObjects: spec.maxObjects };
  }

  get numClasses(): number {
    return this.spec.numClasses;
  }

  scene(index: number): Scene {
    if (!Number.isInteger(index) || index < 0 || index >= this.spec.size)
      throw new Error(`dataset index ${index} outside 0..${this.spec.size - 1}`);
    return generateScene(this.seed, index, this.sceneOptions);
  }

  /** The indices of training step `step`: uniform with replacement over the pool, seeded per step. */
  stepIndices(step: number, batchSize: number): number[] {
    const rng = new Rng(hashSeed(this.seed, 'batch', step));
    return Array.from({ length: batchSize }, () => rng.int(this.spec.size));
  }

  batch(indices: readonly number[]): HostBatch {
    const s = this.sceneOptions.imageSize;
    const per = s * s * 3;
    const images = new Float32Array(indices.length * per);
    const pixels: Uint8ClampedArray[] = [];
    const labels: number[][] = [];
    const captions: string[] = [];
    indices.forEach((index, i) => {
      const scene = this.scene(index);
      normalisePixels(scene.pixels, images, i * per);
      pixels.push(scene.pixels);
      labels.push(scene.labels);
      captions.push(scene.caption);
    });
    return { batchSize: indices.length, imageSize: s, images, pixels, labels, captions };
  }
}
