/**
 * The MAE decoder's shape for an encoder, free of tfjs so that the method
 * catalog (memory estimate) and the decoder (src/models/maeDecoder.ts) read
 * the same rule.
 */
import type { VitConfig } from './vit';

export type MaeDecoderSize = 'standard' | 'tiny';

export interface MaeDecoderConfig {
  dim: number;
  depth: number;
  heads: number;
  mlpDim: number;
}

/**
 * The decoder for an encoder config. MAE's ViT-B/16 pairs a 12-layer 768-d
 * encoder with an 8-layer 512-d decoder (16 heads, MLP ratio 4): 2/3 of the
 * depth and 2/3 of the width. 'standard' keeps those ratios: width 2/3 of the
 * encoder's (rounded to a multiple of 4, for the sin-cos embedding), depth 2/3
 * of the encoder's but at least 2, MLP 4x width, heads of the encoder's head
 * width. toy-B (48-d, 3 layers) gets 32-d, 2 layers, 2 heads. 'tiny' is the
 * paper's one-layer decoder (A.5) at the same width.
 */
export function maeDecoderConfig(encoder: VitConfig, size: MaeDecoderSize): MaeDecoderConfig {
  const dim = Math.max(4, 4 * Math.round((encoder.dim * 2) / 3 / 4));
  const headDim = encoder.dim / encoder.heads;
  let heads = Math.max(1, Math.round(dim / headDim));
  while (dim % heads !== 0) heads--;
  const depth = size === 'tiny' ? 1 : Math.max(2, Math.round((encoder.depth * 2) / 3));
  return { dim, depth, heads, mlpDim: 4 * dim };
}
