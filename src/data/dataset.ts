/**
 * A dataset is a seeded, indexable family of procedural scenes: `size` unique
 * images generated on demand by index, so size is a parameter, not a download.
 * Batches are drawn by a data stream of the experiment's RNG, so step s of a run
 * always sees the same images whatever happened before it.
 *
 * SceneSource is the DataSource behind every procedural preset: scene options
 * decide the pixels, an annotator turns a scene into the dataset's labels and
 * caption (noisy where the dataset is). SceneDataset is the original 'shapes'
 * family on top of it, kept for callers that build it directly.
 */
import { assembleBatch, uniformStepIndices } from './batching';
import { hashSeed, Rng } from '../engine/rng';
import type { CaptionNoiseKind } from './captionNoise';
import { generateScene, SHAPE_CLASSES, type Scene, type SceneOptions } from './scenes';
import type { DataSample, DataSource, DatasetInfo, HostBatch } from './source';

export type { HostBatch } from './source';

/** A dataset's annotation of one scene. */
interface Annotation {
  labels: number[];
  caption: string;
  /** Before noise; default `labels` / `caption`. */
  cleanLabels?: number[];
  cleanCaption?: string;
  labelNoise?: boolean;
  captionNoise?: CaptionNoiseKind | null;
}

/** `rng` is the image's own annotation stream (independent of the pixels). */
export type Annotator = (scene: Scene, rng: Rng) => Annotation;

/** A sample with what produced it: the scene, and the clean annotation next to the noisy one. */
export interface AnnotatedSample extends DataSample {
  mask: Uint8Array;
  scene: Scene;
  cleanLabels: number[];
  cleanCaption: string;
  labelNoise: boolean;
  captionNoise: CaptionNoiseKind | null;
}

/** The scene's own labels and caption: what 'shapes' and the clean presets use. */
export const sceneAnnotation: Annotator = (scene) => ({ labels: scene.labels, caption: scene.caption });

export class SceneSource implements DataSource {
  /**
   * `seed` is the pool's seed (already mixed with its stream name); scene i is
   * generateScene(seed, i, sceneOptions), annotated by `annotate`.
   */
  constructor(
    readonly info: DatasetInfo,
    readonly size: number,
    readonly sceneOptions: SceneOptions,
    protected readonly seed: number,
    private readonly annotate: Annotator = sceneAnnotation,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`dataset.size must be a positive integer, got ${size}`);
  }

  get imageSize(): number {
    return this.sceneOptions.imageSize;
  }

  get numClasses(): number {
    return this.info.numClasses;
  }

  annotated(index: number): AnnotatedSample {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new Error(`dataset index ${index} outside 0..${this.size - 1}`);
    const scene = generateScene(this.seed, index, this.sceneOptions);
    const a = this.annotate(scene, new Rng(hashSeed(this.seed, 'annotation', index)));
    return {
      pixels: scene.pixels,
      mask: scene.mask,
      labels: a.labels,
      caption: a.caption,
      scene,
      cleanLabels: a.cleanLabels ?? a.labels,
      cleanCaption: a.cleanCaption ?? a.caption,
      labelNoise: a.labelNoise ?? false,
      captionNoise: a.captionNoise ?? null,
    };
  }

  sample(index: number): DataSample {
    const { pixels, mask, labels, caption } = this.annotated(index);
    return { pixels, mask, labels, caption };
  }

  stepIndices(step: number, batchSize: number): number[] {
    return uniformStepIndices(this.seed, step, batchSize, this.size);
  }

  batch(indices: readonly number[]): HostBatch {
    return assembleBatch((i) => this.sample(i), indices, this.imageSize);
  }
}

export interface DatasetSpec {
  preset: 'shapes';
  size: number;
  numClasses: number;
  maxObjects: number;
}

/** The free-form shapes family's documented character for given parameters. */
export function shapesInfo(numClasses: number, maxObjects: number): DatasetInfo {
  return {
    id: 'shapes',
    name: 'Shapes',
    mirrors: 'none: the free-form procedural family of the foundation issue',
    description:
      'Shapes on mixed backgrounds with classes and objects per image as parameters (numClasses 2-10, maxObjects 1-6); ' +
      'one object is centred, several are placed anywhere. Uniform classes; clean descriptive captions.',
    defaultSize: 50_000,
    numClasses,
    classNames: SHAPE_CLASSES.slice(0, numClasses),
    labels: maxObjects === 1 ? 'single' : 'multi',
    captions: 'descriptive',
    objectsPerImage: [1, maxObjects],
    centred: maxObjects === 1,
    headToTail: 1,
    labelNoise: 0,
    captionNoise: null,
    hierarchy: false,
  };
}

/** The 'shapes' dataset: scene i of stream `stream` is generateScene(hashSeed(seed, 'dataset', stream), i, ...). */
export class SceneDataset extends SceneSource {
  /** `stream` separates pools drawn from one experiment seed (pre-training, probe train/test). */
  constructor(
    readonly spec: DatasetSpec,
    imageSize: number,
    seed: number,
    readonly stream = 'pretrain',
  ) {
    super(
      shapesInfo(spec.numClasses, spec.maxObjects),
      spec.size,
      { imageSize, numClasses: spec.numClasses, maxObjects: spec.maxObjects },
      hashSeed(seed, 'dataset', stream),
    );
  }

  scene(index: number): Scene {
    return this.annotated(index).scene;
  }
}
