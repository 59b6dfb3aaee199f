/**
 * MAE's lightweight ViT decoder (He et al. 2022; facebookresearch/mae
 * `models_mae.py`, forward_decoder), and its analytic FLOPs.
 *
 *   latent [B, c+K, D]  (c = 1 with a class token, else 0; K kept patches)
 *   -> decoder_embed Linear(D -> Dd)
 *   -> unshuffle: one flat gather puts every kept token back at its patch
 *      position and the mask token at every masked one -> [B, c+N, Dd]
 *   -> + fixed 2-D sin-cos position embedding (a zero row for the class token)
 *   -> `depth` pre-LN Blocks -> LayerNorm
 *   -> drop the class token -> decoder_pred Linear(Dd -> p*p*3) -> [B, N, p*p*3]
 *
 * Unshuffle: MAE concatenates [kept tokens; N-K copies of the mask token] per
 * image and gathers with ids_restore. Here the gather source is the kept tokens
 * of the whole batch, flattened, plus B rows holding the mask token (one per
 * image, themselves a gather of the one parameter row): each masked position
 * points at its image's row. Same values and 0 FLOPs; no tf.tile or
 * broadcastTo (their gradient in tfjs is a loop of slice + add, one per copy);
 * the gradients are the gathers' UnsortedSegmentSums, which on WebGPU add with
 * atomics, so one row per image keeps at most max(B, N-K) adds on one address
 * rather than B*(N-K). The flat int32 indices are built in JS
 * (`unshuffleIndex`); every gather has batchDims 0.
 *
 * MAE predicts the class-token row and then drops it; dropping it before
 * decoder_pred gives the same output for B*(2*Dd*P + P) fewer FLOPs.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import { LayerNorm, Linear, linear3d, ParamStore, truncNormal } from './layers';
import { sinCos2d } from './posembed';
import { Block, type VitConfig } from './vit';
import { vitFlops } from './vitFlops';
import type { MaeDecoderConfig } from './maeDecoderShape';

export { maeDecoderConfig, type MaeDecoderConfig } from './maeDecoderShape';

/** Tokens before the patches: 1 with a class token, 0 with mean pooling. */
export const prefixTokens = (encoder: VitConfig): number => (encoder.pool === 'cls' ? 1 : 0);

/**
 * Flat gather indices for the unshuffle, [B*(c+N)] int32 (see the file note).
 * idsRestore [B*N]: rank of patch i of image b in that image's shuffle (MAE's
 * ids_restore); ranks below `kept` are the kept patches, in the order the
 * encoder saw them. Source rows: image b's c+K latent rows start at b*(c+K);
 * its mask-token row is B*(c+K) + b.
 */
export function unshuffleIndex(idsRestore: Int32Array, batch: number, numPatches: number, kept: number, prefix: number): Int32Array {
  if (idsRestore.length !== batch * numPatches) throw new Error(`unshuffleIndex: ids_restore has ${idsRestore.length} entries, expected ${batch * numPatches}`);
  const t = prefix + kept;
  const out = new Int32Array(batch * (prefix + numPatches));
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < prefix; j++) out[o++] = b * t + j;
    for (let i = 0; i < numPatches; i++) {
      const r = idsRestore[b * numPatches + i];
      out[o++] = r < kept ? b * t + prefix + r : batch * t + b;
    }
  }
  return out;
}

/** [B, N, p*p*3] -> [B, H, W, 3]: the inverse of `patchify` (MAE's unpatchify). */
export function unpatchify(patches: tf.Tensor3D, patchSize: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, n, d] = patches.shape;
    const g = Math.round(Math.sqrt(n));
    const p = patchSize;
    const c = d / (p * p);
    if (g * g !== n || !Number.isInteger(c)) throw new Error(`unpatchify: [${patches.shape}] is not a square grid of ${p}x${p} patches`);
    return patches
      .reshape([b, g, g, p, p, c])
      .transpose([0, 1, 3, 2, 4, 5])
      .reshape([b, g * p, g * p, c]) as tf.Tensor4D;
  });
}

