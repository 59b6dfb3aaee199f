/**
 * CLIP's text tower at toy scale (Radford et al. 2021, openai/CLIP `encode_text`):
 * token embedding + learned position embedding -> pre-LayerNorm transformer
 * blocks with a CAUSAL attention mask -> final LayerNorm at the EOS position.
 * The projection into the joint space belongs to the method (clip.ts, scope
 * 'head'), so this module returns [B, width] features.
 *
 * Shapes: tokens [B, T] int32 (0 = padding, BOS first, EOS after the last word,
 * T <= maxLen) -> features [B, width].
 *
 * Sizes. The paper (A.3) pairs ViT-B (12 layers, 768-d) with a BERT-style
 * "mini" (4 layers, 256-d) or "medium" (8 layers, 512-d) language model, and
 * keeps it fixed when the image side grows to ViT-L. The lab's ViT-B analogue
 * is toy-B (3 layers, 48-d): depth x1/4 and width x1/16 of ViT-B. Scaling the
 * text models by the same factors gives mini = 1 layer x 16-d and medium =
 * 2 layers x 32-d, so text width : image width (1/3, 2/3), text depth : image
 * depth (1/3, 2/3) and the per-token cost ratio (L*d^2: 1/27, 8/27 of toy-B)
 * are the paper's, and mini:medium block parameters are 1:8 as 3.1M:25M are.
 * Heads keep the lab's head width of 16 (CLIP uses 64); MLP is 4x width.
 * Beside an encoder at the paper's scale (`vit-b16`, `vit-l16`) the same two
 * options are the paper's own towers, 4 x 256 and 8 x 512 with heads of 64
 * (src/models/textSizes.ts holds both tables and the rule).
 *
 * Differences from openai/CLIP, all deliberate: exact GELU (CLIP: QuickGELU);
 * LayerNorm eps 1e-6 (CLIP: 1e-5); Xavier-uniform linear weights (CLIP: normal
 * with width-dependent std); the final LayerNorm is applied to the gathered EOS
 * rows only (LayerNorm is per token, so the result is the same, with fewer
 * FLOPs); the EOS row is the first EOS token (CLIP takes argmax of the ids,
 * since its EOT has the largest id; ours is 2). Padding keys are not masked, as
 * in CLIP: under the causal mask no position up to EOS can see them.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import { LayerNorm, ParamStore, truncNormal } from './layers';
import { Block } from './vit';
import { blockParams, layerNormFlops, type VitFlops } from './vitFlops';
import { TEXT_SIZES, textTowerSize, type TextSize } from './textSizes';

export { TEXT_SIZES, type TextSize };

export interface CaptionEncoderConfig {
  vocabSize: number;
  /** Longest token sequence (rows of the position embedding). */
  maxLen: number;
  width: number;
  layers: number;
  heads: number;
  mlpDim: number;
}

/** Token id conventions shared with the tokenizer (src/data/tokenize.ts). */
export const PAD_ID = 0;
export const EOS_ID = 2;

/**
 * The tower of `size` for captions of at most `maxLen` tokens, beside an image encoder of
 * width `encoder.dim` (the paper's towers at paper scale, the toy ones below it; without
 * `encoder`, the toy ones).
 */
export function captionEncoderConfig(size: TextSize, vocabSize: number, maxLen: number, encoder?: { dim: number }): CaptionEncoderConfig {
  return { vocabSize, maxLen, ...(encoder ? textTowerSize(size, encoder) : TEXT_SIZES[size]) };
}

/**
 * Flat row index (b * T + t) of each caption's EOS token in a [B, T] id array:
 * the first EOS; a caption truncated before its EOS uses its last non-padding
 * token; an all-padding row uses position 0.
 */
export function eosIndices(ids: ArrayLike<number>, batch: number, len: number): Int32Array {
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    let pos = -1;
    let lastWord = 0;
    for (let t = 0; t < len; t++) {
      const id = ids[b * len + t];
      if (id === EOS_ID) {
        pos = t;
        break;
      }
      if (id !== PAD_ID) lastWord = t;
    }
    out[b] = b * len + (pos >= 0 ? pos : lastWord);
  }
  return out;
}

/** Additive causal mask [T, T]: 0 where key <= query, -1e9 above the diagonal. */
export function causalMask(len: number): Float32Array {
  const m = new Float32Array(len * len);
  for (let q = 0; q < len; q++) for (let k = q + 1; k < len; k++) m[q * len + k] = -1e9;
  return m;
}

/** Named so it does not clash with the DOM's TextEncoder. */
export class CaptionEncoder {
  readonly store: ParamStore;
  readonly tokenEmbed: tf.Variable;
  readonly posEmbed: tf.Variable;
  readonly blocks: Block[] = [];
  readonly norm: LayerNorm;
  /** Causal masks by sequence length, kept until dispose. */
  private readonly masks = new Map<number, tf.Tensor2D>();

