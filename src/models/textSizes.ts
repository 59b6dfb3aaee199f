/**
 * The caption towers' sizes, free of tfjs so that the method catalog (memory
 * estimate) and the text encoder (src/models/textEncoder.ts) read one table.
 */
export type TextSize = 'mini' | 'medium';

/** Toy versions of the paper's BERT-mini (4 x 256) and BERT-medium (8 x 512); see src/models/textEncoder.ts's header. */
export const TEXT_SIZES: Record<TextSize, { width: number; layers: number; heads: number; mlpDim: number }> = {
  mini: { width: 16, layers: 1, heads: 1, mlpDim: 64 },
  medium: { width: 32, layers: 2, heads: 2, mlpDim: 128 },
};