export class MaeDecoder {
  readonly store: ParamStore;
  readonly numPatches: number;
  readonly prefix: number;
  readonly patchDim: number;
  private readonly embed: Linear;
  private readonly maskToken: tf.Variable;
  private readonly posEmbed: tf.Tensor2D;
  readonly blocks: Block[];
  private readonly norm: LayerNorm;
  private readonly pred: Linear;

  constructor(
    readonly encoder: VitConfig,
    readonly cfg: MaeDecoderConfig,
    rng: Rng,
  ) {
    if (cfg.dim % 4 !== 0) throw new Error(`MAE decoder dim must be a multiple of 4, got ${cfg.dim}`);
    if (cfg.dim % cfg.heads !== 0) throw new Error(`MAE decoder heads ${cfg.heads} must divide its dim ${cfg.dim}`);
    this.store = new ParamStore('decoder');
    const grid = encoder.imageSize / encoder.patchSize;
    this.numPatches = grid * grid;
    this.prefix = prefixTokens(encoder);
    this.patchDim = encoder.patchSize * encoder.patchSize * 3;
    this.embed = new Linear(this.store, 'embed', encoder.dim, cfg.dim, rng);
    // Stored [1, 1, Dd] as in MAE: rank 3 keeps it out of weight decay with the class token.
    this.maskToken = this.store.add('maskToken', truncNormal([1, 1, cfg.dim], 0.02, rng.split('maskToken')));
    const pe = new Float32Array((this.prefix + this.numPatches) * cfg.dim);
    pe.set(sinCos2d(grid, cfg.dim), this.prefix * cfg.dim); // class-token row stays zero
    this.posEmbed = tf.keep(tf.tensor2d(pe, [this.prefix + this.numPatches, cfg.dim]));
    this.blocks = [];
    for (let i = 0; i < cfg.depth; i++) this.blocks.push(new Block(this.store, `block${i}`, cfg.dim, cfg.heads, cfg.mlpDim, rng));
    this.norm = new LayerNorm(this.store, 'norm', cfg.dim);
    this.pred = new Linear(this.store, 'pred', cfg.dim, this.patchDim, rng);
  }

  get variables(): tf.Variable[] {
    return this.store.variables;
  }

  /**
   * latent [B, c+K, D] (the encoder's output for the kept patches), restore
   * [B*(c+N)] int32 from `unshuffleIndex` -> predicted pixels [B, N, p*p*3].
   */
  apply(latent: tf.Tensor3D, restore: tf.Tensor1D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t] = latent.shape;
      const seq = this.prefix + this.numPatches;
      if (restore.size !== b * seq) throw new Error(`MAE decoder: restore index has ${restore.size} entries, expected ${b * seq}`);
      const x = linear3d(this.embed, latent).reshape([b * t, this.cfg.dim]);
      const maskRows = tf.gather(this.maskToken.reshape([1, this.cfg.dim]), tf.zeros([b], 'int32'));
      const source = tf.concat([x, maskRows], 0);
      let h = tf.add(tf.gather(source, restore).reshape([b, seq, this.cfg.dim]), this.posEmbed) as tf.Tensor3D;
      for (const block of this.blocks) h = block.apply(h);
      h = this.norm.apply(h);
      if (this.prefix > 0) h = tf.slice(h, [0, this.prefix, 0], [b, this.numPatches, this.cfg.dim]);
      return linear3d(this.pred, h);
    });
  }

  dispose(): void {
    this.store.dispose();
    this.posEmbed.dispose();
  }
}

export interface MaeDecoderFlops {
  forwardMatmul: number;
  forwardElementwise: number;
  forward: number;
  params: number;
}

