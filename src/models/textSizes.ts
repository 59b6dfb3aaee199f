/**
 * The caption towers' sizes, free of tfjs so that the method catalog (memory
 * estimate) and the text encoder (src/models/textEncoder.ts) read one rule:
 * `textTowerSize(size, encoder)`.
 *
 * The tower follows the image encoder's scale. The paper (section 2.1, A.3)
 * pairs its ViT-B/16 and ViT-L/16 with a BERT-style 'mini' (4 layers x 256,
 * 12M parameters with BERT's vocabulary) or 'medium' (8 x 512, 44M) language
 * model, the same towers for both encoders; an encoder as wide as ViT-B/16 or
 * wider (the `vit-b16` and `vit-l16` presets) gets those. Narrower encoders
 * (the toy presets) get the toy towers, scaled down as toy-B is from ViT-B
 * (src/models/textEncoder.ts's header has the arithmetic).
 *
 * Context length is not part of the size: the paper feeds at most 55
 * characters, and the lab's tokenizer is word-level (src/data/tokenize.ts), so
 * CLIP's `maxLen` option (16 word tokens with BOS and EOS, about 55
 * characters) is the paper's limit at both scales.
 */
export type TextSize = 'mini' | 'medium';

export interface TextTower {
  width: number;
  layers: number;
  heads: number;
  mlpDim: number;
}

/** Toy versions of the paper's BERT-mini (4 x 256) and BERT-medium (8 x 512); see src/models/textEncoder.ts's header. */
export const TEXT_SIZES: Record<TextSize, TextTower> = {
  mini: { width: 16, layers: 1, heads: 1, mlpDim: 64 },
  medium: { width: 32, layers: 2, heads: 2, mlpDim: 128 },
};

/** The paper's towers: BERT-mini (L=4, H=256, A=4) and BERT-medium (L=8, H=512, A=8), MLP 4x width, heads of 64 as in BERT and CLIP. */
export const PAPER_TEXT_SIZES: Record<TextSize, TextTower> = {
  mini: { width: 256, layers: 4, heads: 4, mlpDim: 1024 },
  medium: { width: 512, layers: 8, heads: 8, mlpDim: 2048 },
};

/** ViT-B/16's width: an image encoder this wide or wider is at the paper's scale. */
const PAPER_SCALE_MIN_DIM = 768;

type TextScale = 'toy' | 'paper';

/** Which towers an image encoder of this width gets. */
function textScaleOf(encoder: { dim: number }): TextScale {
  return encoder.dim >= PAPER_SCALE_MIN_DIM ? 'paper' : 'toy';
}

/** The caption tower of `size` beside this image encoder: the paper's towers at paper scale, the toy ones below it. */
export function textTowerSize(size: TextSize, encoder: { dim: number }): TextTower {
  return (textScaleOf(encoder) === 'paper' ? PAPER_TEXT_SIZES : TEXT_SIZES)[size];
}
