/**
 * ViT size presets. The "toy-B"/"toy-L" pair mirrors ViT-B/16 vs ViT-L/16: depth
 * doubles and width grows by 4/3 (768 -> 1024), so encoder parameters grow about
 * 3.5x (87M -> 305M in the paper), the ratio the paper's model-size axis rests on.
 *
 * Both take 32 px images in 8 px patches: 16 tokens per image. With 4 px patches
 * (64 tokens) a step costs about 4x more and, measured at equal steps, learns
 * less: a ViT from scratch at this scale is bound by steps, not by resolution
 * (docs/recipes.md). ViT-B/16 at 224 px has 196 tokens; 16 keeps the grid fine
 * enough for the ADE-like set's objects (2-3 patches across).
 */
import type { VitConfig } from './vit';

export const MODEL_PRESETS = {
  /** For end-to-end tests on a software adapter: about 0.3 s per step there. */
  tiny: { imageSize: 16, patchSize: 4, dim: 32, depth: 2, heads: 2, mlpDim: 64, pool: 'cls' },
  /** The "ViT-B" of the lab: 16 tokens of 8x8 px. */
  'toy-B': { imageSize: 32, patchSize: 8, dim: 48, depth: 3, heads: 3, mlpDim: 192, pool: 'cls' },
  /** The "ViT-L" of the lab: 2x depth, 4/3 width of toy-B. */
  'toy-L': { imageSize: 32, patchSize: 8, dim: 64, depth: 6, heads: 4, mlpDim: 256, pool: 'cls' },
  /** A bigger model for real GPUs. */
  'small-B': { imageSize: 64, patchSize: 8, dim: 192, depth: 6, heads: 6, mlpDim: 768, pool: 'cls' },
  /**
   * The paper's ViT-B/16 and ViT-L/16 (224 px, 196 patches + class token; 86M and 303M encoder
   * parameters), for FLOP profiles at paper scale (profileStep at a small batch): 35.2 and 123.4
   * forward GFLOPs per image, the 17.6 and 61.6 GMACs usually quoted (DeiT, Table 1) at 2 FLOPs per
   * multiply-add. Training one in a tab is refused by the memory guard on most devices.
   */
  'vit-b16': { imageSize: 224, patchSize: 16, dim: 768, depth: 12, heads: 12, mlpDim: 3072, pool: 'cls' },
  'vit-l16': { imageSize: 224, patchSize: 16, dim: 1024, depth: 24, heads: 16, mlpDim: 4096, pool: 'cls' },
} as const satisfies Record<string, VitConfig>;

export type ModelPresetId = keyof typeof MODEL_PRESETS;

/** The preset a model's sizes match (pool aside), or null for a custom model. */
export function presetOf(model: VitConfig): ModelPresetId | null {
  const keys = ['imageSize', 'patchSize', 'dim', 'depth', 'heads', 'mlpDim'] as const;
  const hit = (Object.keys(MODEL_PRESETS) as ModelPresetId[]).find((id) => keys.every((k) => MODEL_PRESETS[id][k] === model[k]));
  return hit ?? null;
}
