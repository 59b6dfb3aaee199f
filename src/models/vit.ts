/**
 * ViT encoder: patch embedding (reshape + transpose + matmul, not a strided conv,
 * whose filter gradient is a naive loop on WebGPU), fixed 2-D sin-cos position
 * embedding, pre-LayerNorm blocks (multi-head self-attention, GELU MLP), a final
 * LayerNorm, and class-token or mean pooling. Every method shares this builder.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedAttention } from '../engine/fused/webgpu/attention';
import { fusedPrependToken } from '../engine/fused/webgpu/tokens';
import { useFused } from '../engine/fused/enabled';
import type { Rng } from '../engine/rng';
import { gelu, LayerNorm, Linear, linear3d, ParamStore, truncNormal } from './layers';
import { sinCos2d } from './posembed';

/** What a probe reads from the encoder: the class token, or the mean of the patch tokens. */
export type Readout = 'cls' | 'patch-mean';

export interface VitConfig {
  imageSize: number;
  patchSize: number;
  dim: number;
  depth: number;
  heads: number;
  mlpDim: number;
  pool: 'cls' | 'mean';
}

/** One scope hook so the FLOP counter can attribute kernels; identity by default. */
export type Scoper = <T>(component: string, f: () => T) => T;
const noScope: Scoper = (_c, f) => f();

export class Block {
  readonly norm1: LayerNorm;
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly proj: Linear;
  readonly norm2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(
    store: ParamStore,
    name: string,
    readonly dim: number,
    readonly heads: number,
    mlpDim: number,
    rng: Rng,
  ) {
    const r = rng.split(name);
    this.norm1 = new LayerNorm(store, `${name}.norm1`, dim);
    // Separate q/k/v projections: same FLOPs as one fused qkv, and no split op on the gradient path.
    this.q = new Linear(store, `${name}.q`, dim, dim, r);
    this.k = new Linear(store, `${name}.k`, dim, dim, r);
    this.v = new Linear(store, `${name}.v`, dim, dim, r);
    this.proj = new Linear(store, `${name}.proj`, dim, dim, r);
    this.norm2 = new LayerNorm(store, `${name}.norm2`, dim);
    this.fc1 = new Linear(store, `${name}.fc1`, dim, mlpDim, r);
    this.fc2 = new Linear(store, `${name}.fc2`, mlpDim, dim, r);
  }

  /**
   * x [B, T, D] -> [B, T, D]; an additive `mask` [T, T] (e.g. causal, for the caption encoder) joins every head's scores.
   * `causal` says that `mask` is exactly the additive causal mask (0 on and below the diagonal, -1e9 above), so the
   * fused attention kernels may apply it themselves; another mask without it keeps the composed path.
   */
  apply(x: tf.Tensor3D, mask?: tf.Tensor2D, causal = false): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t, d] = x.shape;
      const h = this.heads;
      const dh = d / h;
      const xn = this.norm1.apply(x).reshape([b * t, d]) as tf.Tensor2D;
      let ctx: tf.Tensor2D;
      if (useFused('attention') && (!mask || causal)) {
        // Fused attention reads the heads from the [B*T, D] projections directly (engine/fused/webgpu/attention.ts).
        ctx = fusedAttention(this.q.apply(xn), this.k.apply(xn), this.v.apply(xn), { batch: b, tokens: t, heads: h, causal: Boolean(mask) });
      } else {
        // [B*T, D] -> [B*H, T, dh]: attention matmuls stay fully batched on both sides.
        const split = (y: tf.Tensor2D) =>
          y
            .reshape([b, t, h, dh])
            .transpose([0, 2, 1, 3])
            .reshape([b * h, t, dh]) as tf.Tensor3D;
        const q = split(this.q.apply(xn));
        const k = split(this.k.apply(xn));
        const v = split(this.v.apply(xn));
        const scaled = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh));
        const scores = mask ? tf.add(scaled, mask) : scaled;
        const attn = tf.softmax(scores);
        ctx = tf
          .matMul(attn, v)
          .reshape([b, h, t, dh])
          .transpose([0, 2, 1, 3])
          .reshape([b * t, d]) as tf.Tensor2D;
      }
      const x1 = tf.add(x, this.proj.apply(ctx).reshape([b, t, d])) as tf.Tensor3D;
      const hidden = gelu(linear3d(this.fc1, this.norm2.apply(x1)));
      return tf.add(x1, linear3d(this.fc2, hidden)) as tf.Tensor3D;
    });
  }
}

export class VitEncoder {
  readonly store: ParamStore;
  readonly numPatches: number;
  readonly gridSize: number;
  readonly patchDim: number;
  private readonly patchEmbed: Linear;
  private readonly clsToken: tf.Variable | null;
  /** Fixed position embeddings by grid size (the training grid, and smaller crops). */
  private readonly posEmbeds = new Map<number, tf.Tensor2D>();
  readonly blocks: Block[];
  private readonly norm: LayerNorm;

