/**
 * ViT size presets. The "toy-B"/"toy-L" pair mirrors ViT-B/16 vs ViT-L/16: depth
 * doubles and width grows by 4/3 (768 -> 1024), so encoder parameters grow about
 * 3.5x (87M -> 305M in the paper), the ratio the paper's model-size axis rests on.
 */
import type { VitConfig } from './vit';

export const MODEL_PRESETS = {
  /** For end-to-end tests on a software adapter: about 0.3 s per step there. */
  tiny: { imageSize: 16, patchSize: 4, dim: 32, depth: 2, heads: 2, mlpDim: 64, pool: 'cls' },
  /** The "ViT-B" of the lab: 64 tokens of 4x4 px. */
  'toy-B': { imageSize: 32, patchSize: 4, dim: 48, depth: 3, heads: 3, mlpDim: 192, pool: 'cls' },
  /** The "ViT-L" of the lab: 2x depth, 4/3 width of toy-B. */
  'toy-L': { imageSize: 32, patchSize: 4, dim: 64, depth: 6, heads: 4, mlpDim: 256, pool: 'cls' },
  /** A bigger model for real GPUs. */
  'small-B': { imageSize: 64, patchSize: 8, dim: 192, depth: 6, heads: 6, mlpDim: 768, pool: 'cls' },
} as const satisfies Record<string, VitConfig>;

export type ModelPresetId = keyof typeof MODEL_PRESETS;
