/**
 * The host side of a training batch, shaped by what a method needs: the step's
 * images (with label mining on web-like data for label-trained methods), its
 * augmented views and its caption tokens, all as plain arrays ready to upload.
 * Also refuses a method the dataset cannot feed, before any tensor exists.
 */
import type { Rng } from '../engine/rng';
import { augmentView } from './augment';
import { assembleBatch } from './batching';
import type { DataSource, HostBatch } from './source';
import { captionLabels, pseudoCaption, tokenizeBatch } from './tokenize';
import type { ViewSpec } from './viewSpec';

/** What a method asks of each batch (its `requires`). */
export interface BatchNeeds {
  /** Augmented views per image, in order (globals first, then DINO's local crops); empty: only the images. */
  views: ViewSpec[];
  /** Class targets (multi-label averaged), smoothed by `smoothing`; false: none. */
  targets: false | { smoothing: number };
  /** Caption token ids, and how many tokens at most (padded with 0). */
  tokens: false | { maxLen: number; source: 'auto' | 'pseudo' | 'scene' };
}

export interface HostTrainBatch {
  host: HostBatch;
  /** One array per view spec: [B, size, size, 3] ImageNet-normalised. */
  views: Float32Array[];
  /** [B, maxLen] caption token ids, when tokens are needed. */
  tokenIds?: Int32Array;
}

export class BatchMaker {
  /** Where captions come from on this dataset ('auto' resolved), or null when the method takes none. */
  readonly captionSource: 'pseudo' | 'scene' | null;

  constructor(
    private readonly dataset: DataSource,
    private readonly needs: BatchNeeds,
    /** The run's augmentation stream; views of (step, image, view) are split from it. */
    private readonly augmentRng: Rng,
    method: string,
  ) {
    this.captionSource = checkDataFits(dataset, needs, method);
  }

  /** Everything step `step` uploads. One seeded stream per (step, image, view): views never depend on what ran before. */
  make(step: number, batchSize: number): HostTrainBatch {
    const host = this.hostBatch(step, batchSize);
    const s = host.imageSize;
    const augment = this.augmentRng.split('augment', step);
    const views = this.needs.views.map((spec, v) => {
      const per = spec.size * spec.size * 3;
      const out = new Float32Array(batchSize * per);
      host.pixels.forEach((pixels, i) => augmentView(pixels, s, spec, augment.split(i, v), out, i * per));
      return out;
    });
    const tokenIds = this.needs.tokens ? tokenizeBatch(this.captionsOf(host), this.needs.tokens.maxLen) : undefined;
    return { host, views, tokenIds };
  }

  /**
   * For label-trained methods on data where some images have no label (ALIGN-like's
   * caption-derived labels), an unlabelled image is replaced by the next labelled
   * one in the pool, as label mining filters web data.
   */
  private hostBatch(step: number, batchSize: number): HostBatch {
    const data = this.dataset;
    const indices = data.stepIndices(step, batchSize);
    if (!this.needs.targets || data.info.labels !== 'caption-derived') return data.batch(indices);
    // The samples looked at to find labelled ones are the batch: none is generated twice.
    const samples = indices.map((index) => {
      for (let k = 0; k < 256; k++) {
        const sample = data.sample((index + k) % data.size);
        if (sample.labels.length > 0) return sample;
      }
      throw new Error(`no labelled image near index ${index} of ${data.info.name}: its captions name no class`);
    });
    return assembleBatch(
      (i) => samples[i],
      samples.map((_, i) => i),
      data.imageSize,
    );
  }

  private captionsOf(host: HostBatch): string[] {
    if (this.captionSource !== 'pseudo') return host.captions;
    // Parent classes of a hierarchy (JFT-like) are left out: "a red circle", not "a red circle and a circle".
    const { info } = this.dataset;
    return host.labels.map((l) => pseudoCaption(captionLabels(info, l), info.classNames));
  }
}

function checkDataFits(dataset: DataSource, needs: BatchNeeds, method: string): 'pseudo' | 'scene' | null {
  const { info, numClasses } = dataset;
  if (needs.targets && numClasses === 0)
    throw new Error(`${method} needs class labels, and the ${info.name} dataset has none; choose a labelled preset (or import class sub-folders)`);
  if (!needs.tokens) return null;
  const wanted = needs.tokens.source;
  const source = wanted === 'auto' ? (info.captions === 'none' ? 'pseudo' : 'scene') : wanted;
  if (source === 'scene' && info.captions === 'none')
    throw new Error(`methodOptions.captionSource 'scene' needs captions, and the ${info.name} dataset has none; use 'pseudo' or 'auto'`);
  if (source === 'pseudo' && numClasses === 0)
    throw new Error(`methodOptions.captionSource 'pseudo' builds captions from labels, and the ${info.name} dataset has none; use 'scene' or 'auto'`);
  return source;
}