  constructor(
    readonly cfg: VitConfig,
    rng: Rng,
    opts: { name?: string; trainable?: boolean } = {},
  ) {
    this.store = new ParamStore(opts.name ?? 'encoder', opts.trainable ?? true);
    this.gridSize = cfg.imageSize / cfg.patchSize;
    this.numPatches = this.gridSize * this.gridSize;
    this.patchDim = cfg.patchSize * cfg.patchSize * 3;
    this.patchEmbed = new Linear(this.store, 'patch', this.patchDim, cfg.dim, rng);
    this.clsToken = cfg.pool === 'cls' ? this.store.add('cls', truncNormal([1, 1, cfg.dim], 0.02, rng.split('cls'))) : null;
    this.blocks = [];
    for (let i = 0; i < cfg.depth; i++) this.blocks.push(new Block(this.store, `block${i}`, cfg.dim, cfg.heads, cfg.mlpDim, rng));
    this.norm = new LayerNorm(this.store, 'norm', cfg.dim);
  }

  get variables(): tf.Variable[] {
    return this.store.variables;
  }

  /** Tokens per image after embedding: patches plus the class token if any. */
  get numTokens(): number {
    return this.numPatches + (this.clsToken ? 1 : 0);
  }

  /** [B, H, W, 3] -> [B, N, p*p*3], patches in raster order, pixels (p, q, c) within a patch. */
  patchify(images: tf.Tensor4D): tf.Tensor3D {
    const [b, hgt, wid, c] = images.shape;
    const p = this.cfg.patchSize;
    if (hgt !== wid || hgt % p !== 0 || hgt > this.cfg.imageSize)
      throw new Error(`encoder takes square images up to ${this.cfg.imageSize}px in multiples of ${p}px, got ${hgt}x${wid}`);
    return images
      .reshape([b, hgt / p, p, wid / p, p, c])
      .transpose([0, 1, 3, 2, 4, 5])
      .reshape([b, (hgt / p) * (wid / p), p * p * c]) as tf.Tensor3D;
  }

  /** Position embedding for a grid; smaller grids (local crops) span the training grid's range. */
  posEmbed(grid: number): tf.Tensor2D {
    let pe = this.posEmbeds.get(grid);
    if (!pe) {
      pe = tf.keep(tf.tensor2d(sinCos2d(grid, this.cfg.dim, this.gridSize / grid), [grid * grid, this.cfg.dim]));
      this.posEmbeds.set(grid, pe);
    }
    return pe;
  }

  /** Patch embedding plus position embedding: [B, H, W, 3] -> [B, N, D]. */
  embed(images: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const patches = this.patchify(images);
      const grid = Math.round(Math.sqrt(patches.shape[1]));
      return tf.add(linear3d(this.patchEmbed, patches), this.posEmbed(grid)) as tf.Tensor3D;
    });
  }

  /** Prepends the class token (if any), runs the blocks and the final norm: [B, n, D] -> [B, n(+1), D]. */
  encode(tokens: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      let x = tokens;
      // Fused on WebGPU: the composed Tile's backward is a loop of 2B slices and adds.
      if (this.clsToken && useFused('prependToken')) x = fusedPrependToken(this.clsToken, x);
      else if (this.clsToken) {
        const cls = tf.tile(this.clsToken, [tokens.shape[0], 1, 1]) as tf.Tensor3D;
        x = tf.concat([cls, x], 1);
      }
      for (const block of this.blocks) x = block.apply(x);
      return this.norm.apply(x);
    });
  }

  /** Full token sequence for whole images. */
  tokens(images: tf.Tensor4D, scope: Scoper = noScope): tf.Tensor3D {
    return scope('encoder', () => this.encode(this.embed(images)));
  }

  /** Pooled features [B, D]: the class token, or the mean of patch tokens. */
  pool(tokens: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => {
      const [b, , d] = tokens.shape;
      if (this.clsToken) return tf.slice(tokens, [0, 0, 0], [b, 1, d]).reshape([b, d]) as tf.Tensor2D;
      return tf.mean(tokens, 1) as tf.Tensor2D;
    });
  }

  /**
   * The representation a probe reads: 'cls' is features() (the class token, or the patch mean
   * of a model without one); 'patch-mean' is the mean of the patch tokens, the class token left
   * out (MAE's linear-probe readout, He et al. 2022 A.1 / the global-pool variant).
   */
  readout(images: tf.Tensor4D, kind: Readout): tf.Tensor2D {
    if (kind === 'cls' || !this.clsToken) return this.features(images);
    return tf.tidy(() => {
      const tokens = this.encode(this.embed(images));
      const [b, t, d] = tokens.shape;
      return tf.mean(tf.slice(tokens, [0, 1, 0], [b, t - 1, d]), 1) as tf.Tensor2D;
    });
  }

  features(images: tf.Tensor4D, scope: Scoper = noScope): tf.Tensor2D {
    return scope('encoder', () => tf.tidy(() => this.pool(this.encode(this.embed(images)))));
  }

  /** Copies every parameter value from an encoder of the same config (teacher init). */
  copyFrom(other: VitEncoder): void {
    const mine = this.variables;
    const theirs = other.variables;
    if (mine.length !== theirs.length) throw new Error('copyFrom needs encoders of the same config');
    mine.forEach((v, i) => v.assign(theirs[i]));
  }

  dispose(): void {
    this.store.dispose();
    for (const pe of this.posEmbeds.values()) pe.dispose();
    this.posEmbeds.clear();
  }
}