/**
 * Forward FLOPs of the decoder for `batch` images of which `tokensKept`
 * patches reached the encoder (conventions of vitFlops.ts: a multiply-add is
 * 2, elementwise 1 per output element). Gather, concat and slice move data (0).
 * The blocks are priced by vitFlops itself (a ViT of the decoder's width over
 * all c+N positions, with and without its blocks), so the two formulas cannot
 * drift apart. Exact for this implementation: a test holds it to the counter.
 */
export function maeDecoderFlops(encoder: VitConfig, dec: MaeDecoderConfig, batch: number, opts: { tokensKept?: number } = {}): MaeDecoderFlops {
  const n = (encoder.imageSize / encoder.patchSize) ** 2;
  const c = prefixTokens(encoder);
  const kept = opts.tokensKept ?? n;
  const p = encoder.patchSize * encoder.patchSize * 3;
  const dd = dec.dim;
  const asVit: VitConfig = { ...encoder, dim: dd, depth: dec.depth, heads: dec.heads, mlpDim: dec.mlpDim };
  const withBlocks = vitFlops(asVit, 1);
  const noBlocks = vitFlops({ ...asVit, depth: 0 }, 1);
  const blocksMm = withBlocks.forwardMatmul - noBlocks.forwardMatmul;
  const blocksEw = withBlocks.forwardElementwise - noBlocks.forwardElementwise;
  const layerNorm = (t: number, d: number) => 8 * t * d + 2 * t;

  const mm = 2 * (c + kept) * encoder.dim * dd + blocksMm + 2 * n * dd * p; // embed, blocks, pred
  const ew =
    (c + kept) * dd + // embed bias
    (c + n) * dd + // position embedding
    blocksEw +
    layerNorm(c + n, dd) +
    n * p; // pred bias
  const params = encoder.dim * dd + dd + dd + (withBlocks.params - noBlocks.params) + 2 * dd + dd * p + p;
  return { forwardMatmul: batch * mm, forwardElementwise: batch * ew, forward: batch * (mm + ew), params };
}

/**
 * Forward FLOPs of losses/mae.ts `maeLoss` on [B, N, P] (patchify moves data):
 * per-patch mean/var/normalise with normPix (5 per pixel + 3 per patch), then
 * difference, square, mean (3 per pixel), mask product and two sums (3 per
 * patch), one division.
 */
export function maeLossFlops(encoder: VitConfig, batch: number, normPix: boolean): number {
  const n = (encoder.imageSize / encoder.patchSize) ** 2;
  const p = encoder.patchSize * encoder.patchSize * 3;
  const pixels = batch * n * p;
  const patches = batch * n;
  return (normPix ? 5 * pixels + 3 * patches : 0) + 3 * pixels + 3 * patches + 1;
}

export interface MaeStepFlops {
  tokensKept: number;
  encoder: number;
  decoder: number;
  loss: number;
  forward: number;
  /** decoder / forward */
  decoderShare: number;
}

/** Forward FLOPs of one MAE step by component (len_keep = int(N * (1 - maskRatio)), as MAE). */
export function maeForwardFlops(encoder: VitConfig, dec: MaeDecoderConfig, batch: number, maskRatio: number, normPix = true): MaeStepFlops {
  const n = (encoder.imageSize / encoder.patchSize) ** 2;
  const tokensKept = Math.trunc(n * (1 - maskRatio));
  // vitFlops prices the mean pooling of `features` (t*d); MAE runs `encode`, which does not pool.
  const pooling = encoder.pool === 'mean' ? batch * tokensKept * encoder.dim : 0;
  const enc = vitFlops(encoder, batch, { tokensKept }).forward - pooling;
  const decoder = maeDecoderFlops(encoder, dec, batch, { tokensKept }).forward;
  const loss = maeLossFlops(encoder, batch, normPix);
  const forward = enc + decoder + loss;
  return { tokensKept, encoder: enc, decoder, loss, forward, decoderShare: decoder / forward };
}