  constructor(
    readonly cfg: CaptionEncoderConfig,
    rng: Rng,
    name = 'text',
  ) {
    const { vocabSize, maxLen, width, layers, heads, mlpDim } = cfg;
    for (const [k, v] of Object.entries(cfg)) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`text encoder: ${k} must be a positive integer, got ${v}`);
    }
    this.store = new ParamStore(name);
    // CLIP: token embedding ~ N(0, 0.02), position embedding ~ N(0, 0.01).
    this.tokenEmbed = this.store.add('tokenEmbed', truncNormal([vocabSize, width], 0.02, rng.split('tokenEmbed')));
    this.posEmbed = this.store.add('posEmbed', truncNormal([maxLen, width], 0.01, rng.split('posEmbed')));
    if (width % heads !== 0) throw new Error(`text encoder: heads ${heads} must divide width ${width}`);
    for (let i = 0; i < layers; i++) this.blocks.push(new Block(this.store, `block${i}`, width, heads, mlpDim, rng));
    this.norm = new LayerNorm(this.store, 'norm', width);
  }

  get variables(): tf.Variable[] {
    return this.store.variables;
  }

  private mask(len: number): tf.Tensor2D {
    let m = this.masks.get(len);
    if (!m) {
      m = tf.keep(tf.tensor2d(causalMask(len), [len, len]));
      this.masks.set(len, m);
    }
    return m;
  }

  /** Hidden states before the final norm: [B, T] ids -> [B, T, width]. */
  hidden(tokens: tf.Tensor2D): tf.Tensor3D {
    const [b, t] = tokens.shape;
    const { width, maxLen } = this.cfg;
    if (t > maxLen) throw new Error(`text encoder: captions of ${t} tokens exceed maxLen ${maxLen}`);
    if (tokens.dtype !== 'int32') throw new Error(`text encoder: token ids must be int32, got ${tokens.dtype}`);
    return tf.tidy(() => {
      // Flat ids on a 2-D table: gather's gradient is a plain segment sum.
      const flat = tokens.reshape([b * t]);
      const emb = tf.gather(this.tokenEmbed, flat).reshape([b, t, width]);
      const pos = t === maxLen ? this.posEmbed : tf.slice(this.posEmbed, [0, 0], [t, width]);
      let x = tf.add(emb, pos) as tf.Tensor3D;
      const mask = this.mask(t);
      for (const block of this.blocks) x = block.apply(x, mask, true); // causalMask: exactly causal
      return x;
    });
  }

  /**
   * Caption features [B, width]: the final-normed hidden state at each EOS.
   * EOS positions are found on the host from the ids: pass the host copy
   * (`hostIds`, as the trainer does) so nothing is read back from the device;
   * without it, `dataSync` reads them (a GPU stall once they live on the GPU).
   */
  features(tokens: tf.Tensor2D, hostIds?: ArrayLike<number>): tf.Tensor2D {
    const [b, t] = tokens.shape;
    const ids = hostIds ?? tokens.dataSync();
    const v = this.cfg.vocabSize;
    // Checked here because WebGPU's gather returns zeros for an out-of-range id instead of failing.
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= v) throw new Error(`text encoder: token id ${ids[i]} outside the vocabulary 0..${v - 1}`);
    }
    const rows = eosIndices(ids, b, t);
    return tf.tidy(() => {
      const x = this.hidden(tokens).reshape([b * t, this.cfg.width]);
      const atEos = tf.gather(x, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
      return this.norm.apply(atEos);
    });
  }

  dispose(): void {
    this.store.dispose();
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
  }
}

/** The same breakdown as the ViT's; backward is modelled as 2x forward, as vitFlops does (matmuls exactly 2x; elementwise approximately). */
export type TextEncoderFlops = VitFlops;

const layerNorm = layerNormFlops;

/**
 * Analytic FLOPs of `CaptionEncoder.features` on [batch, len] ids (1 multiply-add
 * = 2 FLOPs, elementwise 1 per output element, reductions 1 per input element).
 * The forward figure is exact for this implementation: embedding gathers are 0.
 */
export function textEncoderFlops(cfg: CaptionEncoderConfig, batch: number, len: number): TextEncoderFlops {
  const { width: d, layers, heads: h, mlpDim: m, vocabSize, maxLen } = cfg;
  const t = len;
  const block = {
    mm: 4 * 2 * t * d * d + 2 * 2 * t * d * m + 2 * 2 * t * t * d, // q,k,v,proj; fc1, fc2; QK^T and AV
    ew:
      2 * layerNorm(t, d) +
      4 * t * d +
      t * m +
      t * d + // biases of q,k,v,proj, fc1, fc2
      h * t * t * 7 + // scale (1) + causal mask (1) + softmax (5) per score
      5 * t * m + // exact GELU
      2 * t * d, // two residual adds
  };
  const forwardMatmul = batch * layers * block.mm;
  // position add per token; blocks; final LayerNorm on the EOS row only.
  const forwardElementwise = batch * (t * d + layers * block.ew + layerNorm(1, d));
  const forward = forwardMatmul + forwardElementwise;
  const backward = 2 * forward;
  const params = vocabSize * d + maxLen * d + layers * blockParams(d, m) + 2 * d;
  return { forwardMatmul, forwardElementwise, forward, backward, total: forward + backward, params };
}
