/**
 * Analytic FLOPs of the ViT encoder (nanoGPT-style: worked out next to the
 * model), the cross-check for the kernel counter. Conventions as the counter:
 * 1 multiply-add = 2 FLOPs, elementwise 1 per output element, reductions 1 per
 * input element.
 *
 * Forward is exact for this implementation. Backward matmuls are exactly 2x
 * forward (dA and dB; tfjs's fused matmul computes the patch embedding's input
 * gradient too, although pixels need none). Backward elementwise work is
 * modelled as 2x forward elementwise (gradient rules touch each element about
 * twice, e.g. softmax' = y * (dy - sum(dy * y))): the one approximation here,
 * worth a few tenths of a percent of the total at these sizes.
 */
import type { VitConfig } from './vit';

export interface VitFlops {
  forwardMatmul: number;
  forwardElementwise: number;
  forward: number;
  backward: number;
  /** forward + backward */
  total: number;
  params: number;
}

/** Parameters of one pre-norm transformer block of width `d` and MLP width `m`: QKV + output projections, the MLP, two layer norms. */
export const blockParams = (d: number, m: number): number => 4 * (d * d + d) + 2 * d * m + m + d + 4 * d;

/** Layer norm over `t` rows of width `d`: moments (4/elem) + normalise, scale, shift (4/elem) + eps, rsqrt per row. */
export const layerNormFlops = (t: number, d: number) => 8 * t * d + 2 * t;
const layerNorm = layerNormFlops;

export function vitFlops(cfg: VitConfig, batch: number, opts: { tokensKept?: number } = {}): VitFlops {
  const { imageSize, patchSize, dim: d, depth, heads: h, mlpDim: m, pool } = cfg;
  const n = (imageSize / patchSize) ** 2;
  const p = patchSize * patchSize * 3;
  const kept = opts.tokensKept ?? n;
  const t = kept + (pool === 'cls' ? 1 : 0);

  let mm = 2 * n * p * d; // patch embedding (all patches embedded, then kept ones selected)
  let ew = n * d + n * d; // its bias + position embedding
  const block = {
    mm: 4 * 2 * t * d * d + 2 * 2 * t * d * m + 2 * 2 * t * t * d, // q,k,v,proj; fc1, fc2; QK^T and AV
    ew:
      2 * layerNorm(t, d) +
      4 * t * d +
      t * m +
      t * d + // biases of q,k,v,proj, fc1, fc2
      h * t * t * 6 + // scale (1) + softmax (5) per score
      5 * t * m + // exact GELU
      2 * t * d, // two residual adds
  };
  mm += depth * block.mm;
  ew += depth * block.ew + layerNorm(t, d) + (pool === 'mean' ? t * d : 0);

  const forwardMatmul = batch * mm;
  const forwardElementwise = batch * ew;
  const forward = forwardMatmul + forwardElementwise;
  const backward = 2 * forwardMatmul + 2 * forwardElementwise;
  const params = p * d + d + depth * blockParams(d, m) + 2 * d + (pool === 'cls' ? d : 0);
  return { forwardMatmul, forwardElementwise, forward, backward, total: forward + backward, params };
}
